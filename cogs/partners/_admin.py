"""/partner-admin: the moderators' settings, a top-level group Discord hides from members."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import moderator_only
from bot.i18n import _, ngettext
from bot.partners.service import PartnerService
from bot.permissions import require_permissions
from bot.translator import _T
from cogs.partners._render import command

# What a channel must allow before it is saved (publishing the bot's own message in an
# announcement channel needs nothing more than sending); /setup's checklist names the rest.
NEEDED_TO_SAVE = ("view_channel", "send_messages", "embed_links")
QUIET_DAYS_MAX = 730


@moderator_only()
class PartnerAdmin(
    commands.GroupCog,
    group_name=_T("partner-admin"),
    group_description=_T("Partnership settings (moderators)"),
):
    def __init__(self, service: PartnerService) -> None:
        self.service = service
        super().__init__()

    @app_commands.command(
        name=_T("settings"),
        description=_T("Choose the announcements channel and when a partnership is quiet"),
    )
    @app_commands.describe(
        channel=_T("Where approved partnerships, news and anniversaries are announced"),
        quiet_days=_T(
            "Tell moderators when a partnership has had no news or check-in for this many days (0: never)"
        ),
    )
    @app_commands.rename(channel=_T("channel"), quiet_days=_T("quiet_days"))
    async def settings(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel | None = None,
        quiet_days: app_commands.Range[int, 0, QUIET_DAYS_MAX] | None = None,
    ) -> None:
        if interaction.guild is None:
            raise app_commands.NoPrivateMessage
        if channel is not None:
            require_permissions(channel, NEEDED_TO_SAVE)
        changes: dict[str, int] = {}
        if channel is not None:
            changes["announce_channel_id"] = channel.id
        if quiet_days is not None:
            changes["quiet_days"] = quiet_days
        saved = await self.service.save_settings(interaction.guild.id, **changes)
        where = (
            _("Announcements go to <#{channel}>.").format(channel=saved.announce_channel_id)
            if saved.announce_channel_id
            else _("Choose the announcements channel too, with {command}.").format(
                command=command("partner-admin settings")
            )
        )
        quiet = (
            ngettext(
                "Moderators hear of a partnership quiet for {days} day.",
                "Moderators hear of a partnership quiet for {days} days.",
                saved.quiet_days,
            ).format(days=saved.quiet_days)
            if saved.quiet_days
            else _("Quiet partnerships are not flagged.")
        )
        saved_text = _("Saved.")
        await interaction.response.send_message(f"{saved_text} {where} {quiet}", ephemeral=True)

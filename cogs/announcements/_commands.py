"""/announce: moderators schedule messages for a channel, list, edit and cancel them."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.announcements.service import AnnouncementService
from bot.checks import moderator_only
from bot.i18n import N_, _
from bot.inputs import check_id
from bot.options import timezone_autocomplete
from bot.translator import _T
from cogs.announcements._form import AnnouncementForm
from cogs.announcements._render import SCHEDULED, check_channel, confirmation, listing

EDITED = N_("Announcement {id} now goes to {channel} on {local} ({utc}).")
UNKNOWN = N_("There is no announcement {id} waiting here (see /announce list). Nothing was changed.")


@moderator_only()
class Announce(
    commands.GroupCog,
    group_name=_T("announce"),
    group_description=_T("Scheduled announcements (moderators)"),
):
    def __init__(self, service: AnnouncementService) -> None:
        self.service = service
        super().__init__()

    @app_commands.command(name=_T("schedule"), description=_T("Post a message in a channel at a set time"))
    @app_commands.describe(
        channel=_T("Where to post it"),
        when=_T("YYYY-MM-DD HH:MM, or HH:MM for the next time the clock shows it"),
        text=_T("What to post, at most 2,000 characters; leave it out to write several lines in a form"),
        timezone=_T("The time zone of when (the server's by default)"),
    )
    @app_commands.rename(channel=_T("channel"), when=_T("when"), text=_T("text"), timezone=_T("timezone"))
    @app_commands.autocomplete(timezone=timezone_autocomplete)
    async def schedule(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        when: str,
        text: str | None = None,
        timezone: str | None = None,
    ) -> None:
        assert interaction.guild is not None
        check_channel(channel)
        if text is None:
            # Options hold one line: the form takes paragraphs. The time is checked first, so a
            # bad one is refused before anything is written.
            checked = await self.service.check_when(interaction.guild.id, when, timezone)
            await interaction.response.send_modal(AnnouncementForm(channel.id, checked.at, checked.timezone))
            return
        outcome = await self.service.schedule(
            interaction.guild.id, channel.id, interaction.user.id, when, text, timezone
        )
        await interaction.response.send_message(confirmation(outcome, SCHEDULED, channel), ephemeral=True)

    @app_commands.command(
        name=_T("list"), description=_T("Upcoming and recent announcements, with their ids")
    )
    async def list_announcements(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        found = await self.service.listing(interaction.guild.id)
        await interaction.response.send_message(listing(found), ephemeral=True)

    @app_commands.command(name=_T("edit"), description=_T("Change an announcement that is not posted yet"))
    @app_commands.describe(
        id=_T("The announcement's id in /announce list"),
        when=_T("A new time: YYYY-MM-DD HH:MM, or HH:MM"),
        text=_T("A new text"),
        channel=_T("A new channel"),
        timezone=_T("The time zone of when (the announcement's by default)"),
    )
    @app_commands.rename(
        id=_T("id"), when=_T("when"), text=_T("text"), channel=_T("channel"), timezone=_T("timezone")
    )
    @app_commands.autocomplete(timezone=timezone_autocomplete)
    async def edit(
        self,
        interaction: discord.Interaction,
        id: app_commands.Range[int, 1],
        when: str | None = None,
        text: str | None = None,
        channel: discord.TextChannel | None = None,
        timezone: str | None = None,
    ) -> None:
        assert interaction.guild is not None
        announcement_id = check_id(id, UNKNOWN, id=id)
        target = channel
        if target is not None:
            check_channel(target)
        outcome = await self.service.edit(
            interaction.guild.id,
            announcement_id,
            interaction.user.id,
            when=when,
            content=text,
            channel_id=target.id if target is not None else None,
            timezone=timezone,
        )
        shown = target or interaction.guild.get_channel(outcome.announcement.channel_id)
        await interaction.response.send_message(
            confirmation(outcome, EDITED, shown),
            ephemeral=True,
        )

    @app_commands.command(name=_T("cancel"), description=_T("Cancel an announcement that is not posted yet"))
    @app_commands.describe(id=_T("The announcement's id in /announce list"))
    @app_commands.rename(id=_T("id"))
    async def cancel(self, interaction: discord.Interaction, id: app_commands.Range[int, 1]) -> None:
        assert interaction.guild is not None
        await self.service.cancel(interaction.guild.id, check_id(id, UNKNOWN, id=id), interaction.user.id)
        await interaction.response.send_message(
            _("Announcement {id} is cancelled; it will not be posted.").format(id=id), ephemeral=True
        )

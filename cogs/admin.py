"""/setup: a moderator chooses the server's time zone, language, moderator role and channel."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.channels import ChannelUse
from bot.checks import moderator_only
from bot.db.core_repo import get_guild_settings, record_audit, upsert_guild_settings
from bot.errors import UserFacingError
from bot.i18n import AVAILABLE_LOCALES, N_, _, command_mention, command_name, join_list, ngettext
from bot.inputs import check_timezone
from bot.options import timezone_autocomplete
from bot.permissions import channel_checklist, require_permissions
from bot.privacy import MAX_LEAVER_DAYS
from bot.text import MESSAGE_CONTENT, fit, quote
from bot.translator import _T

if TYPE_CHECKING:
    from bot.client import SisterBot
    from bot.db.models import GuildSettings

# Each language by its own name, for every catalog we have.
_OWN_NAMES = {"en": "English", "zh_CN": "简体中文"}
LANGUAGE_NAMES = {code: _OWN_NAMES.get(code, code) for code in AVAILABLE_LOCALES}
# The choices in /setup, named in the reader's language and in their own.
_CHOICE_NAMES = {"en": _T("English"), "zh_CN": _T("Simplified Chinese (简体中文)")}
LANGUAGE_CHOICES = [
    app_commands.Choice(name=_CHOICE_NAMES.get(code, _T(code)), value=code) for code in AVAILABLE_LOCALES
]


def moderator_commands(tree: app_commands.CommandTree) -> list[str]:
    """Top-level commands Discord hides from members without Manage Server (default permissions)."""
    return sorted(
        command.name
        for command in tree.get_commands(type=discord.AppCommandType.chat_input)
        if getattr(command, "default_permissions", None) is not None
    )


def integrations_advice(tree: app_commands.CommandTree, bot_name: str, role_id: int | None) -> str:
    """What a server admin must allow so the moderator role sees the moderator commands."""
    # Written out, not mentioned: the admin looks for these names in Server Settings, and a group
    # with subcommands is not clickable as a whole.
    commands_ = join_list(f"**{command_name(name)}**" for name in moderator_commands(tree))
    if role_id is None:
        return _(
            "No moderator role yet: only members with Manage Server can moderate. "
            "Choose a role with {setup} moderator_role."
        ).format(setup=command_mention("setup"))
    return _(
        "Discord shows {commands} only to members with Manage Server. So that {role} sees them too, "
        "a server admin opens Server Settings > Integrations > {bot}, and under each of these "
        "commands adds {role} (the bot checks the role again whenever one is used)."
    ).format(commands=commands_, role=f"<@&{role_id}>", bot=quote(bot_name))


# What the bot needs in the moderator channel, as moderators see it in Discord's settings: without
# them every alert to moderators would be lost without a word.
MOD_CHANNEL_PERMISSIONS = ("view_channel", "send_messages")


def check_mod_channel(channel: discord.TextChannel) -> None:
    require_permissions(channel, MOD_CHANNEL_PERMISSIONS)


def public_channel_warning(channel: discord.TextChannel) -> str | None:
    """A moderators' channel every member can read would show them alerts that name members."""
    if channel.permissions_for(channel.guild.default_role).view_channel:
        return "⚠️ " + _(
            "Everyone in the server can read {channel}, and alerts there name members (who asked "
            "for help, who could not be reached). Consider a channel only moderators can see."
        ).format(channel=channel.mention)
    return None


def check_moderator_role(role: discord.Role) -> None:
    if role.is_default():
        raise UserFacingError(
            _("@everyone cannot be the moderator role: pick a role that only moderators have.")
        )
    if role.managed:
        raise UserFacingError(
            _("“{role}” belongs to an integration and cannot be given to people: pick another role.").format(
                role=quote(role.name)
            )
        )


def describe_settings(settings: GuildSettings) -> str:
    role = f"<@&{settings.moderator_role_id}>" if settings.moderator_role_id else _("(Manage Server only)")
    channel = f"<#{settings.mod_channel_id}>" if settings.mod_channel_id else _("(not set)")
    return "\n".join(
        [
            _("Time zone: {timezone}").format(timezone=settings.timezone),
            _("Language: {language}").format(language=LANGUAGE_NAMES.get(settings.locale, settings.locale)),
            _("Moderator role: {role}").format(role=role),
            ngettext(
                "A member's data is deleted {days} day after they leave, unless they come back.",
                "A member's data is deleted {days} days after they leave, unless they come back.",
                settings.leaver_retention_days,
            ).format(days=settings.leaver_retention_days)
            if settings.leaver_retention_days
            else _("A member's data is deleted as soon as they leave."),
            _("Moderator channel: {channel}").format(channel=channel),
        ]
    )


def core_channel_uses(settings: GuildSettings | None) -> list[ChannelUse]:
    return [
        ChannelUse(
            N_("Moderators' channel"),
            settings.mod_channel_id if settings else None,
            MOD_CHANNEL_PERMISSIONS,
            "setup",
        )
    ]


async def channel_report(bot: SisterBot, guild: discord.Guild, settings: GuildSettings | None) -> list[str]:
    """The checklist of every channel the bot uses in this server."""
    uses = core_channel_uses(settings) + await bot.features.channel_uses(guild.id)
    return [_("Channels:"), *channel_checklist(guild, uses)]


async def save_settings(
    bot: SisterBot, interaction: discord.Interaction, changes: dict[str, object]
) -> GuildSettings:
    """Save what changed (with an audit entry) and return the server's settings."""
    assert interaction.guild is not None
    now = bot.clock.now()
    defaults = {"timezone": bot.settings.bot.default_timezone, "locale": bot.settings.bot.default_locale}
    async with bot.database.session() as session:
        if changes:
            settings = await upsert_guild_settings(session, interaction.guild.id, now, defaults, **changes)
            await record_audit(
                session,
                guild_id=interaction.guild.id,
                actor_id=interaction.user.id,
                action="setup",
                at=now,
                **{key: str(value) for key, value in changes.items()},
            )
        else:
            settings = await get_guild_settings(session, interaction.guild.id) or await upsert_guild_settings(
                session, interaction.guild.id, now, defaults
            )
    if "timezone" in changes:  # what features scheduled at a local hour moves with the zone
        await bot.features.timezone_changed(interaction.guild.id)
    return settings


class Admin(commands.Cog):
    def __init__(self, bot: SisterBot) -> None:
        self.bot = bot

    @app_commands.command(
        name=_T("setup"), description=_T("Set the server's time zone, language and moderators")
    )
    @app_commands.describe(
        timezone=_T("The server's time zone, e.g. Europe/Berlin"),
        language=_T("The language the bot uses in public channels"),
        moderator_role=_T("Members with this role can moderate the bot"),
        mod_channel=_T("Where the bot sends things moderators should see"),
        leaver_days=_T("Days to keep the data of a member who left (0: delete at once)"),
    )
    @app_commands.rename(
        timezone=_T("timezone"),
        language=_T("language"),
        moderator_role=_T("moderator_role"),
        mod_channel=_T("mod_channel"),
        leaver_days=_T("leaver_days"),
    )
    @app_commands.choices(language=LANGUAGE_CHOICES)
    @app_commands.autocomplete(timezone=timezone_autocomplete)
    @moderator_only()
    async def setup(
        self,
        interaction: discord.Interaction,
        timezone: str | None = None,
        language: app_commands.Choice[str] | None = None,
        moderator_role: discord.Role | None = None,
        mod_channel: discord.TextChannel | None = None,
        leaver_days: app_commands.Range[int, 0, MAX_LEAVER_DAYS] | None = None,
    ) -> None:
        assert interaction.guild is not None
        changes: dict[str, object] = {}
        if timezone is not None:
            changes["timezone"] = check_timezone(timezone)
        if language is not None:
            changes["locale"] = language.value
        if moderator_role is not None:
            check_moderator_role(moderator_role)
            changes["moderator_role_id"] = moderator_role.id
        if mod_channel is not None:
            check_mod_channel(mod_channel)
            changes["mod_channel_id"] = mod_channel.id
        if leaver_days is not None:
            changes["leaver_retention_days"] = leaver_days
        settings = await save_settings(self.bot, interaction, changes)
        heading = _("Settings saved.") if changes else _("Current settings:")
        lines = [heading, describe_settings(settings)]
        if mod_channel is not None and (warning := public_channel_warning(mod_channel)):
            lines.append(warning)
        if not changes:
            lines += await channel_report(self.bot, interaction.guild, settings)
        if not changes or "moderator_role_id" in changes:
            bot_name = self.bot.user.name if self.bot.user is not None else "sisterlib"
            lines.append(integrations_advice(self.bot.tree, bot_name, settings.moderator_role_id))
        await interaction.response.send_message(fit("\n".join(lines), MESSAGE_CONTENT), ephemeral=True)


async def setup(bot: SisterBot) -> None:
    await bot.add_cog(Admin(bot))

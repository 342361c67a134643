"""/config: moderators see every setting and channel check at once, and change one setting at a time.

``/setup`` takes several settings as typed options; ``/config set`` names one setting and a value,
with suggestions for the value that fit the setting chosen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import moderator_only
from bot.db.core_repo import get_guild_settings
from bot.errors import UserFacingError
from bot.i18n import AVAILABLE_LOCALES, N_, _
from bot.inputs import check_length, check_timezone
from bot.privacy import MAX_LEAVER_DAYS
from bot.reference import search_timezones
from bot.text import CHOICE_NAME, MESSAGE_CONTENT, fit, quote
from bot.translator import _T
from cogs.admin import (
    LANGUAGE_NAMES,
    channel_report,
    check_mod_channel,
    check_moderator_role,
    describe_settings,
    save_settings,
)
from cogs.console import pause_report

if TYPE_CHECKING:
    from bot.client import SisterBot

VALUE_MAX = 100
SETTING_CHOICES = [
    app_commands.Choice(name=_T("time zone"), value="timezone"),
    app_commands.Choice(name=_T("language"), value="language"),
    app_commands.Choice(name=_T("moderator role"), value="moderator_role"),
    app_commands.Choice(name=_T("moderators' channel"), value="mod_channel"),
    app_commands.Choice(name=_T("days to keep a departed member's data"), value="leaver_days"),
]


def _snowflake(value: str) -> int | None:
    cleaned = value.strip().strip("<>@&#")
    return int(cleaned) if cleaned.isascii() and cleaned.isdigit() and len(cleaned) <= 20 else None


def parse_change(guild: discord.Guild, setting: str, value: str) -> dict[str, object]:
    """The settings change ``value`` means for ``setting``, or a refusal saying what to type."""
    check_length(value, VALUE_MAX, N_("a setting's value"))
    if setting == "timezone":
        return {"timezone": check_timezone(value)}
    if setting == "language":
        code = value.strip()
        by_name = {name.lower(): code for code, name in LANGUAGE_NAMES.items()}
        code = code if code in AVAILABLE_LOCALES else by_name.get(code.lower(), "")
        if not code:
            raise UserFacingError(_("Pick a language from the list."))
        return {"locale": code}
    if setting == "moderator_role":
        role_id = _snowflake(value)
        role = guild.get_role(role_id) if role_id else None
        if role is None:  # typed rather than picked: a role of exactly that name, if only one
            named = [
                r for r in guild.roles if r.name.casefold() == value.strip().removeprefix("@").casefold()
            ]
            role = named[0] if len(named) == 1 else None
        if role is None:
            raise UserFacingError(
                _("“{value}” is not a role of this server; pick one from the list.").format(
                    value=quote(value)
                )
            )
        check_moderator_role(role)
        return {"moderator_role_id": role.id}
    if setting == "mod_channel":
        channel_id = _snowflake(value)
        channel = guild.get_channel(channel_id) if channel_id else None
        if not isinstance(channel, discord.TextChannel):
            raise UserFacingError(
                _("“{value}” is not a text channel of this server; pick one from the list.").format(
                    value=quote(value)
                )
            )
        check_mod_channel(channel)
        return {"mod_channel_id": channel.id}
    if setting == "leaver_days":
        days = value.strip()
        if not (days.isascii() and days.isdigit()) or int(days) > MAX_LEAVER_DAYS:
            raise UserFacingError(
                _("Type a whole number of days from 0 to {most}.").format(most=MAX_LEAVER_DAYS)
            )
        return {"leaver_retention_days": int(days)}
    raise UserFacingError(_("Pick a setting from the list."))


@moderator_only()
class Config(
    commands.GroupCog,
    group_name=_T("config"),
    group_description=_T("See and change the bot's settings (moderators)"),
):
    def __init__(self, bot: SisterBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name=_T("show"), description=_T("Every setting and whether each channel is ready"))
    async def show(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        async with self.bot.database.session() as session:
            settings = await get_guild_settings(session, interaction.guild.id)
        if settings is None:
            settings = await save_settings(self.bot, interaction, {})
        lines = [describe_settings(settings), *await channel_report(self.bot, interaction.guild, settings)]
        lines.append(await pause_report(self.bot, interaction.guild.id, settings.timezone))
        await interaction.response.send_message(fit("\n".join(lines), MESSAGE_CONTENT), ephemeral=True)

    @app_commands.command(name=_T("set"), description=_T("Change one setting"))
    @app_commands.describe(
        setting=_T("The setting to change"), value=_T("Its new value (pick from the list)")
    )
    @app_commands.rename(setting=_T("setting"), value=_T("value"))
    @app_commands.choices(setting=SETTING_CHOICES)
    async def set_(
        self, interaction: discord.Interaction, setting: app_commands.Choice[str], value: str
    ) -> None:
        assert interaction.guild is not None
        changes = parse_change(interaction.guild, setting.value, value)
        settings = await save_settings(self.bot, interaction, changes)
        await interaction.response.send_message(
            fit("\n".join([_("Settings saved."), describe_settings(settings)]), MESSAGE_CONTENT),
            ephemeral=True,
        )

    @set_.autocomplete("value")
    async def value_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        guild = interaction.guild
        setting = getattr(interaction.namespace, "setting", None)
        wanted = current.strip().lower()[:VALUE_MAX]
        if guild is None:
            return []
        if setting == "timezone":
            options = [(name, name) for name in search_timezones(current[:VALUE_MAX])]
        elif setting == "language":
            options = [(LANGUAGE_NAMES[code], code) for code in AVAILABLE_LOCALES]
        elif setting == "moderator_role":
            options = [
                (role.name, str(role.id))
                for role in guild.roles
                if not role.is_default() and not role.managed
            ]
        elif setting == "mod_channel":
            options = [(f"#{channel.name}", str(channel.id)) for channel in guild.text_channels]
        elif setting == "leaver_days":
            options = [(str(days), str(days)) for days in (0, 7, 30, 90, 365)]
        else:
            return []
        return [
            app_commands.Choice(name=fit(name, CHOICE_NAME), value=code)
            for name, code in options
            if not wanted or wanted in name.lower()
        ][:25]


async def setup(bot: SisterBot) -> None:
    await bot.add_cog(Config(bot))

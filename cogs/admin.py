"""/setup: a moderator chooses the server's time zone, language, moderator role and channel."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import moderator_only
from bot.db.core_repo import get_guild_settings, record_audit, upsert_guild_settings
from bot.errors import UserFacingError
from bot.i18n import _
from bot.options import check_timezone, timezone_autocomplete
from bot.translator import _T

if TYPE_CHECKING:
    from bot.client import SisterBot
    from bot.db.models import GuildSettings

LANGUAGE_NAMES = {"en": "English", "zh_CN": "简体中文"}


def describe_settings(settings: GuildSettings) -> str:
    role = f"<@&{settings.moderator_role_id}>" if settings.moderator_role_id else _("(Manage Server only)")
    channel = f"<#{settings.mod_channel_id}>" if settings.mod_channel_id else _("(not set)")
    return "\n".join(
        [
            _("Time zone: {timezone}").format(timezone=settings.timezone),
            _("Language: {language}").format(language=LANGUAGE_NAMES.get(settings.locale, settings.locale)),
            _("Moderator role: {role}").format(role=role),
            _("Moderator channel: {channel}").format(channel=channel),
        ]
    )


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
    )
    @app_commands.rename(
        timezone=_T("timezone"),
        language=_T("language"),
        moderator_role=_T("moderator_role"),
        mod_channel=_T("mod_channel"),
    )
    @app_commands.choices(
        language=[app_commands.Choice(name=name, value=code) for code, name in LANGUAGE_NAMES.items()]
    )
    @app_commands.autocomplete(timezone=timezone_autocomplete)
    @moderator_only()
    async def setup(
        self,
        interaction: discord.Interaction,
        timezone: str | None = None,
        language: app_commands.Choice[str] | None = None,
        moderator_role: discord.Role | None = None,
        mod_channel: discord.TextChannel | None = None,
    ) -> None:
        assert interaction.guild is not None
        changes: dict[str, object] = {}
        if timezone is not None:
            changes["timezone"] = check_timezone(timezone)
        if language is not None:
            changes["locale"] = language.value
        if moderator_role is not None:
            if moderator_role.is_default():
                raise UserFacingError(
                    _("@everyone cannot be the moderator role: pick a role that only moderators have.")
                )
            changes["moderator_role_id"] = moderator_role.id
        if mod_channel is not None:
            changes["mod_channel_id"] = mod_channel.id
        now = self.bot.clock.now()
        defaults = {
            "timezone": self.bot.settings.bot.default_timezone,
            "locale": self.bot.settings.bot.default_locale,
        }
        async with self.bot.database.session() as session:
            if changes:
                settings = await upsert_guild_settings(
                    session, interaction.guild.id, now, defaults, **changes
                )
                await record_audit(
                    session,
                    guild_id=interaction.guild.id,
                    actor_id=interaction.user.id,
                    action="setup",
                    at=now,
                    **{key: str(value) for key, value in changes.items()},
                )
            else:
                settings = await get_guild_settings(
                    session, interaction.guild.id
                ) or await upsert_guild_settings(session, interaction.guild.id, now, defaults)
        if "timezone" in changes:  # what features scheduled at a local hour moves with the zone
            await self.bot.features.timezone_changed(interaction.guild.id)
        heading = _("Settings saved.") if changes else _("Current settings:")
        await interaction.response.send_message(f"{heading}\n{describe_settings(settings)}", ephemeral=True)


async def setup(bot: SisterBot) -> None:
    await bot.add_cog(Admin(bot))

"""Command options several features share: autocomplete and the check behind it."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.errors import UserFacingError
from bot.i18n import _
from bot.reference import resolve_timezone, search_timezones, suggest_timezones


def did_you_mean(suggestions: list[str]) -> str:
    if not suggestions:
        return ""
    return " " + _("Did you mean: {suggestions}?").format(suggestions=", ".join(suggestions))


async def timezone_autocomplete(_i: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=name, value=name) for name in search_timezones(current)]


def check_timezone(value: str) -> str:
    """The canonical IANA name for what the member typed, or an error with close suggestions."""
    zone = resolve_timezone(value)
    if zone is None:
        raise UserFacingError(
            _("“{value}” is not a time zone I know; pick one from the list, e.g. Asia/Shanghai.").format(
                value=value
            )
            + did_you_mean(suggest_timezones(value))
        )
    return zone

"""Command options several features share: autocomplete and the check behind it."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.errors import UserFacingError
from bot.i18n import _, join_list
from bot.reference import TIMEZONE_MAX, resolve_timezone, search_timezones, suggest_timezones
from bot.text import CHOICE_NAME, fit, has_visible_text, quote


def did_you_mean(suggestions: list[str]) -> str:
    if not suggestions:
        return ""
    return " " + _("Did you mean: {suggestions}?").format(suggestions=join_list(suggestions))


async def timezone_autocomplete(_i: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return [
        app_commands.Choice(name=fit(name, CHOICE_NAME), value=name)
        for name in search_timezones(current[:TIMEZONE_MAX])
    ]


def check_timezone(value: str) -> str:
    """The canonical IANA name for what the member typed, or an error that says what to fix.

    Length first: a very long value is neither looked up nor repeated back in full.
    """
    if len(value) > TIMEZONE_MAX:
        raise UserFacingError(
            _(
                "A time zone name is at most {limit} characters; “{value}” is {length}. "
                "Pick one from the list, e.g. Asia/Shanghai."
            ).format(limit=TIMEZONE_MAX, value=quote(value), length=len(value))
        )
    if not has_visible_text(value):
        raise UserFacingError(_("Type a time zone name, or pick one from the list, e.g. Asia/Shanghai."))
    zone = resolve_timezone(value)
    if zone is None:
        raise UserFacingError(
            _("“{value}” is not a time zone I know; pick one from the list, e.g. Asia/Shanghai.").format(
                value=quote(value)
            )
            + did_you_mean(suggest_timezones(value))
        )
    return zone

"""Command options several features share: autocomplete (the check is :func:`bot.inputs.check_timezone`)."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.reference import TIMEZONE_MAX, search_timezones
from bot.text import CHOICE_NAME, fit


async def timezone_autocomplete(_i: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return [
        app_commands.Choice(name=fit(name, CHOICE_NAME), value=name)
        for name in search_timezones(current[:TIMEZONE_MAX])
    ]

"""Checks written once and used as decorators."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import discord
from discord import app_commands

from bot.db.core_repo import get_guild_settings

T = TypeVar("T")


async def is_moderator(interaction: discord.Interaction) -> bool:
    """A moderator has Manage Server, or the moderator role chosen in /setup."""
    if interaction.guild is None or not isinstance(interaction.user, discord.Member):
        return False
    if interaction.permissions.manage_guild or interaction.permissions.administrator:
        return True
    database = getattr(interaction.client, "database", None)
    if database is None:
        return False
    async with database.session() as session:
        settings = await get_guild_settings(session, interaction.guild.id)
    role_id = settings.moderator_role_id if settings is not None else None
    return role_id is not None and any(role.id == role_id for role in interaction.user.roles)


async def _moderator_predicate(interaction: discord.Interaction) -> bool:
    if await is_moderator(interaction):
        return True
    raise app_commands.MissingPermissions(["manage_guild"])


_moderator_predicate.moderator = True  # type: ignore[attr-defined]  # lets /help tell these apart


def requires_moderator(command: app_commands.Command[Any, Any, Any]) -> bool:
    return any(getattr(check, "moderator", False) for check in command.checks)


def moderator_check() -> Callable[[T], T]:
    """For subcommands, which Discord cannot hide per permission: checked when run, and /help hides it."""

    def decorator(func: T) -> T:
        func = app_commands.guild_only()(func)  # type: ignore[arg-type]
        return app_commands.check(_moderator_predicate)(func)  # type: ignore[return-value]

    return decorator


def moderator_only() -> Callable[[T], T]:
    """For top-level commands: hidden from members by default (Manage Server), and checked when run."""

    def decorator(func: T) -> T:
        func = moderator_check()(func)
        return app_commands.default_permissions(manage_guild=True)(func)  # type: ignore[return-value]

    return decorator

"""Who may run what: moderators, written once and used as decorators.

A moderator has Manage Server (or Administrator), or the moderator role chosen in /setup. Discord
hides a top-level command whose default member permissions a member lacks, unless a server admin
allows a role under Server Settings > Integrations; subcommands cannot be hidden per permission.
So every moderator command is checked again when it runs, and /help reads the same marks.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.db.core_repo import get_guild_settings

if TYPE_CHECKING:
    from bot.db.models import GuildSettings

T = TypeVar("T")

# Keys in ``interaction.extras``: the guild settings are read at most once per interaction.
_SETTINGS_KEY = "sisterlib.guild_settings"
_MODERATOR_KEY = "sisterlib.is_moderator"
# Set on a command, group or cog class that only moderators may use.
MODERATOR_MARK = "__sisterlib_moderator__"


async def interaction_guild_settings(interaction: discord.Interaction) -> GuildSettings | None:
    """The server's settings, read once per interaction (a short session of its own the first time).

    Call it before opening the unit of work's session (a session cannot be opened inside
    another); inside one, pass the settings read there to ``is_moderator`` instead.
    """
    if _SETTINGS_KEY in interaction.extras:
        return interaction.extras[_SETTINGS_KEY]  # type: ignore[no-any-return]
    settings = None
    database = getattr(interaction.client, "database", None)
    if interaction.guild is not None and database is not None:
        async with database.session() as session:
            settings = await get_guild_settings(session, interaction.guild.id)
    interaction.extras[_SETTINGS_KEY] = settings
    return settings


def has_moderator_role(member: discord.Member, settings: GuildSettings | None) -> bool:
    role_id = settings.moderator_role_id if settings is not None else None
    return role_id is not None and any(role.id == role_id for role in member.roles)


class _Unread:
    """Stands for settings the caller has not read."""


UNREAD: Any = _Unread()


async def is_moderator(interaction: discord.Interaction, settings: GuildSettings | None = UNREAD) -> bool:
    """Manage Server, Administrator, or the server's moderator role; never in a DM.

    Pass ``settings`` when the caller already holds them (inside its session); otherwise they are
    read once per interaction.
    """
    if _MODERATOR_KEY in interaction.extras and settings is UNREAD:
        return bool(interaction.extras[_MODERATOR_KEY])
    if interaction.guild is None or not isinstance(interaction.user, discord.Member):
        return False
    permissions = interaction.permissions
    if permissions.manage_guild or permissions.administrator:
        result = True
    else:
        if settings is UNREAD:
            settings = await interaction_guild_settings(interaction)
        result = has_moderator_role(interaction.user, settings)
    interaction.extras[_MODERATOR_KEY] = result
    return result


async def _moderator_predicate(interaction: discord.Interaction) -> bool:
    if interaction.guild is None:
        raise app_commands.NoPrivateMessage()
    if await is_moderator(interaction):
        return True
    raise app_commands.MissingPermissions(["manage_guild"])


setattr(_moderator_predicate, "moderator", True)  # noqa: B010 - lets /help tell these checks apart


def requires_moderator(command: app_commands.Command[Any, Any, Any] | app_commands.Group) -> bool:
    """Whether only moderators may run ``command`` (its own check, or a moderator group or cog)."""
    if any(getattr(check, "moderator", False) for check in getattr(command, "checks", ())):
        return True
    node: Any = command
    while node is not None:
        if getattr(node, MODERATOR_MARK, False) or getattr(
            getattr(node, "binding", None), MODERATOR_MARK, False
        ):
            return True
        node = node.parent
    return False


def _add_check_everywhere(group: app_commands.Group) -> None:
    for command in group.walk_commands():
        if isinstance(command, app_commands.Command) and _moderator_predicate not in command.checks:
            command.add_check(_moderator_predicate)


def _mark_class(cls: type[Any]) -> None:
    """Check every command of a Group subclass or GroupCog as each instance is made."""
    setattr(cls, MODERATOR_MARK, True)
    original_init = cls.__init__

    @functools.wraps(original_init)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:  # noqa: N807
        original_init(self, *args, **kwargs)
        group = (
            self
            if isinstance(self, app_commands.Group)
            else getattr(self, "__cog_app_commands_group__", None)
        )
        if group is not None:
            _add_check_everywhere(group)
        if isinstance(self, commands.Cog):
            for command in self.__cog_app_commands__:
                if isinstance(command, app_commands.Group):
                    _add_check_everywhere(command)
                elif _moderator_predicate not in command.checks:
                    command.add_check(_moderator_predicate)

    cls.__init__ = __init__


def moderator_check() -> Callable[[T], T]:
    """For subcommands, which Discord cannot hide per permission: server only, checked when run,
    and left out of /help for members."""

    def decorator(func: T) -> T:
        if inspect.isclass(func):
            func = app_commands.guild_only()(func)  # type: ignore[arg-type]
            _mark_class(func)  # type: ignore[arg-type]
            return func
        func = app_commands.guild_only()(func)  # type: ignore[arg-type]
        return app_commands.check(_moderator_predicate)(func)  # type: ignore[return-value]

    return decorator


def moderator_only() -> Callable[[T], T]:
    """For top-level commands, groups and GroupCogs: hidden from members by default (Manage
    Server), offered only in servers, and checked again when run (Manage Server or the moderator
    role), so a role the admin allows under Integrations works and nobody else gets through."""

    def decorator(func: T) -> T:
        func = moderator_check()(func)
        return app_commands.default_permissions(manage_guild=True)(func)  # type: ignore[return-value]

    return decorator

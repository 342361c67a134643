"""Moderator-only marks on commands, groups and group cogs: hidden by default, checked when run."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import moderator_check, moderator_only, requires_moderator


@moderator_only()
class Rounds(app_commands.Group, name="rounds", description="Pen-pal rounds"):
    @app_commands.command(name="run", description="Run a round now")
    async def run(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError

    nested = app_commands.Group(name="settings", description="Round settings")

    @nested.command(name="show", description="Show the settings")
    async def show(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError


@moderator_only()
class Console(commands.GroupCog, group_name="console", group_description="Moderators' console"):
    @app_commands.command(name="show", description="Show")
    async def show(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError


class Open(commands.GroupCog, group_name="open", group_description="Everyone"):
    @app_commands.command(name="hello", description="Hello")
    async def hello(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError

    @app_commands.command(name="close", description="Close")
    @moderator_check()
    async def close(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError


def _leaves(group: app_commands.Group) -> list[app_commands.Command]:  # type: ignore[type-arg]
    return [c for c in group.walk_commands() if isinstance(c, app_commands.Command)]


def test_a_moderator_group_is_hidden_server_only_and_checks_every_subcommand() -> None:
    group = Rounds()
    assert group.default_permissions == discord.Permissions(manage_guild=True)
    assert group.guild_only
    leaves = _leaves(group)
    assert {c.qualified_name for c in leaves} == {"rounds run", "rounds settings show"}
    assert all(requires_moderator(c) for c in leaves)
    assert all(any(getattr(check, "moderator", False) for check in c.checks) for c in leaves)


def test_a_moderator_group_cog_is_hidden_server_only_and_checks_every_subcommand() -> None:
    cog = Console()
    group = cog.app_command
    assert isinstance(group, app_commands.Group)
    assert group.default_permissions == discord.Permissions(manage_guild=True)
    assert group.guild_only
    assert [requires_moderator(c) for c in _leaves(group)] == [True]
    assert all(c.checks for c in _leaves(group))


def test_members_commands_stay_open_beside_a_moderator_subcommand() -> None:
    group = Open().app_command
    assert isinstance(group, app_commands.Group)
    marks = {c.name: requires_moderator(c) for c in _leaves(group)}
    assert marks == {"hello": False, "close": True}
    assert group.default_permissions is None

"""Every moderator command, run by a plain member, is refused and changes nothing.

The list comes from the bot's own command tree, so a moderator command added later is covered
without touching this test.
"""

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from discord import app_commands
from sqlalchemy import func, select, text

from bot.checks import requires_moderator
from bot.db.registry import load_metadata
from bot.sandbox import Upload
from bot.sandbox.errors import SandboxError
from tests.e2e.harness import GUILD, World, world

# A 1×1 PNG, for commands that take a picture.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)
MEMBERS = [{"name": "mod", "roles": ["Moderators"]}, {"name": "tom"}]


@pytest.fixture
async def w(database_url: str) -> AsyncIterator[World]:
    async with world(database_url, guild=dict(GUILD, members=MEMBERS)) as running:
        yield running
        assert running.sandbox.violations == []
        assert running.errors() == []


def moderator_leaves(tree: app_commands.CommandTree) -> Iterator[app_commands.Command[Any, Any, Any]]:
    for command in tree.walk_commands():
        if isinstance(command, app_commands.Command) and requires_moderator(command):
            yield command


def synced(w: World, path: str) -> dict[str, Any]:
    words = path.split()
    node: dict[str, Any] = next(
        c
        for scope in w.sandbox.commands.values()
        for c in scope
        if c["name"] == words[0] and c.get("type", 1) == 1
    )
    for word in words[1:]:
        node = next(o for o in node.get("options", []) if o["name"] == word)
    return node


def some_value(option: dict[str, Any]) -> Any:
    if option.get("choices"):
        return option["choices"][0]["value"]
    kind = option["type"]
    if kind == 3:
        return "x"
    if kind in (4, 10):
        return max(1, option.get("min_value") or 1)
    if kind == 5:
        return True
    if kind in (6, 9):
        return "mod"
    if kind == 7:
        types = option.get("channel_types") or [0]
        return {0: "general", 5: "announcements", 15: "articles"}.get(types[0], "general")
    if kind == 8:
        return "Moderators"
    if kind == 11:
        return Upload("pixel.png", PIXEL)
    raise AssertionError(f"no sample for option type {kind}")


def required_options(node: dict[str, Any]) -> dict[str, Any]:
    return {o["name"]: some_value(o) for o in node.get("options", []) if o.get("required")}


async def row_counts(w: World) -> dict[str, int]:
    counts = {}
    async with w.bot.database.session() as session:
        for table in load_metadata().sorted_tables:
            counts[table.name] = await session.scalar(select(func.count()).select_from(table)) or 0
        counts["audit"] = await session.scalar(text("select count(*) from audit_log")) or 0
    return counts


async def test_every_moderator_command_refuses_a_plain_member_and_changes_nothing(w: World) -> None:
    await w.sandbox.run_command("mod", "setup", {"timezone": "Europe/Berlin", "mod_channel": "mod-queue"})
    paths = sorted(command.qualified_name for command in moderator_leaves(w.bot.tree))
    assert {"setup", "audit", "jobs retry"} <= set(paths)
    before = await row_counts(w)
    hidden = 0
    for path in paths:
        options = required_options(synced(w, path))
        top = synced(w, path.split()[0])
        if top.get("default_member_permissions") is not None:
            with pytest.raises(SandboxError, match="default_member_permissions"):
                await w.sandbox.run_command("tom", path, options)
            hidden += 1
            top["default_member_permissions"] = None  # as if an admin allowed everyone under Integrations
        refused = await w.sandbox.run_command("tom", path, options)
        assert refused.ephemeral, path
        assert "Only moderators" in (refused.content or ""), (path, refused.content)
    assert hidden > 0
    assert await row_counts(w) == before

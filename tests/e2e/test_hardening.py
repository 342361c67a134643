"""Gaps found by playing the scenario scripts as hostile members and moderators would."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.e2e.harness import GUILD, World, world

WITH_HELPERS: dict[str, Any] = copy.deepcopy(GUILD)
WITH_HELPERS["roles"].append({"name": "Helpers", "permissions": []})
WITH_HELPERS["members"].append({"name": "lib", "roles": ["Helpers"]})
WITH_HELPERS["members"].append({"name": "lan", "roles": ["Helpers"], "locale": "zh-CN"})


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[World]:
    async with world(database_url, guild=WITH_HELPERS) as running:
        yield running
        assert running.sandbox.violations == []
        assert running.errors() == []


async def test_help_tells_a_moderator_by_role_why_discord_hides_the_moderator_commands(h: World) -> None:
    await h.sandbox.run_command("mod", "setup", {"moderator_role": "Helpers"})
    helper = (await h.sandbox.run_command("lib", "help")).embeds[0]
    chinese = (await h.sandbox.run_command("lan", "help")).embeds[0]
    manager = (await h.sandbox.run_command("mod", "help")).embeds[0]
    member = (await h.sandbox.run_command("ana", "help")).embeds[0]
    assert "Server Settings > Integrations > sisterlib" in helper["footer"]["text"]
    assert "服务器设置 > 整合 > sisterlib" in chinese["footer"]["text"]
    assert "footer" not in manager  # Discord offers them to Manage Server already
    assert "footer" not in member  # no moderator commands listed, nothing to explain

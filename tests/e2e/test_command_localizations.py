"""Every command, option and choice the bot syncs has a Simplified Chinese name and description."""

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from bot.i18n import is_valid_command_name
from tests.e2e.harness import World, world


@pytest.fixture
async def w(database_url: str) -> AsyncIterator[World]:
    async with world(database_url) as running:
        yield running


def nodes(command: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    here = f"{path} {command['name']}".strip()
    yield here, command
    for option in command.get("options") or []:
        yield from nodes(option, here)
        for choice in option.get("choices") or []:
            yield f"{here} {option['name']}={choice['value']}", choice


async def test_every_synced_name_and_description_has_a_chinese_localization(w: World) -> None:
    missing = []
    checked = 0
    for scope in w.sandbox.commands.values():
        for command in scope:
            for path, node in nodes(command):
                checked += 1
                names = node.get("name_localizations") or {}
                if "zh-CN" not in names:
                    missing.append(f"{path}: name")
                elif "value" not in node and command.get("type", 1) == 1:
                    assert is_valid_command_name(names["zh-CN"]), (path, names["zh-CN"])
                described = "value" not in node and command.get("type", 1) == 1
                if described and "zh-CN" not in (node.get("description_localizations") or {}):
                    missing.append(f"{path}: description")
    assert checked > 50
    assert missing == []

"""Every command, option and choice the bot syncs has a Simplified Chinese name and description."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CHINESE = "zh-CN"


def sync_payload() -> list[dict[str, Any]]:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "commands", "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        env={"PATH": "", "SISTERLIB_LOG_LEVEL": "ERROR"},
    )
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert isinstance(payload, list)
    return payload


def walk(nodes: list[dict[str, Any]], path: str = "") -> Iterator[tuple[str, dict[str, Any], bool]]:
    """(where, node, is_choice) for every command, subcommand, option and choice."""
    for node in nodes:
        where = f"{path} {node['name']}".strip()
        yield where, node, False
        for choice in node.get("choices") or []:
            yield f"{where} = {choice['name']}", choice, True
        yield from walk(node.get("options") or [], where)


def missing_chinese(payload: list[dict[str, Any]]) -> list[str]:
    missing = []
    for where, node, is_choice in walk(payload):
        if not (node.get("name_localizations") or {}).get(CHINESE):
            missing.append(f"/{where}: name")
        # Commands and options carry descriptions; choices only names, and context menus (user
        # and message commands, which Discord gives no description) too.
        context_menu = node.get("type") in (2, 3) and not node.get("description")
        if (
            not is_choice
            and not context_menu
            and not (node.get("description_localizations") or {}).get(CHINESE)
        ):
            missing.append(f"/{where}: description")
    return missing


def test_the_walk_sees_commands_subcommands_options_and_choices() -> None:
    payload = sync_payload()
    seen = [where for where, _node, _choice in walk(payload)]
    assert "setup" in seen
    assert "setup timezone" in seen
    assert any(where.startswith("setup language = ") for where in seen)
    assert any(where.startswith("jobs retry") for where in seen)
    assert len(seen) > 40


def test_a_node_without_chinese_is_reported() -> None:
    node = {
        "name": "x",
        "description": "X",
        "type": 1,
        "options": [{"name": "y", "description": "Y", "type": 3}],
    }
    assert missing_chinese([node]) == ["/x: name", "/x: description", "/x y: name", "/x y: description"]


def test_every_command_option_and_choice_has_a_chinese_name_and_description() -> None:
    assert missing_chinese(sync_payload()) == []

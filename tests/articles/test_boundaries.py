"""The articles domain stays free of Discord, so it runs and tests without a client."""

from __future__ import annotations

import ast
from pathlib import Path

import bot.articles

PACKAGE = Path(bot.articles.__file__).parent


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_module_in_bot_articles_imports_discord_or_the_cogs():
    modules = sorted(PACKAGE.glob("*.py"))
    assert len(modules) >= 5
    offending = {
        path.name: name
        for path in modules
        for name in imported_modules(path)
        if name.split(".")[0] in {"discord", "cogs"}
    }
    assert offending == {}

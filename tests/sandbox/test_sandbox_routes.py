"""Routes a community bot uses beyond messages and interactions, and the package's import graph."""

from __future__ import annotations

import ast
from pathlib import Path

import bot.sandbox

PACKAGE = "bot.sandbox"


def _imports(path: Path, modules: set[str]) -> set[str]:
    """Every bot.sandbox module *path* imports, TYPE_CHECKING blocks and function bodies included."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
            for alias in node.names:
                # ``from bot.sandbox import runner`` loads that module; any other name, the package.
                submodule = f"{node.module}.{alias.name}"
                names.add(submodule if submodule in modules else node.module)
    return names & modules


def _graph() -> dict[str, set[str]]:
    folder = Path(bot.sandbox.__file__).parent
    modules = {
        (PACKAGE if path.stem == "__init__" else f"{PACKAGE}.{path.stem}"): path
        for path in folder.glob("*.py")
    }
    return {name: _imports(path, set(modules)) - {name} for name, path in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (found := visit(target)) is not None:
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)) is not None:
            return found
    return None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_sandbox_modules_import_one_another_without_a_cycle() -> None:
    graph = _graph()
    assert "bot.sandbox._routes_messages" in graph
    assert "bot.sandbox._host" in graph["bot.sandbox._routes_messages"]
    assert _cycle(graph) is None

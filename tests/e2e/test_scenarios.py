"""Every scenario script in ``scenarios/`` plays to a clean transcript that a hostile reader checks.

Each script walks a pen-pal flow as a server and its troublemakers would (bad input on every
option, closed DMs, downtime, a DST change, buttons pressed by the wrong member or too late).
Beyond the runner's own verdict (exit 0: no unexpected error line, no contract violation), every
line is read as Discord and the member would read it: no ping of @everyone or roles, nothing over
Discord's limits, no long stretch of a member's input quoted back, and Chinese for zh-CN members.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.client import create_bot
from bot.clock import ManualClock
from bot.config import Settings
from bot.sandbox import run_script
from bot.text import BUTTON_LABEL, EMBED_TITLE, MESSAGE_CONTENT
from tests.e2e.harness import SHORT_WINDOWS

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
# A refusal may quote about 50 characters of what a member typed; a run this long is an echo.
ECHO = 60
_CJK = re.compile(r"[\u4e00-\u9fff]")
# Lines whose text comes from members or the server's language, not the reader's.
_PUBLIC = {"send", "thread", "edit_channel", "thread_member", "refused"}


# What a scenario must show after its first step of a kind: (step key, channel, text).
MUST_SHOW: dict[str, list[tuple[str, str, str]]] = {
    # A round missed in a long downtime is reported, and the chain of rounds goes on.
    "rounds": [("start", "mod-queue", "was skipped"), ("start", "general", "pen-pal round · due")],
    # A proposal sent back for changes reaches the queue again; approval is announced after a
    # restart, the closed-DMs proposer is told in public, and quiet partnerships are flagged.
    "partners_review": [
        ("advance", "mod-queue", "New partnership proposal"),
        ("restart", "announcements", "A new sister-library partnership"),
        ("restart", "mod-queue", "no news or check-in"),
        ("restart", "mod-queue", "is now marked quiet"),
    ],
    # An approved partnership gets a thread where its check-ins come, also after a restart.
    "partners_life": [
        ("restart", "Partnership: 上海图书馆 ⇄ Public Library, Springfield", "Partnership check-in")
    ],
    # Reminders due during downtime arrive late and say so; closed DMs fall back to the channel.
    "reminders_timezones": [("start", "dm:tom", "This comes late"), ("start", "general", "This comes late")],
    # Announcements due in downtime are posted at start; the 11th publish of the hour waits.
    "announcements_publish_limit": [
        ("start", "announcements", "Library of the day"),
        ("restart", "announcements", "Library of the day"),
    ],
    # A fit found while DMs were closed is shown in the member's next /seeking reply.
    "seeking_fits": [("restart", "general", "While your direct messages were closed")],
    # Need help after a restart reaches the moderators' channel.
    "checkins_groups": [("restart", "mod-queue", "asked for help in a check-in")],
    # The survey goes out by DM; its close reports who answered and who could not be reached.
    "surveys_quarterly": [
        ("advance", "dm:tom", "survey #1"),
        ("restart", "mod-queue", "3 of 4 members answered"),
    ],
    # Refusals that need no web site; the Save button on a shared article works after a restart.
    "articles_input": [("restart", "Internal", "阅读清单")],
    # The delete button still works after a restart, in the member's language.
    "console_privacy": [("restart", "general", "已删除与你有关的")],
}


def scripts() -> list[Path]:
    return sorted(SCENARIOS.glob("*.json"))


def _load(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _load_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(text) for text in path.read_text(encoding="utf-8").splitlines()]


def _texts(line: dict[str, Any]) -> Iterator[str]:
    if line.get("content"):
        yield str(line["content"])
    for embed in line.get("embeds") or []:
        for key in ("title", "description"):
            if embed.get(key):
                yield str(embed[key])
        for field in embed.get("fields") or []:
            yield str(field.get("name", ""))
            yield str(field.get("value", ""))
        if embed.get("footer"):
            yield str(embed["footer"].get("text", ""))


def _inputs(step: dict[str, Any]) -> Iterator[str]:
    for key in ("options", "modal"):
        for value in (step.get(key) or {}).values():
            if isinstance(value, str):
                yield value


def _echoes(reply: str, typed: str) -> bool:
    """Whether *reply* repeats more than ECHO characters of *typed* in one stretch."""
    if len(typed) <= ECHO:
        return False
    return any(typed[start : start + ECHO + 1] in reply for start in range(len(typed) - ECHO))


def _problems(script: dict[str, Any], lines: list[dict[str, Any]]) -> list[str]:
    steps = script["steps"]
    locales = {member["name"]: member.get("locale", "en-US") for member in script["guild"]["members"]}
    problems: list[str] = []
    for line in lines:
        where = f"line {line['line']} (step {line['step']}, {line['action']})"
        mentions = line.get("allowed_mentions")
        parsed = set((mentions or {}).get("parse") or [])
        if parsed & {"everyone", "roles"}:
            problems.append(f"{where} may ping @everyone or roles: {mentions}")
        if line["action"] in {"send", "respond", "followup", "edit", "dm"} and mentions is None:
            problems.append(f"{where} sent without allowed_mentions (the bot's default)")
        if len(line.get("content") or "") > MESSAGE_CONTENT:
            problems.append(f"{where} content is {len(line['content'])} characters")
        for embed in line.get("embeds") or []:
            if len(embed.get("title") or "") > EMBED_TITLE:
                problems.append(f"{where} embed title is {len(embed['title'])} characters")
        for component in line.get("components") or []:
            if len(component.get("label") or "") > BUTTON_LABEL:
                problems.append(f"{where} button label is {len(component['label'])} characters")
        step = steps[line["step"]] if 0 <= line["step"] < len(steps) else {}
        if line["action"] in {"respond", "followup"}:
            for typed in _inputs(step):
                if any(_echoes(text, typed) for text in _texts(line)):
                    problems.append(f"{where} quotes more than {ECHO} characters of {typed[:20]!r}…")
        reader = line.get("visible_to")
        if line["action"] in _PUBLIC or reader is None or not line.get("ephemeral", line["action"] == "dm"):
            continue
        text = "\n".join(_texts(line))
        if locales.get(reader, "").startswith("zh") and text and not _CJK.search(text):
            problems.append(f"{where} is for zh-CN {reader} but has no Chinese: {text[:80]!r}")
    return problems


@pytest.mark.parametrize("path", scripts(), ids=lambda path: path.stem)
async def test_scenario_plays_clean(path: Path, tmp_path: Path) -> None:
    script = _load(path)
    echoed: list[str] = []
    out = tmp_path / "transcript.jsonl"

    def factory(*, clock: ManualClock, database_url: str) -> Any:
        return create_bot(Settings(), clock=clock, database_url=database_url, guild_ready_timeout=0.01)

    code = await run_script(
        script,
        bot_factory=factory,
        transcript_path=out,
        echo=echoed.append,
        script_dir=path.parent,
        # Buckets a tenth as long in real time, with the same counts: twelve announcements in one
        # channel waited 10 s on Discord's 5 per 5 s, and no 429 is still the check below.
        route_window_scale=SHORT_WINDOWS,
    )
    lines = _load_lines(out)
    assert code == 0, "\n".join(echoed[-40:])
    assert "rate limited (429): 0" in echoed
    assert [line for line in lines if line["action"] == "error" and not line.get("expected")] == []
    assert _problems(script, lines) == []
    for key, channel, text in MUST_SHOW.get(path.stem, []):
        first = next(index for index, step in enumerate(script["steps"]) if key in step)
        shown = [line for line in lines if line["step"] >= first and line.get("channel") == channel]
        assert any(text in line.get("content", "") for line in shown), (key, channel, text)


def test_every_scenario_is_found() -> None:
    assert {path.stem for path in scripts()} >= {
        "member_input",
        "rounds",
        "partners_review",
        "partners_life",
        "reminders_timezones",
        "announcements_publish_limit",
        "seeking_fits",
        "checkins_groups",
        "surveys_quarterly",
        "console_privacy",
        "articles_input",
    }


def test_the_checks_catch_what_they_look_for() -> None:
    script = {
        "guild": {"members": [{"name": "wei", "locale": "zh-CN"}]},
        "steps": [
            {"as": "wei", "command": "penpal join", "options": {"country": "x" * 500}},
        ],
    }
    base = {"line": 1, "step": 0, "action": "respond", "visible_to": "wei", "ephemeral": True}
    bad = [
        base | {"content": "“" + "x" * 200 + "” is too long", "allowed_mentions": {"parse": []}},
        base | {"line": 2, "content": "你好", "allowed_mentions": {"parse": ["everyone"]}},
        base | {"line": 3, "content": "Saved in English", "allowed_mentions": {"parse": []}},
        base | {"line": 4, "content": "你好" * 1001, "allowed_mentions": {"parse": []}},
        base | {"line": 5, "content": "你好"},
    ]
    found = _problems(script, bad)
    assert [problem.split(" ")[1] for problem in found] == ["1", "1", "2", "3", "4", "5"]
    assert _problems(script, [base | {"content": "“xxx…”太长", "allowed_mentions": {"parse": []}}]) == []

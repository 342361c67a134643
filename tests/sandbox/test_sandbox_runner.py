"""Scenario scripts end to end: the runner, the transcript file and the exit code."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.sandbox import SandboxError, run_script
from bot.sandbox.runner import parse_duration

STEPS: dict[str, Any] = {
    "start": "2026-03-27T09:00:00Z",
    "steps": [
        {"as": "mod", "command": "poll", "channel": "general"},
        {"as": "wei", "command": "penpal join", "options": {"country": "CN"}},
        {"as": "wei", "modal": {"Library": "Shanghai Library", "About you": "maps"}},
        {"as": "ana", "click": "Yes", "message": "last"},
        {"as": "ana", "select": {"placeholder": "Pick a day", "value": "Monday"}, "message": 1},
        {"as": "wei", "say": "!hello", "channel": "general"},
        {"advance": "1d"},
        {"restart": True},
        {"as": "wei", "click": "Yes", "message": 1},
        {"leave": "ana"},
    ],
}


async def test_a_script_runs_to_a_clean_transcript(tmp_path: Path, guild_spec, sample_bot) -> None:
    out = tmp_path / "run.jsonl"
    echoed: list[str] = []
    script = {"guild": guild_spec, **STEPS}
    code = await run_script(script, bot_factory=sample_bot, transcript_path=out, echo=echoed.append)
    lines = [json.loads(text) for text in out.read_text(encoding="utf-8").splitlines()]
    assert code == 0, "\n".join(echoed)
    summary = [(line["line"], line["step"], line["action"], line["channel"]) for line in lines]
    assert summary == [
        (1, 0, "respond", "general"),
        (2, 1, "modal", "general"),
        (3, 2, "respond", "general"),
        (4, 3, "respond", "general"),
        (5, 4, "edit", "general"),
        (6, 5, "send", "general"),
        (7, 6, "send", "general"),
        (8, 8, "respond", "general"),
    ]
    assert lines[0]["components"][0] == {
        "type": "button",
        "label": "Yes",
        "style": 3,
        "custom_id": "poll:yes",
    }
    assert lines[2]["content"] == "joined: Shanghai Library / maps"
    assert lines[3]["visible_to"] == "ana"
    assert lines[3]["ephemeral"] is True
    assert lines[4]["target"] == 1
    assert lines[4]["content"] == "day: monday"
    assert lines[6]["content"] == "daily digest 2026-03-28"
    assert lines[6]["time"] == "2026-03-28T09:00:00Z"
    assert (
        "[09:00:00] respond #general: Coming on Friday? [Yes] [No] <Pick a day: Monday|Tuesday|Friday>"
        in echoed
    )
    assert any(text.startswith("» step 7: restart") for text in echoed)


async def test_a_failing_step_and_a_bot_exception_exit_non_zero(
    tmp_path: Path, guild_spec, sample_bot
) -> None:
    script = {
        "guild": guild_spec,
        "steps": [
            {"as": "wei", "say": "!boom"},
            {"as": "zoe", "command": "ping"},
            {"as": "wei", "command": "ping"},
        ],
    }
    code = await run_script(script, bot_factory=sample_bot, transcript_path=tmp_path / "t.jsonl")
    lines = [json.loads(text) for text in (tmp_path / "t.jsonl").read_text(encoding="utf-8").splitlines()]
    assert code == 1
    errors = [line for line in lines if line["action"] == "error"]
    assert "RuntimeError: boom" in errors[0]["detail"]
    assert errors[0]["step"] == 0
    assert errors[-1]["detail"] == "step 1 failed: no member named 'zoe'; members: ['ana', 'mod', 'wei']"
    assert all(line["step"] <= 1 for line in lines)  # step 2 never ran


async def test_a_malformed_script_is_refused_before_anything_runs(
    tmp_path: Path, guild_spec, sample_bot
) -> None:
    script = {
        "guild": guild_spec,
        "start": "2026-03-27 09:00",
        "steps": [{"advance": "3 days"}, {"as": "wei"}],
    }
    code = await run_script(script, bot_factory=sample_bot, transcript_path=tmp_path / "t.jsonl")
    details = [
        json.loads(text)["detail"] for text in (tmp_path / "t.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert code == 2
    assert any("has no time zone" in detail for detail in details)
    assert any("step 0: bad duration '3 days'" in detail for detail in details)
    assert any("step 1: needs exactly one of" in detail for detail in details)


def test_durations() -> None:
    assert parse_duration("90s") == timedelta(seconds=90)
    assert parse_duration("2h") == timedelta(hours=2)
    assert parse_duration("1d12h") == timedelta(hours=36)
    assert parse_duration("1w") == timedelta(days=7)
    for bad in ("", "3", "3 days", "-1h", "1x", "h1"):
        with pytest.raises(SandboxError, match="bad duration"):
            parse_duration(bad)

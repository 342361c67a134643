"""/admin pause-programme, resume-programme, pair, unpair and ban-from-pairing, end to end."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from bot.pauses import list_pauses
from bot.sandbox.errors import SandboxError
from tests.e2e.harness import GUILD, World, world

SERVER: dict[str, Any] = copy.deepcopy(GUILD)
SERVER["members"] += [{"name": "tom"}, {"name": "li", "locale": "zh-CN"}, {"name": "kofi"}]
SERVER["members"][1]["roles"] = ["Moderators"]  # wei, a moderator who reads Chinese


@pytest.fixture
async def w(database_url: str) -> AsyncIterator[World]:
    async with world(database_url, guild=SERVER) as running:
        await running.sandbox.run_command(
            "mod", "setup", {"timezone": "Europe/Berlin", "mod_channel": "mod-queue"}
        )
        await running.sandbox.run_command(
            "mod",
            "penpal-rounds settings",
            {"channel": "pen-pals", "cadence": "weekly", "weekday": 0, "hour": 9},
        )
        yield running
        assert running.sandbox.violations == []
        assert running.errors() == []


async def join(w: World, name: str, country: str, languages: str = "English") -> None:
    await w.sandbox.run_command(
        name, "penpal join", {"country": country, "languages": languages, "timezone": "Europe/Berlin"}
    )
    await w.sandbox.submit_modal(
        name,
        {
            "display_name": name.title(),
            "library": f"{name.title()} Library",
            "about_you": "Hi",
            "interests": "Maps",
        },
    )


def reply(result: Any) -> Any:
    found = result.followups[-1] if result.followups else result.message
    assert found.ephemeral
    return found


async def test_a_paused_programme_holds_its_round_until_resumed_then_runs_it_once(w: World) -> None:
    await join(w, "tom", "US")
    await join(w, "ana", "ES")
    paused = reply(
        await w.sandbox.run_command(
            "mod", "admin pause-programme", {"programme": "penpal", "reason": "Exams"}
        )
    )
    assert "Paused: Pen pals" in paused.content
    assert "Exams" in paused.content

    # Friday to Tuesday: the Monday round came due while paused and did not run.
    await w.advance(timedelta(days=4))
    assert w.lines("thread") == []
    assert not [line for line in w.lines("dm") if "round starts" in line["content"]]

    resumed = reply(await w.sandbox.run_command("mod", "admin resume-programme", {"programme": "penpal"}))
    assert "Resumed: Pen pals." in resumed.content
    assert "Nothing is paused" in resumed.content
    await w.advance(timedelta(minutes=1))
    assert len(w.lines("thread")) == 1
    await w.advance(timedelta(hours=6))
    assert len(w.lines("thread")) == 1  # once, not once per hour missed


async def test_pause_refusals_and_state(w: World) -> None:
    with pytest.raises(SandboxError, match="manage_guild"):  # Discord hides /admin from members
        await w.sandbox.run_command("tom", "admin pause-programme", {"programme": "penpal"})
    unknown = reply(await w.sandbox.run_command("mod", "admin pause-programme", {"programme": "x" * 300}))
    assert "too long" in unknown.content
    wrong = reply(await w.sandbox.run_command("mod", "admin pause-programme", {"programme": "knitting"}))
    assert "knitting" in wrong.content
    assert "Pen pals" in wrong.content  # the list to pick from
    long_reason = reply(
        await w.sandbox.run_command("mod", "admin pause-programme", {"reason": "because " * 40})
    )
    assert "200" in long_reason.content
    guild = w.bot.guilds[0].id
    assert await list_pauses(w.bot.database, guild) == []

    everything = reply(await w.sandbox.run_command("mod", "admin pause-programme"))
    assert "All programmes" in everything.content
    again = reply(await w.sandbox.run_command("mod", "admin pause-programme"))
    assert "already paused" in again.content
    one = reply(await w.sandbox.run_command("mod", "admin resume-programme", {"programme": "articles"}))
    assert "all programmes still are" in one.content
    audit = reply(await w.sandbox.run_command("mod", "audit"))
    assert "programme paused" in (audit.content + str(audit.embeds))


async def test_pair_unpair_and_leave_out_of_pairing(w: World) -> None:
    await join(w, "tom", "US")
    await join(w, "ana", "ES", "English, Spanish")
    await join(w, "li", "CN", "Chinese")
    twice = reply(await w.sandbox.run_command("mod", "admin pair", {"member_a": "tom", "member_b": "tom"}))
    assert "twice" in twice.content
    nobody = reply(await w.sandbox.run_command("mod", "admin pair", {"member_a": "tom", "member_b": "kofi"}))
    assert "no complete pen-pal profile" in nobody.content
    apart = reply(await w.sandbox.run_command("mod", "admin pair", {"member_a": "tom", "member_b": "li"}))
    assert "share no language" in apart.content
    for path, options in (
        ("admin pair", {"member_a": "tom", "member_b": "ana"}),
        ("admin unpair", {"member": "ana"}),
        ("admin ban-from-pairing", {"member": "ana"}),
        ("admin resume-programme", {}),
    ):
        with pytest.raises(SandboxError, match="manage_guild"):
            await w.sandbox.run_command("tom", path, options)

    paired = reply(await w.sandbox.run_command("mod", "admin pair", {"member_a": "tom", "member_b": "ana"}))
    assert "Paired" in paired.content
    assert "round of their own" in paired.content
    assert "paused" not in paired.content
    await w.advance(timedelta(minutes=1))
    assert len(w.lines("thread")) == 1
    busy = reply(
        await w.sandbox.run_command("mod", "admin pair", {"member_a": "ana", "member_b": "li", "force": True})
    )
    assert "already in an open pen-pal group" in busy.content

    ended = reply(await w.sandbox.run_command("mod", "admin unpair", {"member": "ana"}))
    assert "back in the pool" in ended.content
    told = [line for line in w.lines("send") if "ended this pairing" in line["content"]]
    assert len(told) == 1
    [intro] = [line for line in w.lines("send") if line["content"].startswith("Meet your pen pals")]
    assert told[0]["channel"] == intro["channel"]  # in the group's thread
    nothing = reply(await w.sandbox.run_command("mod", "admin unpair", {"member": "ana"}))
    assert "Nothing changed" in nothing.content

    banned = reply(await w.sandbox.run_command("mod", "admin ban-from-pairing", {"member": "li"}))
    assert "left out of every pen-pal round" in banned.content
    refused = reply(
        await w.sandbox.run_command("mod", "admin pair", {"member_a": "li", "member_b": "tom", "force": True})
    )
    assert "left out of pairing" in refused.content
    assert not [line for line in w.lines("dm", visible_to="li") if "mod" in line["content"]]
    undone = reply(
        await w.sandbox.run_command("mod", "admin ban-from-pairing", {"member": "li", "undo": True})
    )
    assert "back in the pen-pal rounds" in undone.content


async def test_a_chinese_speaking_moderator_reads_every_reply_in_chinese(w: World) -> None:
    await join(w, "tom", "US")
    await join(w, "ana", "ES")
    paused = reply(await w.sandbox.run_command("wei", "admin pause-programme", {"programme": "penpal"}))
    assert "已暂停：笔友" in paused.content
    assert "Paused" not in paused.content
    resumed = reply(await w.sandbox.run_command("wei", "admin resume-programme"))
    assert "已恢复：所有项目" in resumed.content
    twice = reply(await w.sandbox.run_command("wei", "admin pair", {"member_a": "tom", "member_b": "tom"}))
    assert "两次" in twice.content
    await w.sandbox.run_command("wei", "admin pause-programme", {"programme": "penpal"})
    paired = reply(await w.sandbox.run_command("wei", "admin pair", {"member_a": "tom", "member_b": "ana"}))
    assert "第 1 组" in paired.content
    assert "英语" in paired.content
    assert "介绍会等到" in paired.content  # pen pals are paused: the introduction waits
    await w.advance(timedelta(minutes=5))
    assert w.lines("thread") == []
    await w.sandbox.run_command("wei", "admin resume-programme")
    await w.advance(timedelta(minutes=1))
    assert len(w.lines("thread")) == 1
    banned = reply(await w.sandbox.run_command("wei", "admin ban-from-pairing", {"member": "ana"}))
    assert "不再参加" in banned.content
    for text in (paused.content, resumed.content, twice.content, paired.content, banned.content):
        assert not any(word in text for word in ("Paused", "Resumed", "members", "round", "pairing")), text


async def test_a_round_held_for_days_by_a_pause_runs_on_resume_without_a_stale_notice(w: World) -> None:
    await join(w, "tom", "US")
    await join(w, "ana", "ES")
    await w.sandbox.run_command("mod", "admin pause-programme", {"programme": "penpal"})
    await w.advance(timedelta(days=6))  # Friday to Thursday: the Monday round is three days past
    await w.sandbox.run_command("mod", "admin resume-programme", {"programme": "penpal"})
    await w.advance(timedelta(minutes=1))
    assert len(w.lines("thread")) == 1
    assert not [line for line in w.lines("send") if "was skipped" in (line["content"] or "")]
    assert not [line for line in w.lines("dm") if "round starts" in (line["content"] or "")]

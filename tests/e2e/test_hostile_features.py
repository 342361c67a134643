"""Hostile members and careless moderators against the newer features, through the sandbox:
5,000-character options, invisible text, mentions that must never ping, double clicks, members
who are not the owner pressing buttons, and a restart in between."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from tests.e2e.harness import GUILD, World, world

MEMBERS = [
    {"name": "mod", "roles": ["Moderators"]},
    {"name": "wei", "locale": "zh-CN"},
    {"name": "tom"},
    {"name": "ana", "locale": "es-ES"},
    {"name": "zoe", "dms_closed": True},
]
FORM = {
    "our_library": "Stadtbibliothek Köln",
    "partner_library": "上海图书馆",
    "city": "上海",
    "goals": "Swap children's books twice a year.",
    "start": "2025-04-01",
}
LONG = "x" * 5000
INVISIBLE = "\u200b\u200d\u200b"


@pytest.fixture
async def w(database_url: str) -> AsyncIterator[World]:
    async with world(database_url, guild=dict(GUILD, members=MEMBERS)) as running:
        await running.sandbox.run_command(
            "mod", "setup", {"timezone": "Europe/Berlin", "mod_channel": "mod-queue"}
        )
        await running.sandbox.run_command("mod", "partner-admin settings", {"channel": "announcements"})
        yield running
        assert running.sandbox.violations == []
        # A closed DM is Discord refusing, as expected; anything else is a bot error.
        assert [line for line in running.errors() if "50007" not in line["detail"]] == []


def hostile(w: World) -> str:
    tom = w.sandbox.world.user_named("tom").id
    role = w.sandbox.world.role_named("Moderators").id
    return f"@everyone @here <@{tom}> <@&{role}> **bold** 你好"


def pings_everyone_or_roles(w: World) -> list[dict[str, Any]]:
    return [
        line
        for line in w.sandbox.transcript
        if any(p in {"@everyone", "@here"} or p.startswith("@") for p in line.get("pings", []))
    ]


async def run(w: World, who: str, path: str, **options: Any) -> Any:
    return await w.sandbox.run_command(who, path, options)


@pytest.mark.parametrize(
    ("path", "options", "words"),
    [
        ("remind me", {"when": "in 1 hour", "what": LONG}, "at most 500 characters"),
        ("remind me", {"when": LONG, "what": "call"}, "at most 100 characters"),
        ("remind me", {"when": "in 1 hour", "what": INVISIBLE}, "Say what to remind you of"),
        ("timezone set", {"timezone": LONG}, "at most 64 characters"),
        ("timezone set", {"timezone": INVISIBLE}, "Type a time zone name"),
        (
            "seeking post",
            {"library": LONG, "country": "DE", "languages": "de", "offer": "books", "hope": "books"},
            "at most 200 characters",
        ),
        (
            "seeking post",
            {"library": INVISIBLE, "country": "DE", "languages": "de", "offer": "books", "hope": "books"},
            "cannot be blank",
        ),
        ("seeking list", {"language": LONG}, "at most 200 characters"),
        ("partner news", {"partnership": LONG, "text": "hi"}, "too long for a partnership"),
        ("remind cancel", {"reminder": LONG}, "not a reminder number"),
    ],
)
async def test_a_5000_character_or_invisible_option_is_refused_in_a_short_private_reply(
    w: World, path: str, options: dict[str, Any], words: str
) -> None:
    refused = await w.sandbox.run_command("tom", path, options)
    assert refused.ephemeral
    assert words in refused.content, refused.content
    assert len(refused.content) < 600
    assert "x" * 51 not in refused.content  # at most ~50 characters quoted back
    assert [line for line in w.lines() if line["action"] in {"send", "dm"}] == []


@pytest.mark.parametrize(
    ("who", "path", "options", "words"),
    [
        ("tom", "partner show", {"partnership": "3000000000"}, "not a partnership I know"),
        ("tom", "partner news", {"partnership": "3000000000", "text": "x"}, "not a partnership I know"),
        ("tom", "partner end", {"partnership": "#2147483648"}, "not a partnership I know"),
        ("tom", "partner checkin", {"partnership": "3000000000"}, "not a partnership I know"),
        ("tom", "partner edit", {"partnership": "3000000000", "kind": "formal"}, "not a partnership I know"),
        ("tom", "remind cancel", {"reminder": "99999999999"}, "not a reminder number"),
        ("tom", "remind cancel", {"reminder": "1²"}, "not a reminder number"),
        ("mod", "announce edit", {"id": 2**53 - 1, "text": "x"}, "no announcement 9007199254740991"),
        ("mod", "announce cancel", {"id": 2**31}, "no announcement 2147483648"),
        ("mod", "article remove", {"id": 2**31, "reason": "spam"}, "no article 2147483648"),
        ("mod", "feed remove", {"id": 2**40}, "no feed 1099511627776"),
    ],
)
async def test_an_id_past_the_databases_integers_is_refused_as_unknown(
    w: World, who: str, path: str, options: dict[str, Any], words: str
) -> None:
    # PostgreSQL's integer ids stop at 2,147,483,647: a bigger number must not reach a query.
    reply = await w.sandbox.run_command(who, path, options)
    assert reply.ephemeral
    assert words in (reply.content or ""), reply.content


async def test_mentions_typed_by_members_never_ping_when_the_bot_posts_them(w: World) -> None:
    text = hostile(w)
    await run(w, "tom", "remind me", when="in 1 hour", what=text, share=True)
    await run(w, "zoe", "remind me", when="in 1 hour", what=text)  # closed DMs: said in the channel
    await run(w, "mod", "announce schedule", channel="general", when="2026-03-27 12:00", text=text)
    await run(
        w,
        "tom",
        "seeking post",
        library=text,
        country="DE",
        languages="en",
        offer="book exchange",
        hope="book exchange",
    )
    await run(
        w,
        "wei",
        "seeking post",
        library="上海图书馆",
        country="CN",
        languages="en",
        offer="book exchange",
        hope="book exchange",
    )
    await w.sandbox.run_command("tom", "partner propose", {"kind": "formal", "partner_country": "CN"})
    await w.sandbox.submit_modal("tom", dict(FORM, our_library="@everyone library", goals=text))
    await w.advance(timedelta(seconds=1))
    [queued] = [line for line in w.lines("send") if line["channel"] == "mod-queue"]
    await w.sandbox.click("mod", "Approve", message=queued["line"])
    await w.advance(timedelta(hours=3))
    posted = [line for line in w.lines() if line["action"] in {"send", "dm", "followup"}]
    assert any(text in (line.get("content") or "") for line in posted)  # shown as typed...
    assert pings_everyone_or_roles(w) == []  # ...but never @everyone, @here or a role
    # The only member pinged is the one with closed DMs, by their own reminder.
    assert {p for line in w.sandbox.transcript for p in line.get("pings", [])} == {"zoe"}


async def test_approve_pressed_twice_at_once_decides_once(w: World) -> None:
    await w.sandbox.run_command("tom", "partner propose", {"kind": "formal", "partner_country": "CN"})
    await w.sandbox.submit_modal("tom", FORM)
    await w.advance(timedelta(seconds=1))
    [queued] = [line for line in w.lines("send") if line["channel"] == "mod-queue"]
    first, second = await asyncio.gather(
        w.sandbox.click("mod", "Approve", message=queued["line"]),
        w.sandbox.click("mod", "Approve", message=queued["line"]),
    )
    answers = sorted([first.content, second.content])
    assert answers[0].startswith("Another moderator already decided"), answers
    assert answers[1].startswith("Approved"), answers
    await w.advance(timedelta(seconds=1))
    assert len([line for line in w.lines("send") if line["channel"] == "announcements"]) == 1
    assert len(w.lines("dm", visible_to="tom")) == 1


async def test_only_the_owner_may_snooze_or_finish_a_reminder_said_in_the_channel(w: World) -> None:
    await run(w, "zoe", "remind me", when="in 1 hour", what="call the library")
    await w.advance(timedelta(hours=1, minutes=1))
    [said] = [line for line in w.lines("send") if "call the library" in line["content"]]
    assert said["channel"] == "general"
    assert said["pings"] == ["zoe"]
    for label in ("Done", "Snooze 10 min"):
        refused = await w.sandbox.click("wei", label, message=said["line"])
        assert refused.ephemeral
        assert refused.content == "只有这个提醒的主人才能这样做。"
    await w.advance(timedelta(minutes=15))
    assert len([line for line in w.lines("send") if "call the library" in line["content"]]) == 1


async def test_remind_me_too_pressed_twice_adds_one_reminder(w: World) -> None:
    await run(w, "tom", "remind me", when="in 1 hour", what="library week", share=True)
    first, second = await asyncio.gather(
        w.sandbox.click("ana", "Remind me too", message="last"),
        w.sandbox.click("ana", "Remind me too", message="last"),
    )
    answers = sorted([first.content, second.content])
    assert answers[0].startswith("Added to your reminders"), answers
    assert answers[1].startswith("You already have this reminder"), answers
    mine = await w.sandbox.click("tom", "Remind me too", message="last")
    assert mine.content == "This reminder is already yours."
    await w.advance(timedelta(hours=2))
    assert len(w.lines("dm", visible_to="ana")) == 1
    assert len(w.lines("dm", visible_to="tom")) == 1


async def test_a_survey_answer_double_clicked_keeps_one_answer_and_delete_is_only_for_its_owner(
    w: World,
) -> None:
    for name in ("tom", "wei"):
        await run(w, name, "survey opt-in")
    await run(w, "mod", "survey-admin settings", every=3)
    await w.advance(timedelta(days=5, hours=-1))
    [question] = [line for line in w.lines("dm", visible_to="tom") if line["components"]]
    first, second = await asyncio.gather(
        w.sandbox.click("tom", "2", message=question["line"]),
        w.sandbox.click("tom", "10", message=question["line"]),
    )
    assert sum("replaces your earlier answer" in r.content for r in (first, second)) == 1
    await run(w, "tom", "privacy delete")
    # The confirmation is ephemeral: another member cannot reach its button.
    with pytest.raises(Exception, match="no button 'Delete my data'"):
        await w.sandbox.click("wei", "Delete my data", message="last")
    done = await w.sandbox.click("tom", "Delete my data", message="last")
    assert done.content.startswith("Done:")
    late = await w.sandbox.click("tom", "5", message=question["line"])
    assert "nothing was saved" in late.content


@pytest.mark.parametrize(
    ("who", "path", "options"),
    [
        ("tom", "survey opt-in", {}),
        ("tom", "timezone set", {"timezone": "Asia/Shanghai"}),
        ("mod", "survey-admin settings", {"every": 3}),
        ("mod", "checkins settings", {"cadence": 2}),
        ("mod", "partner-admin settings", {"channel": "announcements"}),
    ],
)
async def test_the_same_command_sent_twice_at_once_the_first_time_answers_both(
    database_url: str, who: str, path: str, options: dict[str, Any]
) -> None:
    # An impatient Enter: on PostgreSQL both used to find no row yet, and the second insert failed.
    async with world(database_url, guild=dict(GUILD, members=MEMBERS)) as w:
        await w.sandbox.run_command("mod", "setup", {"timezone": "Europe/Berlin", "mod_channel": "mod-queue"})
        replies = await asyncio.gather(
            w.sandbox.run_command(who, path, options), w.sandbox.run_command(who, path, options)
        )
        for reply in replies:
            assert reply.ephemeral
            assert "Something went wrong" not in (reply.content or ""), reply.content
        assert w.errors() == []


async def test_a_restart_between_proposal_and_news_keeps_outsiders_out(w: World) -> None:
    await w.sandbox.run_command("tom", "partner propose", {"kind": "formal", "partner_country": "CN"})
    await w.sandbox.submit_modal("tom", FORM)
    await w.advance(timedelta(seconds=1))
    await w.restart()
    [queued] = [line for line in w.lines("send") if line["channel"] == "mod-queue"]
    refused = await w.sandbox.click("ana", "Approve", message=queued["line"])
    assert "Only moderators" in refused.content
    await w.sandbox.click("mod", "Approve", message=queued["line"])
    await w.advance(timedelta(seconds=1))
    for path in ("partner news", "partner end", "partner edit"):
        options = {"partnership": "1", **({"text": "hijack"} if path == "partner news" else {})}
        if path == "partner edit":
            options["add_member"] = "ana"
        outsider = await w.sandbox.run_command("ana", path, options)
        assert outsider.content == "Only the partnership's members and moderators can do that."
    assert len([line for line in w.lines("send") if line["channel"] == "announcements"]) == 1


async def test_forms_and_buttons_opened_before_a_restart_still_work_after_it(w: World) -> None:
    from tests.e2e.test_checkins import checkins, pen_pals_at_halfway  # noqa: PLC0415

    await run(w, "mod", "announce schedule", channel="general", when="2026-03-27 12:00")
    await w.restart()
    scheduled = await w.sandbox.submit_modal("mod", {"text": "Library week starts today."})
    assert scheduled.content.startswith("Announcement 1 will be posted"), scheduled.content
    await w.sandbox.run_command("tom", "partner propose", {"kind": "formal", "partner_country": "CN"})
    await w.restart()
    proposed = await w.sandbox.submit_modal("tom", FORM)
    assert "(#1) is with the moderators" in proposed.content
    await pen_pals_at_halfway(w)
    [posted] = checkins(w)
    await w.sandbox.click("tom", "Done", message=posted["line"])
    await w.restart()
    noted = await w.sandbox.submit_modal("tom", {"note": "We wrote twice."})
    assert noted.content == "Done, with your note. Thank you!"
    assert len([line for line in w.lines("send") if "Library week" in line["content"]]) == 1


async def test_an_announcement_whose_channel_the_bot_lost_tells_the_moderators_once(w: World) -> None:
    await run(w, "mod", "announce schedule", channel="pen-pals", when="2026-03-27 12:00", text="Hello")
    w.sandbox.deny_bot(channel="pen-pals", permission="send_messages")
    await w.advance(timedelta(hours=4))
    forget = [
        line for line in w.sandbox.transcript if line["action"] == "error" and "50013" in line["detail"]
    ]
    for line in forget:  # Discord's refusal is the point of this test
        w.sandbox.transcript.remove(line)
    alerts = [line for line in w.lines("send") if line["channel"] == "mod-queue"]
    assert len(alerts) == 1
    assert "Missing: Send Messages" in alerts[0]["content"]
    assert "/announce edit 1" in alerts[0]["content"]

"""Scheduled announcements end to end: the real bot in the sandbox, on a real database and a
manual clock. Schedule, post at the time, publish within Discord's limit across a restart,
moderators only, bad input refused with nothing stored, and a daylight-saving change."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.announcements.models import AnnouncePublish, PublishState, ScheduledAnnouncement
from bot.db.models import AuditEntry
from bot.sandbox.errors import SandboxError
from tests.e2e.harness import GUILD, SHORT_WINDOWS, World, world
from tests.e2e.test_moderators import allow_in_integrations

HOSTILE = [
    "x" * 5000,
    "\u200b\u200b\u200b",
    "@everyone <@&1> <@1> **bold**",
    "图书馆" * 30,
]
COMMANDS = (
    ("announce schedule", {"channel": "general", "when": "2026-03-28 09:00", "text": "hello"}),
    ("announce list", {}),
    ("announce edit", {"id": 1, "text": "changed"}),
    ("announce cancel", {"id": 1}),
)


@pytest.fixture
async def w(database_url: str) -> AsyncIterator[World]:
    guild = copy.deepcopy(GUILD)
    async with world(database_url, guild=guild) as running:
        await running.sandbox.run_command("mod", "setup", {"timezone": "Europe/Berlin"})
        yield running
        assert running.sandbox.violations == []
        assert running.errors() == []


async def stored(w: World) -> list[ScheduledAnnouncement]:
    async with w.bot.database.session() as session:
        rows = await session.scalars(select(ScheduledAnnouncement).order_by(ScheduledAnnouncement.id))
        return list(rows)


def bot_posts(w: World, channel: str) -> list:
    return [m for m in w.sandbox.messages(channel) if m.author.bot and not m.ephemeral]


async def test_schedule_confirms_in_the_zone_and_utc_then_posts_at_the_time(w: World) -> None:
    result = await w.sandbox.run_command(
        "mod",
        "announce schedule",
        {"channel": "general", "when": "2026-03-27 12:30", "text": "Reading club at 3, @everyone welcome"},
    )
    assert result.ephemeral
    assert "12:30 Europe/Berlin" in result.content
    assert "2026-03-27 11:30 UTC" in result.content
    assert "ping nobody" in result.content
    assert bot_posts(w, "general") == []

    await w.advance(timedelta(hours=2, minutes=29))
    assert bot_posts(w, "general") == []
    await w.advance(timedelta(minutes=1))
    [post] = bot_posts(w, "general")
    assert post.content == "Reading club at 3, @everyone welcome"
    assert post.mention_everyone is False
    assert "everyone" not in (post.allowed_mentions or {}).get("parse", [])
    listed = await w.sandbox.run_command("mod", "announce list")
    assert "posted" in listed.content
    async with w.bot.database.session() as session:
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert "announce.schedule" in actions


async def test_edit_and_cancel_leave_audit_entries_and_change_what_is_posted(w: World) -> None:
    await w.sandbox.run_command(
        "mod", "announce schedule", {"channel": "general", "when": "10:30", "text": "first"}
    )
    await w.sandbox.run_command(
        "mod", "announce schedule", {"channel": "general", "when": "11:00", "text": "second"}
    )
    edited = await w.sandbox.run_command(
        "mod", "announce edit", {"id": 1, "when": "2026-03-27 11:15", "text": "first, later"}
    )
    assert "11:15 Europe/Berlin" in edited.content
    cancelled = await w.sandbox.run_command("mod", "announce cancel", {"id": 2})
    assert "cancelled" in cancelled.content
    listed = await w.sandbox.run_command("mod", "announce list")
    assert "`1`" in listed.content
    assert "`2`" in listed.content
    await w.advance(timedelta(hours=3))
    assert [m.content for m in bot_posts(w, "general")] == ["first, later"]
    again = await w.sandbox.run_command("mod", "announce edit", {"id": 1, "text": "too late"})
    assert "posted already" in again.content
    async with w.bot.database.session() as session:
        actions = (await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))).all()
    assert [a for a in actions if a.startswith("announce.")] == [
        "announce.schedule",
        "announce.schedule",
        "announce.edit",
        "announce.cancel",
    ]


async def test_twelve_in_an_announcement_channel_ten_published_now_two_after_the_hour_across_a_restart(
    w: World,
) -> None:
    w.sandbox.route_window_scale = SHORT_WINDOWS  # 12 posts in one channel; the hour is the clock's
    for index in range(12):
        result = await w.sandbox.run_command(
            "mod",
            "announce schedule",
            {"channel": "announcements", "when": "2026-03-27 10:05", "text": f"News {index}"},
        )
        assert "published to following servers" in result.content
    await w.advance(timedelta(minutes=5))
    assert len(bot_posts(w, "announcements")) == 12
    assert len(w.lines("publish")) == 10
    await w.restart()
    await w.advance(timedelta(minutes=59))
    assert len(w.lines("publish")) == 10
    await w.advance(timedelta(minutes=1))
    published = w.lines("publish")
    assert len(published) == 12
    assert len({line["target"] for line in published}) == 12  # none twice
    assert len(bot_posts(w, "announcements")) == 12  # none posted twice either
    assert not [line for line in w.sandbox.transcript if "429" in str(line.get("detail", ""))]
    async with w.bot.database.session() as session:
        states = (await session.scalars(select(AnnouncePublish.state))).all()
    assert states == [PublishState.PUBLISHED] * 12


@pytest.mark.parametrize(("path", "options"), COMMANDS)
async def test_a_plain_member_is_refused_every_announce_command(w: World, path: str, options: dict) -> None:
    await w.sandbox.run_command(
        "mod", "announce schedule", {"channel": "general", "when": "2026-03-28 09:00", "text": "keep"}
    )
    # Hidden from members by default...
    with pytest.raises(SandboxError, match="default_member_permissions"):
        await w.sandbox.run_command("ana", path, options)
    # ...and refused when run even where an admin let everyone see it.
    allow_in_integrations(w, "announce")
    refused = await w.sandbox.run_command("ana", path, options)
    assert refused.ephemeral
    assert "Only moderators" in refused.content
    [row] = await stored(w)
    assert (row.content, row.state) == ("keep", "scheduled")


@pytest.mark.parametrize("text", HOSTILE)
async def test_bad_text_is_refused_or_sent_without_pings(w: World, text: str) -> None:
    result = await w.sandbox.run_command(
        "mod", "announce schedule", {"channel": "general", "when": "10:30", "text": text}
    )
    assert result.ephemeral
    if len(text) > 2000:
        assert "at most 2000 characters" in result.content
        assert "5000" in result.content
        assert len(result.content) < 400
        assert await stored(w) == []
    elif not text.strip("\u200b"):
        assert "no visible text" in result.content
        assert await stored(w) == []
    else:
        [row] = await stored(w)
        assert row.content == text
        await w.advance(timedelta(hours=1))
        [post] = bot_posts(w, "general")
        assert post.content == text
        assert post.mention_everyone is False
        assert post.mention_roles == []
        assert post.mentions == []


@pytest.mark.parametrize(
    ("when", "says"),
    [
        ("tomorrow 9am", "not a time I can read"),
        ("2026-02-30 10:00", "not a real date"),
        ("2026-03-01 10:00", "has already passed"),
        ("2029-01-01 10:00", "more than two years ahead"),
        ("2026-03-29 02:30", "does not exist in Europe/Berlin"),
        ("九点", "not a time I can read"),
        ("1" * 500, "too long for a time"),
    ],
)
async def test_bad_times_are_refused_with_an_example_and_nothing_stored(
    w: World, when: str, says: str
) -> None:
    result = await w.sandbox.run_command(
        "mod", "announce schedule", {"channel": "general", "when": when, "text": "hello"}
    )
    assert result.ephemeral
    assert says in result.content
    assert "2026-03-28 09:00" in result.content or "03:30" in result.content
    assert len(result.content) < 400
    assert await stored(w) == []


async def test_a_chinese_speaking_moderator_schedules_in_chinese(w: World) -> None:
    await w.sandbox.set_member_roles("wei", add=["Moderators"])
    refused = await w.sandbox.run_command(
        "wei", "announce schedule", {"channel": "general", "when": "明天九点", "text": "你好"}
    )
    assert refused.ephemeral
    assert "YYYY-MM-DD HH:MM" in refused.content
    assert "not a time" not in refused.content  # in Chinese, not English
    result = await w.sandbox.run_command(
        "wei", "announce schedule", {"channel": "general", "when": "2026-03-28 09:00", "text": "读书会明天见"}
    )
    assert "2026-03-28 08:00 UTC" in result.content
    assert "Europe/Berlin" in result.content
    assert "will be posted" not in result.content
    await w.advance(timedelta(days=1))
    assert [m.content for m in bot_posts(w, "general")] == ["读书会明天见"]


async def test_the_bot_missing_permissions_is_refused_at_schedule_time_and_alerted_at_post_time(
    database_url: str,
) -> None:
    guild = copy.deepcopy(GUILD)
    guild["channels"] = [
        *guild["channels"],
        {"name": "closed", "overwrites": [{"target": "bot", "deny": ["send_messages"]}]},
    ]
    async with world(database_url, guild=guild) as w:
        await w.sandbox.run_command("mod", "setup", {"timezone": "Europe/Berlin", "mod_channel": "mod-queue"})
        refused = await w.sandbox.run_command(
            "mod", "announce schedule", {"channel": "closed", "when": "10:30", "text": "hi"}
        )
        assert "Send Messages" in refused.content
        assert await stored(w) == []

        await w.sandbox.run_command(
            "mod", "announce schedule", {"channel": "general", "when": "10:30", "text": "hi"}
        )
        w.sandbox.deny_bot(channel="general", permission="send_messages")
        await w.sandbox.settle()
        checklist = await w.sandbox.run_command("mod", "config show")
        assert "Scheduled announcements: <#" in checklist.content
        assert "I lack Send Messages there" in checklist.content
        await w.advance(timedelta(hours=1))
        await w.advance(timedelta(hours=1))
        alerts = [m for m in w.sandbox.messages("mod-queue") if m.author.bot]
        assert len(alerts) == 1
        assert "could not be posted" in alerts[0].content
        listed = await w.sandbox.run_command("mod", "announce list")
        assert "not posted" in listed.content
        assert w.errors() == []


async def test_nine_o_clock_berlin_the_day_after_the_autumn_change_is_eight_utc(database_url: str) -> None:
    start = datetime(2026, 10, 24, 12, 0, tzinfo=UTC)
    async with world(database_url, start=start) as w:
        await w.sandbox.run_command("mod", "setup", {"timezone": "Europe/Berlin"})
        result = await w.sandbox.run_command(
            "mod", "announce schedule", {"channel": "general", "when": "2026-10-26 09:00", "text": "Monday"}
        )
        assert "2026-10-26 08:00 UTC" in result.content
        await w.advance(datetime(2026, 10, 26, 7, 59, tzinfo=UTC) - w.clock.now())
        assert bot_posts(w, "general") == []
        await w.advance(timedelta(minutes=1))
        [post] = bot_posts(w, "general")
        assert post.created_at == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)
        # The night of the change: 02:30 happens twice; the first one is taken, and said so.
        twice = await w.sandbox.run_command(
            "mod", "announce schedule", {"channel": "general", "when": "2026-10-25 02:30", "text": "x"}
        )
        assert "already passed" in twice.content
        assert w.errors() == []


async def test_an_ambiguous_time_takes_the_first_and_says_so(w: World) -> None:
    result = await w.sandbox.run_command(
        "mod", "announce schedule", {"channel": "general", "when": "2026-10-25 02:30", "text": "x"}
    )
    assert "happens twice" in result.content
    assert "2026-10-25 00:30 UTC" in result.content


async def test_a_restart_before_the_time_still_posts_once(w: World) -> None:
    await w.sandbox.run_command(
        "mod", "announce schedule", {"channel": "general", "when": "10:30", "text": "once"}
    )
    await w.restart()
    await w.advance(timedelta(hours=2))
    assert [m.content for m in bot_posts(w, "general")] == ["once"]
    async with w.bot.database.session() as session:
        assert await session.scalar(select(func.count()).select_from(ScheduledAnnouncement)) == 1


async def test_without_text_a_form_takes_several_lines_even_across_a_restart(w: World) -> None:
    opened = await w.sandbox.run_command(
        "mod", "announce schedule", {"channel": "general", "when": "2026-03-27 12:00"}
    )
    assert opened.modal is not None
    assert await stored(w) == []
    await w.restart()  # the form stays open in the moderator's client
    saved = await w.sandbox.submit_modal("mod", {"What to post": "Line one\n\nLine two @everyone"})
    assert saved.ephemeral
    assert "12:00 Europe/Berlin" in saved.content
    assert "2026-03-27 11:00 UTC" in saved.content
    await w.advance(timedelta(hours=3))
    [post] = bot_posts(w, "general")
    assert post.content == "Line one\n\nLine two @everyone"
    assert post.mention_everyone is False


async def test_a_bad_time_is_refused_before_the_form_opens_and_a_stale_form_is_refused(w: World) -> None:
    refused = await w.sandbox.run_command("mod", "announce schedule", {"channel": "general", "when": "noon"})
    assert refused.modal is None
    assert "not a time I can read" in refused.content
    await w.sandbox.run_command("mod", "announce schedule", {"channel": "general", "when": "10:05"})
    await w.advance(timedelta(minutes=10))  # the moderator took a while to write
    late = await w.sandbox.submit_modal("mod", {"What to post": "hello"})
    assert "has already passed" in late.content
    assert await stored(w) == []


async def test_the_longest_announcement_with_every_note_still_fits_the_reply(w: World) -> None:
    longest = ("@everyone " + "长" * 90 + "\n") * 20
    longest = longest[:2000]
    await w.sandbox.run_command("mod", "setup", {"timezone": "Europe/Berlin"})
    opened = await w.sandbox.run_command(
        "mod", "announce schedule", {"channel": "announcements", "when": "2026-10-25 02:30"}
    )
    assert opened.modal is not None
    saved = await w.sandbox.submit_modal("mod", {"What to post": longest})
    assert "happens twice" in saved.content
    assert "ping nobody" in saved.content
    assert "following servers" in saved.content
    assert len(saved.content) <= 2000
    [row] = await stored(w)
    assert row.content == longest.strip()

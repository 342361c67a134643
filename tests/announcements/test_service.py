"""The announcement service on a real database, without Discord: input rules, edits that replace
the job, the post's bookkeeping, and the member-data hooks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.announcements import publish
from bot.announcements.models import AnnouncementState, AnnouncePublish
from bot.announcements.service import POST, AnnouncementService, post_key
from bot.announcements.when import Fold
from bot.clock import ManualClock
from bot.db import Database
from bot.db.core_repo import upsert_guild_settings
from bot.db.models import AuditEntry
from bot.inputs import InputError
from bot.scheduler import JobScheduler, JobState, ScheduledJob

GUILD, OTHER_GUILD, CHANNEL, MOD, OTHER_MOD = 1, 2, 100, 10, 11
START = datetime(2026, 3, 27, 9, 0, tzinfo=UTC)  # 10:00 in Berlin


@dataclass
class Bench:
    database: Database
    clock: ManualClock
    service: AnnouncementService

    async def jobs(self, kind: str = POST) -> list[ScheduledJob]:
        async with self.database.session() as session:
            rows = await session.scalars(
                select(ScheduledJob).where(ScheduledJob.kind == kind).order_by(ScheduledJob.id)
            )
            return list(rows)

    async def audit(self) -> list[str]:
        async with self.database.session() as session:
            return list((await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))).all())


@pytest.fixture
async def bench(models_database_url: str) -> AsyncIterator[Bench]:
    database = Database(models_database_url)
    clock = ManualClock(START)
    async with database.session() as session:
        await upsert_guild_settings(session, GUILD, START, {"timezone": "Europe/Berlin", "locale": "en"})
    scheduler = JobScheduler(database, clock, owner="tests")
    try:
        yield Bench(database, clock, AnnouncementService(database, clock, scheduler))
    finally:
        await database.dispose()


async def test_schedule_reads_the_time_in_the_server_zone_plans_a_job_and_audits(bench: Bench) -> None:
    done = await bench.service.schedule(GUILD, CHANNEL, MOD, "2026-03-30 09:00", "  Hello  ")
    row = done.announcement
    assert row.post_at == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # summer time began on the 29th
    assert (row.timezone, row.content, row.state) == ("Europe/Berlin", "Hello", AnnouncementState.SCHEDULED)
    [job] = await bench.jobs()
    assert (job.due_at, job.dedupe_key, job.payload) == (
        row.post_at,
        post_key(row.id),
        {
            "announcement_id": row.id,
            "version": 1,
        },
    )
    assert await bench.audit() == ["announce.schedule"]


async def test_a_zone_given_wins_over_the_server_s(bench: Bench) -> None:
    done = await bench.service.schedule(GUILD, CHANNEL, MOD, "09:00", "x", timezone="asia/shanghai")
    assert done.announcement.timezone == "Asia/Shanghai"
    assert done.announcement.post_at == datetime(2026, 3, 28, 1, 0, tzinfo=UTC)


async def test_a_server_without_setup_reads_utc(bench: Bench) -> None:
    done = await bench.service.schedule(OTHER_GUILD, CHANNEL, MOD, "12:00", "x")
    assert done.announcement.post_at == datetime(2026, 3, 27, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("when", "text", "timezone"),
    [
        ("2026-03-28 09:00", "x" * 2001, None),
        ("2026-03-28 09:00", "\u200b \u2800", None),
        ("2026-03-28 09:00", "ok", "Mars/Olympus"),
        ("2026-03-28 09:00", "ok", "x" * 500),
        ("28.03.2026 9 Uhr", "ok", None),
        ("2026-03-27 09:59", "ok", None),  # a minute ago in Berlin
        ("2028-04-01 09:00", "ok", None),
        ("2026-03-29 02:30", "ok", None),  # skipped by the clocks
        ("25:00", "ok", None),
    ],
)
async def test_bad_input_stores_nothing(bench: Bench, when: str, text: str, timezone: str | None) -> None:
    with pytest.raises(InputError) as refused:
        await bench.service.schedule(GUILD, CHANNEL, MOD, when, text, timezone)
    assert len(refused.value.render()) < 300
    assert await bench.jobs() == []
    assert await bench.audit() == []


async def test_two_thousand_characters_is_the_limit(bench: Bench) -> None:
    done = await bench.service.schedule(GUILD, CHANNEL, MOD, "11:00", "图" * 2000)
    assert len(done.announcement.content) == 2000


async def test_a_time_that_happens_twice_takes_the_first_and_says_so(bench: Bench) -> None:
    done = await bench.service.schedule(GUILD, CHANNEL, MOD, "2026-10-25 02:30", "x")
    assert done.when.fold is Fold.AMBIGUOUS
    assert done.announcement.post_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


async def test_hh_mm_across_the_autumn_change_keeps_the_wall_clock(bench: Bench) -> None:
    bench.clock.set(datetime(2026, 10, 25, 10, 0, tzinfo=UTC))  # 11:00 CET, the day of the change
    done = await bench.service.schedule(GUILD, CHANNEL, MOD, "09:00", "x")
    assert done.announcement.post_at == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)


async def test_edit_replaces_the_job_and_bumps_the_version(bench: Bench) -> None:
    row = (await bench.service.schedule(GUILD, CHANNEL, MOD, "2026-03-28 09:00", "first")).announcement
    edited = await bench.service.edit(GUILD, row.id, OTHER_MOD, when="2026-03-28 10:00", content="second")
    assert edited.announcement.version == 2
    assert edited.announcement.content == "second"
    old, new = await bench.jobs()
    assert old.state == JobState.CANCELLED
    assert new.state == JobState.PENDING
    assert new.due_at == datetime(2026, 3, 28, 9, 0, tzinfo=UTC)
    assert new.payload["version"] == 2
    # The old version's job, had it run, finds nothing to post.
    assert await bench.service.due(row.id, 1) is None
    assert (await bench.service.due(row.id, 2)) is not None
    assert await bench.audit() == ["announce.schedule", "announce.edit"]


async def test_edit_refuses_what_it_cannot_change(bench: Bench) -> None:
    row = (await bench.service.schedule(GUILD, CHANNEL, MOD, "11:00", "x")).announcement
    with pytest.raises(InputError, match="at least one"):
        await bench.service.edit(GUILD, row.id, MOD)
    with pytest.raises(InputError, match="no announcement"):
        await bench.service.edit(OTHER_GUILD, row.id, MOD, content="y")
    with pytest.raises(InputError, match="no announcement"):
        await bench.service.edit(GUILD, 999, MOD, content="y")
    await bench.service.posted(row.id, 5555, publish_it=False)
    with pytest.raises(InputError, match="posted already"):
        await bench.service.edit(GUILD, row.id, MOD, content="y")
    assert await bench.audit() == ["announce.schedule"]


async def test_cancel_cancels_the_job_and_a_second_cancel_is_refused(bench: Bench) -> None:
    row = (await bench.service.schedule(GUILD, CHANNEL, MOD, "11:00", "x")).announcement
    await bench.service.cancel(GUILD, row.id, MOD)
    [job] = await bench.jobs()
    assert job.state == JobState.CANCELLED
    with pytest.raises(InputError):
        await bench.service.cancel(GUILD, row.id, MOD)
    listing = await bench.service.listing(GUILD)
    assert listing.upcoming == []
    assert [r.state for r in listing.recent] == [AnnouncementState.CANCELLED]


async def test_a_failure_is_recorded_once_and_an_edit_plans_it_again(bench: Bench) -> None:
    row = (await bench.service.schedule(GUILD, CHANNEL, MOD, "11:00", "x")).announcement
    assert await bench.service.failed(row.id, "missing_permissions") is True
    assert await bench.service.failed(row.id, "missing_permissions") is False  # alert once
    bench.clock.advance(timedelta(hours=2))
    with pytest.raises(InputError, match="passed"):
        await bench.service.edit(GUILD, row.id, MOD, content="y")
    again = await bench.service.edit(GUILD, row.id, MOD, when="13:00")
    assert again.announcement.state == AnnouncementState.SCHEDULED
    assert again.announcement.error is None


async def test_posting_in_an_announcement_channel_queues_the_publish(bench: Bench) -> None:
    row = (await bench.service.schedule(GUILD, CHANNEL, MOD, "11:00", "x")).announcement
    bench.clock.advance(timedelta(hours=1))
    planned = await bench.service.posted(row.id, 4242, publish_it=True)
    assert planned == bench.clock.now()
    async with bench.database.session() as session:
        [queued] = (await session.scalars(select(AnnouncePublish))).all()
    assert (queued.message_id, queued.channel_id) == (4242, CHANNEL)
    assert [job.payload for job in await bench.jobs(publish.PUBLISH)] == [{"publish_id": queued.id}]
    listing = await bench.service.listing(GUILD)
    assert listing.publishes[4242].state == "queued"


async def test_member_data_lists_the_authors_own_and_erase_keeps_the_text(bench: Bench) -> None:
    mine = (await bench.service.schedule(GUILD, CHANNEL, MOD, "11:00", "mine")).announcement
    await bench.service.schedule(GUILD, CHANNEL, OTHER_MOD, "11:00", "theirs")
    await bench.service.schedule(OTHER_GUILD, CHANNEL, MOD, "11:00", "elsewhere")
    exported = await bench.service.export_member(GUILD, MOD)
    assert [item["text"] for item in exported["announcements_written"]] == ["mine"]
    assert await bench.service.count_member(GUILD, MOD) == 1
    assert await bench.service.erase_member(GUILD, MOD) == 1
    assert await bench.service.count_member(GUILD, MOD) == 0
    assert await bench.service.count_member(OTHER_GUILD, MOD) == 1
    listing = await bench.service.listing(GUILD)
    kept = next(row for row in listing.upcoming if row.id == mine.id)
    assert (kept.author_id, kept.content) == (None, "mine")


async def test_a_form_s_instant_is_checked_again_when_the_text_arrives(bench: Bench) -> None:
    checked = await bench.service.check_when(GUILD, "2026-10-25 02:30")
    assert checked.fold is Fold.AMBIGUOUS
    done = await bench.service.schedule_at(GUILD, CHANNEL, MOD, checked.at, checked.timezone, "a\nb")
    assert done.when.fold is Fold.AMBIGUOUS  # still said, from the instant alone
    assert done.announcement.content == "a\nb"
    soon = await bench.service.check_when(GUILD, "10:05")
    bench.clock.advance(timedelta(minutes=10))
    with pytest.raises(InputError, match="already passed"):
        await bench.service.schedule_at(GUILD, CHANNEL, MOD, soon.at, soon.timezone, "late")
    with pytest.raises(InputError, match="time zone"):
        await bench.service.schedule_at(GUILD, CHANNEL, MOD, checked.at, "Nowhere/Else", "x")


async def test_the_channels_of_upcoming_announcements_are_declared_for_config_show(bench: Bench) -> None:
    await bench.service.schedule(GUILD, CHANNEL, MOD, "11:00", "a")
    await bench.service.schedule(GUILD, CHANNEL, MOD, "12:00", "b")
    cancelled = (await bench.service.schedule(GUILD, 300, MOD, "12:00", "c")).announcement
    await bench.service.cancel(GUILD, cancelled.id, MOD)
    [use] = await bench.service.channel_uses(GUILD)
    assert (use.channel_id, use.needs) == (CHANNEL, ("view_channel", "send_messages"))
    assert await bench.service.channel_uses(OTHER_GUILD) == []

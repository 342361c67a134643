"""Repository functions against real databases: dedupe, claims, leases, fencing, moderator views."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.db import Database
from bot.scheduler import store
from bot.scheduler.models import JobState, ScheduledJob
from bot.scheduler.recurrence import RecurrenceError
from bot.scheduler.service import exponential_backoff

T0 = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)


async def count_jobs(database: Database) -> int:
    async with database.session() as session:
        return await session.scalar(select(func.count()).select_from(ScheduledJob)) or 0


async def test_same_dedupe_key_twice_is_one_row(database: Database) -> None:
    async with database.session() as session:
        first = await store.schedule(session, "remind", {"a": 1}, T0, now=T0, dedupe_key="remind:1")
    async with database.session() as session:
        second = await store.schedule(
            session, "remind", {"a": 2}, T0 + timedelta(hours=1), now=T0, dedupe_key="remind:1"
        )
    assert first is not None
    assert second is not None
    assert second.id == first.id
    assert second.payload == {"a": 1}  # the first one wins
    assert second.due_at == T0
    assert await count_jobs(database) == 1


async def test_same_dedupe_key_concurrently_is_one_row(databases, database: Database) -> None:
    other = databases.open()

    async def create(db: Database, n: int) -> int:
        async with db.session() as session:
            job = await store.schedule(session, "round", {"n": n}, T0, now=T0, dedupe_key="round:7")
            assert job is not None
            return job.id

    ids = await asyncio.gather(*(create(database if n % 2 else other, n) for n in range(10)))
    assert len(set(ids)) == 1
    assert await count_jobs(database) == 1


async def test_jobs_without_key_are_not_deduplicated(database: Database) -> None:
    async with database.session() as session:
        await store.schedule(session, "remind", {}, T0, now=T0)
        await store.schedule(session, "remind", {}, T0, now=T0)
    assert await count_jobs(database) == 2


async def test_cancel_frees_the_key(database: Database) -> None:
    async with database.session() as session:
        job = await store.schedule(session, "remind", {}, T0, now=T0, dedupe_key="k")
    async with database.session() as session:
        assert await store.cancel(session, "k", now=T0)
        assert not await store.cancel(session, "k", now=T0)
    async with database.session() as session:
        again = await store.schedule(session, "remind", {}, T0, now=T0, dedupe_key="k")
    assert job is not None
    assert again is not None
    assert again.id != job.id
    async with database.session() as session:
        old = await store.get_job(session, job.id)
        assert old is not None
        assert old.state == JobState.CANCELLED
        assert old.dedupe_key is None
        # Cancelled jobs are never claimed.
        claimed = await store.claim_due(session, "w", T0, 10, LEASE)
        assert [c.id for c in claimed] == [again.id]


async def test_schedule_validates(database: Database) -> None:
    async with database.session() as session:
        with pytest.raises(ValueError, match="aware"):
            await store.schedule(session, "remind", {}, datetime(2025, 1, 1), now=T0)  # noqa: DTZ001
        with pytest.raises(RecurrenceError) as caught:
            await store.schedule(session, "remind", {}, T0, now=T0, rule="fortnightly")
        assert caught.value.code == "unknown_frequency"
        with pytest.raises(RecurrenceError) as caught:
            await store.schedule(
                session, "remind", {}, T0, now=T0, rule="daily 09:00", timezone="Nowhere/City"
            )
        assert caught.value.code == "unknown_timezone"
        job = await store.schedule(
            session, "digest", {}, T0, now=T0, rule=" Weekly THU,mon 9:00", timezone="Europe/Berlin"
        )
        assert job is not None
        assert job.rule == "weekly mon,thu 09:00"


async def test_claim_takes_only_due_jobs_in_order(database: Database) -> None:
    async with database.session() as session:
        for minutes in (5, -5, 0, 60, -60):
            await store.schedule(session, "k", {"m": minutes}, T0 + timedelta(minutes=minutes), now=T0)
    async with database.session() as session:
        claimed = await store.claim_due(session, "w", T0, 10, LEASE)
    assert [job.payload["m"] for job in claimed] == [-60, -5, 0]
    assert all(job.state == JobState.RUNNING for job in claimed)
    assert all(job.attempts == 1 for job in claimed)
    assert all(job.lease_owner == "w" for job in claimed)
    assert all(job.lease_expires_at == T0 + LEASE for job in claimed)
    assert all(job.due_at.tzinfo is not None for job in claimed)
    async with database.session() as session:
        assert await store.claim_due(session, "other", T0, 10, LEASE) == []
        # The next thing to look at is the earliest lease expiry (2 min), before the next job (5 min).
        assert await store.next_due_at(session) == T0 + LEASE


async def test_claim_respects_the_limit(database: Database) -> None:
    async with database.session() as session:
        for n in range(7):
            await store.schedule(session, "k", {"n": n}, T0, now=T0)
    async with database.session() as session:
        first = await store.claim_due(session, "w", T0, 3, LEASE)
    async with database.session() as session:
        second = await store.claim_due(session, "w", T0, 3, LEASE)
    async with database.session() as session:
        third = await store.claim_due(session, "w", T0, 3, LEASE)
    assert [len(first), len(second), len(third)] == [3, 3, 1]
    assert len({job.id for job in first + second + third}) == 7


async def test_expired_lease_is_reclaimed_and_the_old_owner_is_fenced_out(database: Database) -> None:
    async with database.session() as session:
        await store.schedule(session, "k", {}, T0, now=T0)
    async with database.session() as session:
        (mine,) = await store.claim_due(session, "dead", T0, 10, LEASE)
    async with database.session() as session:
        # Still leased: nobody else gets it, and the scheduler knows when to look again.
        assert await store.claim_due(session, "alive", T0 + LEASE - timedelta(seconds=1), 10, LEASE) == []
        assert await store.next_due_at(session) == T0 + LEASE
    later = T0 + LEASE
    async with database.session() as session:
        (theirs,) = await store.claim_due(session, "alive", later, 10, LEASE)
    assert theirs.id == mine.id
    assert theirs.attempts == 2
    async with database.session() as session:
        # The first worker wakes up and tries to finish: refused.
        assert not await store.complete(session, mine, owner="dead", now=later, late=False, next_due=None)
        assert not await store.extend_lease(session, mine, owner="dead", until=later + LEASE)
        assert (
            await store.fail_or_retry(
                session,
                mine,
                owner="dead",
                now=later,
                error="x",
                max_attempts=5,
                backoff=exponential_backoff(),
            )
            is None
        )
        # The same owner with a stale token (it reclaimed its own job) is refused too.
        assert not await store.complete(session, mine, owner="alive", now=later, late=False, next_due=None)
        assert await store.complete(session, theirs, owner="alive", now=later, late=False, next_due=None)
    async with database.session() as session:
        job = await store.get_job(session, mine.id)
        assert job is not None
        assert job.state == JobState.DONE
        assert job.lease_owner is None
        assert job.last_run_at == later


async def test_complete_recurring_moves_to_the_next_occurrence(database: Database) -> None:
    async with database.session() as session:
        await store.schedule(session, "digest", {}, T0, now=T0, rule="daily 10:00", timezone="Europe/Berlin")
    async with database.session() as session:
        (job,) = await store.claim_due(session, "w", T0, 10, LEASE)
        assert await store.complete(
            session, job, owner="w", now=T0, late=True, next_due=T0 + timedelta(days=1)
        )
    async with database.session() as session:
        fresh = await store.get_job(session, job.id)
    assert fresh is not None
    assert fresh.state == JobState.PENDING
    assert fresh.due_at == fresh.occurrence_at == T0 + timedelta(days=1)
    assert fresh.attempts == 0
    assert fresh.late is True


async def test_retry_backoff_then_failed_and_moderator_retry(database: Database) -> None:
    backoff = exponential_backoff(timedelta(seconds=30), timedelta(minutes=5))
    async with database.session() as session:
        created = await store.schedule(session, "k", {}, T0, now=T0, guild_id=111)
    assert created is not None
    now = T0
    delays = []
    for attempt in range(1, 4):
        async with database.session() as session:
            (job,) = await store.claim_due(session, "w", now, 10, LEASE)
            assert job.attempts == attempt
            state = await store.fail_or_retry(
                session, job, owner="w", now=now, error=f"boom {attempt}", max_attempts=3, backoff=backoff
            )
        async with database.session() as session:
            fresh = await store.get_job(session, job.id)
        assert fresh is not None
        assert fresh.occurrence_at == T0  # the occurrence does not move with retries
        if attempt < 3:
            assert state is JobState.PENDING
            delays.append(fresh.due_at - now)
            now = fresh.due_at
        else:
            assert state is JobState.FAILED
            assert fresh.last_error == "boom 3"
    assert delays == [timedelta(seconds=30), timedelta(seconds=60)]

    async with database.session() as session:
        assert [job.id for job in await store.failed_jobs(session, 111)] == [created.id]
        assert await store.failed_jobs(session, 222) == []
        assert await store.failed_jobs(session, None) == []
        # Another server's moderator cannot retry it.
        assert await store.retry_failed(session, created.id, guild_id=222, now=now) is None
        retried = await store.retry_failed(session, created.id, guild_id=111, now=now)
    assert retried is not None
    assert retried.state == JobState.PENDING
    assert retried.attempts == 0
    assert retried.due_at == retried.occurrence_at == now
    async with database.session() as session:
        assert await store.failed_jobs(session, 111) == []
        (job,) = await store.claim_due(session, "w", now, 10, LEASE)
        assert job.id == created.id


async def test_upcoming_and_cancel_job_are_scoped_to_the_guild(database: Database) -> None:
    async with database.session() as session:
        mine = await store.schedule(session, "k", {}, T0 + timedelta(hours=2), now=T0, guild_id=1)
        await store.schedule(session, "k", {}, T0 + timedelta(hours=1), now=T0, guild_id=2)
        personal = await store.schedule(session, "k", {}, T0, now=T0)
    assert mine is not None
    assert personal is not None
    async with database.session() as session:
        assert [job.id for job in await store.upcoming_jobs(session, 1)] == [mine.id]
        assert [job.id for job in await store.upcoming_jobs(session, None)] == [personal.id]
        assert not await store.cancel_job(session, mine.id, guild_id=2, now=T0)
        assert await store.cancel_job(session, mine.id, guild_id=1, now=T0)
        assert await store.upcoming_jobs(session, 1) == []


async def test_release_does_not_count_the_attempt(database: Database) -> None:
    async with database.session() as session:
        await store.schedule(session, "k", {}, T0, now=T0)
    async with database.session() as session:
        (job,) = await store.claim_due(session, "w", T0, 10, LEASE)
        assert await store.release(session, job, owner="w", now=T0)
    async with database.session() as session:
        (again,) = await store.claim_due(session, "w", T0, 10, LEASE)
    assert again.attempts == 1


async def test_timestamps_round_trip_as_aware_utc(database: Database) -> None:
    berlin = T0.astimezone(ZoneInfo("Europe/Berlin"))
    async with database.session() as session:
        job = await store.schedule(session, "k", {"nested": {"list": [1, 2]}}, berlin, now=berlin)
    assert job is not None
    async with database.session() as session:
        fresh = await store.get_job(session, job.id)
    assert fresh is not None
    assert fresh.due_at == T0
    assert fresh.due_at.utcoffset() == timedelta(0)
    assert fresh.payload == {"nested": {"list": [1, 2]}}

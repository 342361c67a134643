"""The set-based completion (``store.complete_many``) and the service's grouping of outcome writes:
one statement for many one-off jobs, still fenced row by row by lease owner and token."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import ManualClock
from bot.db import Database
from bot.scheduler import JobContext, JobScheduler, store
from bot.scheduler.models import JobState

T0 = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)


async def test_complete_many_marks_only_rows_still_ours(database: Database) -> None:
    async with database.session() as session:
        for n in range(5):
            await store.schedule(session, "k", {"n": n}, T0, now=T0)
    async with database.session() as session:
        mine = await store.claim_due(session, "me", T0, 10, LEASE)
    assert len(mine) == 5
    stolen, cancelled, stale_token, *kept = mine
    later = T0 + LEASE
    expired = T0 + timedelta(seconds=1)
    async with database.session() as session:
        # Another owner reclaims one expired lease (it must stay theirs) ...
        assert await store.extend_lease(session, stolen, owner="me", until=expired)
        (theirs,) = await store.claim_due(session, "other", expired, 1, LEASE)
        assert theirs.id == stolen.id
        # ... one is cancelled, and one we reclaimed ourselves after its lease ran out: the same
        # owner, but a newer token, so the old run's completion must not apply.
        assert await store.cancel_job(session, cancelled.id, guild_id=None, now=T0)
        assert await store.extend_lease(session, stale_token, owner="me", until=expired)
        (newer,) = await store.claim_due(session, "me", expired, 1, LEASE)
        assert (newer.id, newer.attempts) == (stale_token.id, stale_token.attempts + 1)

    completions = [
        store.Completion(job.id, job.attempts, later + timedelta(seconds=index), late=index % 2 == 0)
        for index, job in enumerate(mine)
    ]
    async with database.session() as session:
        updated = await store.complete_many(session, completions, owner="me")
    assert updated == {job.id for job in kept}

    async with database.session() as session:
        for index, job in enumerate(mine):
            row = await store.get_job(session, job.id)
            assert row is not None
            if job in kept:
                assert row.state == JobState.DONE
                assert row.lease_owner is None
                assert row.lease_expires_at is None
                assert row.last_run_at == row.updated_at == later + timedelta(seconds=index)
                assert row.late is (index % 2 == 0)
            else:
                assert row.state != JobState.DONE
                assert row.last_run_at is None
        taken = await store.get_job(session, stolen.id)
        assert taken is not None
        assert (taken.state, taken.lease_owner, taken.attempts) == (JobState.RUNNING, "other", 2)
        gone = await store.get_job(session, cancelled.id)
        assert gone is not None
        assert gone.state == JobState.CANCELLED
        bumped = await store.get_job(session, stale_token.id)
        assert bumped is not None
        assert (bumped.state, bumped.lease_owner) == (JobState.RUNNING, "me")


async def test_complete_many_single_row_and_empty(database: Database) -> None:
    async with database.session() as session:
        assert await store.complete_many(session, [], owner="me") == set()
        await store.schedule(session, "k", {}, T0, now=T0)
    async with database.session() as session:
        (job,) = await store.claim_due(session, "me", T0, 10, LEASE)
        completion = store.Completion(job.id, job.attempts, T0, late=False)
        assert await store.complete_many(session, [completion], owner="other") == set()
        assert await store.complete_many(session, [completion], owner="me") == {job.id}
        # Done already: a repeat is refused.
        assert await store.complete_many(session, [completion], owner="me") == set()
        with pytest.raises(ValueError, match="at most once"):
            await store.complete_many(session, [completion, completion], owner="me")


async def test_grouped_completions_are_fenced_per_job(database: Database) -> None:
    """Handlers finishing together are recorded in one group; the one whose lease another owner
    took over meanwhile is reported as not ours and keeps the other owner's state."""
    clock = ManualClock(T0)
    scheduler = JobScheduler(database, clock, owner="me", lease=LEASE, concurrency=8)
    release = asyncio.Event()
    all_started = asyncio.Event()
    started = 0

    async def handler(context: JobContext) -> None:
        nonlocal started
        started += 1
        if started == 4:
            all_started.set()
        await release.wait()

    scheduler.register("k", handler)
    async with database.session() as session:
        jobs = [await store.schedule(session, "k", {"n": n}, T0, now=T0) for n in range(4)]
    ids = [job.id for job in jobs if job is not None]
    dispatch = asyncio.create_task(scheduler.dispatch_due())
    await asyncio.wait_for(all_started.wait(), 10)
    # While the handlers run, the first job's lease is taken over by another worker.
    async with database.session() as session:
        row = await store.get_job(session, ids[0])
        assert row is not None
        assert await store.extend_lease(session, row, owner="me", until=T0)
        (theirs,) = await store.claim_due(session, "other", T0, 1, LEASE)
    assert theirs.id == ids[0]
    release.set()
    assert await dispatch == 4
    async with database.session() as session:
        states = {}
        for job_id in ids:
            row = await store.get_job(session, job_id)
            assert row is not None
            states[job_id] = (row.state, row.lease_owner)
    assert states[ids[0]] == (JobState.RUNNING, "other")
    assert all(states[job_id] == (JobState.DONE, None) for job_id in ids[1:])

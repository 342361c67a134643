"""A dispatcher killed in the middle of a batch: nothing is lost, and the only repeats are messages
that had already been sent, which a nonce-deduplicating sink (like Discord) absorbs."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.db import Database
from bot.scheduler.context import JobContext, job_nonce
from bot.scheduler.models import JobState, ScheduledJob
from bot.scheduler.service import JobScheduler

T0 = datetime(2025, 6, 2, 6, 0, tzinfo=UTC)
JOBS = 25
VICTIM = 12


class NonceSink:
    """Stands in for Discord's message create with ``enforce_nonce``: a repeat nonce returns the
    first message instead of posting again."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, int]] = []
        self.messages: dict[str, int] = {}

    def send(self, nonce: str, content: int) -> int:
        self.requests.append((nonce, content))
        return self.messages.setdefault(nonce, content)


async def states(database: Database) -> dict[int, str]:
    async with database.session() as session:
        rows = (await session.execute(select(ScheduledJob.id, ScheduledJob.state))).all()
    return {row.id: row.state for row in rows}


async def test_killed_mid_batch_then_another_dispatcher_takes_over(databases, database: Database) -> None:
    clock = ManualClock(T0)
    sink = NonceSink()
    lease = timedelta(minutes=2)
    first = JobScheduler(database, clock, owner="first", batch_size=10, concurrency=3, lease=lease)
    second = JobScheduler(databases.open(), clock, owner="second", batch_size=10, concurrency=3, lease=lease)
    sent_by_first: set[int] = set()
    nonces: dict[int, list[str]] = {}
    first_task: asyncio.Task[int] | None = None

    async def first_handler(context: JobContext) -> None:
        sink.send(context.nonce, context.payload["n"])
        sent_by_first.add(context.job_id)
        nonces.setdefault(context.job_id, []).append(context.nonce)
        if context.payload["n"] == VICTIM:
            # The process dies right after Discord accepted the message, before it is marked done.
            assert first_task is not None
            first_task.cancel()
        await asyncio.sleep(0)

    async def second_handler(context: JobContext) -> None:
        sink.send(context.nonce, context.payload["n"])
        nonces.setdefault(context.job_id, []).append(context.nonce)

    first.register("announce", first_handler)
    second.register("announce", second_handler)
    for n in range(JOBS):
        await first.schedule("announce", {"n": n}, T0)

    first_task = asyncio.create_task(first.dispatch_due())
    with pytest.raises(asyncio.CancelledError):
        await first_task

    after_crash = await states(database)
    assert JobState.RUNNING in after_crash.values()  # the kill really happened mid-batch
    unfinished_sent = {job_id for job_id in sent_by_first if after_crash[job_id] != JobState.DONE}
    assert unfinished_sent  # at least the victim

    # Right away the other dispatcher runs what was never claimed, but leaves leased jobs alone.
    await second.dispatch_due()
    leased = {job_id for job_id, state in (await states(database)).items() if state == JobState.RUNNING}
    assert leased
    assert all(state in {JobState.RUNNING, JobState.DONE} for state in (await states(database)).values())

    # Once the dead worker's leases run out, they are picked up.
    clock.advance(lease)
    await second.dispatch_due()
    final = await states(database)
    assert set(final.values()) == {JobState.DONE}

    # Nothing lost, nothing shown twice.
    assert sorted(sink.messages.values()) == list(range(JOBS))
    requests = Counter(content for _, content in sink.requests)
    repeated = {content for content, count in requests.items() if count > 1}
    assert VICTIM in repeated
    async with database.session() as session:
        by_n = {row.payload["n"]: row.id for row in (await session.scalars(select(ScheduledJob))).all()}
    # Repeats only where the first worker had already sent and not recorded it.
    assert {by_n[n] for n in repeated} <= unfinished_sent
    assert all(count <= 2 for count in requests.values())
    # The repeat used the same nonce as the first send.
    for job_id in (by_n[n] for n in repeated):
        assert len(set(nonces[job_id])) == 1
    async with database.session() as session:
        victim = (await session.scalars(select(ScheduledJob).where(ScheduledJob.id == by_n[VICTIM]))).one()
    assert nonces[victim.id][0] == job_nonce(victim.id, T0)

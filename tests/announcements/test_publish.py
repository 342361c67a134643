"""The publish queue on a real database, without Discord: slots, restarts, refusals, 429s.

A stand-in publisher plays Discord's side: it counts publishes per channel in a rolling hour and
answers 429 beyond ten, so a test fails if the queue ever lets an eleventh through.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.announcements import publish
from bot.announcements.models import AnnouncePublish, PublishState
from bot.announcements.publish import Attempt, Outcome, PublishQueue, enqueue_publish
from bot.clock import ManualClock
from bot.db import Database
from bot.scheduler import JobContext, JobScheduler

START = datetime(2026, 3, 27, 9, 0, tzinfo=UTC)
GUILD, CHANNEL, OTHER = 1, 100, 200


@dataclass
class FakeDiscord:
    clock: ManualClock
    published: list[tuple[int, int, datetime]] = field(default_factory=list)
    refusals: int = 0
    crosspostted: set[int] = field(default_factory=set)
    script: list[Attempt] = field(default_factory=list)  # answers to give first, in order

    async def __call__(self, channel_id: int, message_id: int) -> Attempt:
        if self.script:
            return self.script.pop(0)
        now = self.clock.now()
        if message_id in self.crosspostted:
            return Attempt(Outcome.ALREADY)
        recent = [at for ch, _m, at in self.published if ch == channel_id and now - at < timedelta(hours=1)]
        if len(recent) >= publish.LIMIT:
            self.refusals += 1
            return Attempt(Outcome.RATE_LIMITED, min(recent) + timedelta(hours=1) - now)
        self.crosspostted.add(message_id)
        self.published.append((channel_id, message_id, now))
        return Attempt(Outcome.PUBLISHED)

    def messages(self, channel_id: int = CHANNEL) -> list[int]:
        return [m for ch, m, _at in self.published if ch == channel_id]


@dataclass
class Bench:
    database: Database
    clock: ManualClock
    discord: FakeDiscord
    scheduler: JobScheduler = field(init=False)
    queue: PublishQueue = field(init=False)

    def __post_init__(self) -> None:
        self.boot()

    def boot(self) -> None:
        """A fresh scheduler and queue over the same database: what a restart leaves."""
        self.scheduler = JobScheduler(self.database, self.clock, owner=f"tests-{id(self)}-{self.clock.now()}")
        self.queue = PublishQueue(self.database, self.clock, self.scheduler)
        self.scheduler.register(publish.PUBLISH, self.handle)

    async def handle(self, context: JobContext) -> None:
        await self.queue.run(int(context.payload["publish_id"]), self.discord)

    async def enqueue(self, message_id: int, channel_id: int = CHANNEL) -> datetime:
        async with self.database.session() as session:
            return await enqueue_publish(
                session,
                self.scheduler,
                self.clock,
                guild_id=GUILD,
                channel_id=channel_id,
                message_id=message_id,
            )

    async def advance(self, delta: timedelta = timedelta(0)) -> None:
        await self.scheduler.advance(self.clock, delta)

    async def rows(self) -> list[AnnouncePublish]:
        async with self.database.session() as session:
            return list((await session.scalars(select(AnnouncePublish).order_by(AnnouncePublish.id))).all())


@pytest.fixture
async def bench(models_database_url: str) -> AsyncIterator[Bench]:
    database = Database(models_database_url)
    clock = ManualClock(START)
    try:
        yield Bench(database, clock, FakeDiscord(clock))
    finally:
        await database.dispose()


async def test_twelve_in_one_hour_ten_now_two_after_the_hour(bench: Bench) -> None:
    slots = [await bench.enqueue(message_id) for message_id in range(1, 13)]
    assert slots == [START] * 10 + [START + timedelta(hours=1)] * 2
    await bench.advance()
    assert sorted(bench.discord.messages()) == list(range(1, 11))
    await bench.advance(timedelta(minutes=59, seconds=59))
    assert len(bench.discord.messages()) == 10
    await bench.advance(timedelta(seconds=1))
    assert sorted(bench.discord.messages()) == list(range(1, 13))
    assert bench.discord.refusals == 0
    assert {row.state for row in await bench.rows()} == {PublishState.PUBLISHED}


async def test_a_restart_loses_none_and_doubles_none(bench: Bench) -> None:
    for message_id in range(1, 13):
        await bench.enqueue(message_id)
    await bench.advance()
    assert len(bench.discord.messages()) == 10
    bench.boot()  # the bot restarts: new scheduler, new queue, same database
    await bench.advance()
    assert len(bench.discord.messages()) == 10
    await bench.advance(timedelta(hours=1))
    messages = bench.discord.messages()
    assert sorted(messages) == list(range(1, 13))
    assert len(messages) == len(set(messages))
    assert bench.discord.refusals == 0


async def test_enqueueing_the_same_message_twice_publishes_it_once(bench: Bench) -> None:
    first = await bench.enqueue(7)
    again = await bench.enqueue(7)
    assert first == again == START
    await bench.advance()
    assert bench.discord.messages() == [7]
    assert len(await bench.rows()) == 1


async def test_the_hour_is_rolling_and_each_channel_has_its_own(bench: Bench) -> None:
    for message_id in range(1, 6):
        await bench.enqueue(message_id)
    await bench.advance(timedelta(minutes=30))
    slots = [await bench.enqueue(message_id) for message_id in range(6, 13)]
    # Five places left in the hour that began at 09:00; the other two when the 09:00 ones age out.
    assert slots == [START + timedelta(minutes=30)] * 5 + [START + timedelta(hours=1)] * 2
    assert await bench.enqueue(99, channel_id=OTHER) == START + timedelta(minutes=30)
    await bench.advance()
    assert len(bench.discord.messages()) == 10
    assert bench.discord.messages(OTHER) == [99]
    await bench.advance(timedelta(minutes=30))
    assert len(bench.discord.messages()) == 12
    assert bench.discord.refusals == 0


async def test_a_429_re_plans_at_discords_word_instead_of_sleeping(bench: Bench) -> None:
    bench.discord.script = [Attempt(Outcome.RATE_LIMITED, timedelta(minutes=10))]
    await bench.enqueue(1)
    await bench.advance()
    assert bench.discord.messages() == []
    [row] = await bench.rows()
    assert row.state == PublishState.QUEUED
    assert row.slot_at == START + timedelta(minutes=10)
    assert row.started_at is None  # Discord counted nothing
    await bench.advance(timedelta(minutes=10))
    assert bench.discord.messages() == [1]


async def test_a_failure_without_verdict_is_retried_and_one_that_went_through_is_not_doubled(
    bench: Bench,
) -> None:
    # The first attempt reached Discord, but the answer was lost (a 5xx after the effect).
    bench.discord.crosspostted.add(1)
    bench.discord.script = [Attempt(Outcome.FAILED, error="503")]
    await bench.enqueue(1)
    await bench.advance()
    [row] = await bench.rows()
    assert row.state == PublishState.QUEUED
    assert row.started_at == START  # it may have gone through: it keeps its place in the hour
    await bench.advance(timedelta(hours=1))
    [row] = await bench.rows()
    assert row.state == PublishState.PUBLISHED
    assert bench.discord.messages() == []  # "already crossposted": not published again


async def test_a_permanent_refusal_ends_it_and_frees_its_place(bench: Bench) -> None:
    bench.discord.script = [Attempt(Outcome.REFUSED, error="Unknown Message")]
    await bench.enqueue(1)
    await bench.advance()
    [row] = await bench.rows()
    assert row.state == PublishState.FAILED
    assert row.started_at is None
    slots = [await bench.enqueue(message_id) for message_id in range(2, 12)]
    assert slots == [START] * 10


async def test_a_crash_between_claim_and_answer_is_run_again_once(bench: Bench) -> None:
    await bench.enqueue(1)
    # A run claimed the row (marked publishing, counted) and the process died before Discord
    # answered; its job was never marked done.
    assert await bench.queue._claim(1) == (CHANNEL, 1)
    bench.boot()
    await bench.advance()
    assert bench.discord.messages() == [1]
    [row] = await bench.rows()
    assert row.state == PublishState.PUBLISHED
    assert row.attempts == 2


async def test_claims_racing_from_two_processes_never_pass_ten_in_the_hour(bench: Bench) -> None:
    # Fifteen rows due at once (as if planned by a process that counted wrong); two processes,
    # each with its own connections, run all of them at the same moment.
    for message_id in range(1, 16):
        await bench.enqueue(message_id)
    async with bench.database.session() as session:
        rows = list((await session.scalars(select(AnnouncePublish))).all())
        for row in rows:
            row.slot_at = START
    other_database = Database(bench.database.url)
    try:
        other = PublishQueue(other_database, bench.clock, bench.scheduler)
        outcomes = await asyncio.gather(
            *(
                (bench.queue if index % 2 else other).run(row.id, bench.discord)
                for index, row in enumerate(rows)
            )
        )
    finally:
        await other_database.dispose()
    assert sorted(result.ran for result in outcomes) == sorted(
        [publish.Ran.PUBLISHED] * 10 + [publish.Ran.DEFERRED] * 5
    )
    assert len(bench.discord.messages()) == 10
    assert bench.discord.refusals == 0
    deferred = [result.next_at for result in outcomes if result.ran is publish.Ran.DEFERRED]
    assert deferred == [START + timedelta(hours=1)] * 5

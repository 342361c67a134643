"""Programme pauses: a paused server's jobs wait, other servers' run, and resuming runs them once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot import pauses
from bot.clock import ManualClock
from bot.db import Database
from bot.features import Feature, FeatureRegistry, JobKind
from bot.inputs import InputError
from bot.scheduler import JobContext, JobDeferred, JobScheduler, JobState, ScheduledJob, store

START = datetime(2026, 3, 27, 9, 0, tzinfo=UTC)
HERE, THERE = 1, 2


class NoData:
    async def export_member(self, guild_id: int, user_id: int) -> dict[str, Any]:
        return {}

    async def erase_member(self, guild_id: int, user_id: int) -> int:
        return 0

    async def count_member(self, guild_id: int, user_id: int) -> int:
        return 0


@dataclass
class World:
    database: Database
    clock: ManualClock
    scheduler: JobScheduler
    registry: FeatureRegistry
    runs: list[tuple[str, int | None, datetime]]
    items: list[type[Any]] = field(default_factory=list)

    def add_dynamic_items(self, *items: type[Any]) -> None:
        self.items += items

    def remove_dynamic_items(self, *items: type[Any]) -> None:
        pass

    def ran(self, kind: str, guild_id: int | None = None) -> int:
        return sum(1 for run in self.runs if run[0] == kind and (guild_id is None or run[1] == guild_id))

    async def job(self, job_id: int) -> ScheduledJob:
        async with self.database.session() as session:
            job = await store.get_job(session, job_id)
        assert job is not None
        return job

    async def resume(self, feature: str) -> pauses.ResumeResult:
        return await pauses.resume(
            self.database, self.clock, self.scheduler, HERE, feature, self.registry.pausable_kinds()
        )


@pytest.fixture
async def world(models_database_url: str) -> AsyncIterator[World]:
    database = Database(models_database_url)
    clock = ManualClock(START)
    scheduler = JobScheduler(database, clock, owner="tests")
    runs: list[tuple[str, int | None, datetime]] = []

    async def record(context: JobContext) -> None:
        runs.append((context.kind, context.guild_id, context.now))

    w = World(database, clock, scheduler, None, runs)  # type: ignore[arg-type]
    w.registry = FeatureRegistry(w)
    w.registry.install(
        Feature(
            name="penpal",
            extension="cogs.penpal",
            tables=(),
            member_data=NoData(),
            jobs=(
                JobKind("penpal.round", record, "round"),
                JobKind("penpal.intro", record, "intro", max_lateness=timedelta(hours=1)),
            ),
        )
    )
    w.registry.install(
        Feature(
            name="articles",
            extension="cogs.articles",
            tables=(),
            member_data=NoData(),
            jobs=(JobKind("articles.digest", record, "digest"),),
        )
    )
    w.registry.install(
        Feature(
            name="reminders",
            extension="cogs.reminders",
            tables=(),
            member_data=NoData(),
            jobs=(JobKind("reminders.due", record, "reminder"),),
            pausable=False,
        )
    )
    try:
        yield w
    finally:
        await database.dispose()


async def test_a_paused_programme_waits_and_runs_once_on_resume(world: World) -> None:
    assert await pauses.pause(world.database, world.clock, HERE, "penpal", by=7, reason="summer") == (
        pauses.PauseOutcome.PAUSED
    )
    due = START + timedelta(minutes=5)
    here = await world.scheduler.schedule("penpal.round", {}, due, guild_id=HERE)
    there = await world.scheduler.schedule("penpal.round", {}, due, guild_id=THERE)
    later = await world.scheduler.schedule("penpal.round", {}, START + timedelta(days=3), guild_id=HERE)
    await world.scheduler.schedule("articles.digest", {}, due, guild_id=HERE)
    await world.scheduler.schedule("reminders.due", {}, due, guild_id=HERE)
    assert here
    assert there
    assert later

    # Twelve hours paused: the round here never runs, never fails, never counts an attempt.
    await world.scheduler.advance(world.clock, timedelta(hours=12))
    assert world.ran("penpal.round", HERE) == 0
    assert world.ran("penpal.round", THERE) == 1
    assert world.ran("articles.digest", HERE) == 1  # another programme runs
    assert world.ran("reminders.due", HERE) == 1
    job = await world.job(here.id)
    assert job.state == JobState.PENDING
    assert job.attempts == 0
    assert START + timedelta(hours=12) < job.due_at <= START + timedelta(hours=13)

    result = await world.resume("penpal")
    assert result.outcome is pauses.ResumeOutcome.RESUMED
    assert result.pulled == 1  # the round due three days on stays where it is
    await world.scheduler.run_due_jobs()
    assert world.ran("penpal.round", HERE) == 1
    assert (await world.job(here.id)).state == JobState.DONE
    assert (await world.job(later.id)).due_at == START + timedelta(days=3)
    await world.scheduler.advance(world.clock, timedelta(days=4))
    assert world.ran("penpal.round", HERE) == 2


async def test_a_job_with_a_lateness_limit_is_not_expired_by_the_pause(world: World) -> None:
    await pauses.pause(world.database, world.clock, HERE, pauses.ALL, by=7)
    intro = await world.scheduler.schedule("penpal.intro", {}, START, guild_id=HERE)
    assert intro
    await world.scheduler.advance(world.clock, timedelta(hours=30))
    assert world.ran("penpal.intro") == 0
    assert (await world.job(intro.id)).state == JobState.PENDING
    result = await world.resume(pauses.ALL)
    assert result.outcome is pauses.ResumeOutcome.RESUMED
    assert set(result.resumed) == {"penpal", "articles"}
    await world.scheduler.run_due_jobs()
    assert world.ran("penpal.intro") == 1
    assert (await world.job(intro.id)).state == JobState.DONE


async def test_a_recurring_job_runs_its_missed_occurrence_once(world: World) -> None:
    await pauses.pause(world.database, world.clock, HERE, "articles", by=7)
    digest = await world.scheduler.schedule("articles.digest", {}, rule="daily 10:00", guild_id=HERE)
    assert digest
    await world.scheduler.advance(world.clock, timedelta(days=3))
    assert world.ran("articles.digest") == 0
    await world.resume("articles")
    await world.scheduler.run_due_jobs()
    assert world.ran("articles.digest") == 1
    job = await world.job(digest.id)
    assert job.due_at > world.clock.now()
    assert job.last_error is None


async def test_resuming_one_programme_while_all_are_paused_says_so(world: World) -> None:
    await pauses.pause(world.database, world.clock, HERE, pauses.ALL, by=7)
    await pauses.pause(world.database, world.clock, HERE, "penpal", by=7)
    assert await pauses.pause(world.database, world.clock, HERE, "penpal", by=8) is (
        pauses.PauseOutcome.ALREADY_PAUSED
    )
    assert [pause.feature for pause in await pauses.list_pauses(world.database, HERE)] == ["*", "penpal"]
    assert await pauses.is_paused(world.database, HERE, "articles")
    assert not await pauses.is_paused(world.database, THERE, "articles")
    result = await world.resume("penpal")
    assert result.outcome is pauses.ResumeOutcome.STILL_PAUSED_BY_ALL
    assert await pauses.is_paused(world.database, HERE, "penpal")
    assert (await world.resume("articles")).outcome is pauses.ResumeOutcome.STILL_PAUSED_BY_ALL
    assert (await world.resume(pauses.ALL)).outcome is pauses.ResumeOutcome.RESUMED
    assert (await world.resume(pauses.ALL)).outcome is pauses.ResumeOutcome.NOT_PAUSED
    assert await pauses.list_pauses(world.database, HERE) == []


async def test_a_long_reason_is_refused_and_nothing_is_paused(world: World) -> None:
    with pytest.raises(InputError):
        await pauses.pause(world.database, world.clock, HERE, "penpal", by=7, reason="x" * 5000)
    assert await pauses.list_pauses(world.database, HERE) == []


async def test_a_deferred_job_is_never_counted_as_an_attempt_nor_parked(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    deferrals: list[datetime] = []

    async def not_yet(context: JobContext) -> None:
        deferrals.append(context.now)
        raise JobDeferred(context.now + timedelta(minutes=30), "waiting")

    world.scheduler.register("test.later", not_yet)
    job = await world.scheduler.schedule("test.later", {}, START, guild_id=HERE)
    assert job
    with caplog.at_level("WARNING"):
        await world.scheduler.advance(world.clock, timedelta(hours=5))
    assert len(deferrals) == 11  # every half hour, far past max_attempts (5)
    found = await world.job(job.id)
    assert found.state == JobState.PENDING
    assert found.attempts == 0
    assert found.occurrence_at == found.due_at  # a one-off job's occurrence moves with it
    assert [record for record in caplog.records if record.levelname in {"WARNING", "ERROR"}] == []


async def test_a_pause_holds_the_very_next_job_even_right_after_one_ran(world: World) -> None:
    first = await world.scheduler.schedule("articles.digest", {}, START, guild_id=HERE)
    await world.scheduler.run_due_jobs()  # ran, and the server was seen without pauses
    assert first
    assert world.ran("articles.digest") == 1
    await pauses.pause(world.database, world.clock, HERE, "articles", by=7)
    await world.scheduler.schedule("articles.digest", {}, START, guild_id=HERE)
    await world.scheduler.run_due_jobs()
    assert world.ran("articles.digest") == 1

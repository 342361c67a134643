"""The JobScheduler on real databases with a manual clock: runs, retries, DST, downtime, wake-ups."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.clock import ManualClock, SystemClock
from bot.db import Database
from bot.scheduler import store
from bot.scheduler.context import JobContext, PermanentJobError, job_nonce
from bot.scheduler.models import JobState, ScheduledJob
from bot.scheduler.service import JobScheduler

T0 = datetime(2025, 6, 2, 6, 0, tzinfo=UTC)  # a Monday, 08:00 in Berlin


class Recorder:
    """A handler that remembers every context it was called with."""

    def __init__(self, fail_times: int = 0, error: Exception | None = None) -> None:
        self.calls: list[JobContext] = []
        self.fail_times = fail_times
        self.error = error or RuntimeError("boom")

    async def __call__(self, context: JobContext) -> None:
        self.calls.append(context)
        if len(self.calls) <= self.fail_times:
            raise self.error


async def get(database: Database, job_id: int) -> ScheduledJob:
    async with database.session() as session:
        job = await store.get_job(session, job_id)
    assert job is not None
    return job


async def test_runs_a_due_job_once_with_its_context(database: Database) -> None:
    clock = ManualClock(T0)
    scheduler = JobScheduler(database, clock, owner="w")
    recorder = Recorder()
    scheduler.register("remind", recorder)
    job = await scheduler.schedule("remind", {"text": "hi"}, T0 + timedelta(minutes=10), guild_id=5)
    assert job is not None
    assert await scheduler.run_due_jobs() == 0
    clock.advance(timedelta(minutes=10))
    assert await scheduler.run_due_jobs() == 1
    assert await scheduler.run_due_jobs() == 0
    (context,) = recorder.calls
    assert context.job_id == job.id
    assert context.kind == "remind"
    assert context.payload == {"text": "hi"}
    assert context.due_at == T0 + timedelta(minutes=10)
    assert context.nonce == job_nonce(job.id, context.due_at)
    assert context.attempt == 1
    assert context.late is False
    assert context.now == clock.now()
    assert context.guild_id == 5
    done = await get(database, job.id)
    assert done.state == JobState.DONE
    assert done.last_run_at == clock.now()


async def test_same_dedupe_key_twice_through_the_service(database: Database) -> None:
    scheduler = JobScheduler(database, ManualClock(T0), owner="w")
    first = await scheduler.schedule("remind", {}, T0, dedupe_key="round:1:open")
    second = await scheduler.schedule("remind", {}, T0, dedupe_key="round:1:open")
    assert first is not None
    assert second is not None
    assert first.id == second.id
    async with database.session() as session:
        assert await session.scalar(select(func.count()).select_from(ScheduledJob)) == 1


async def test_handler_failure_retries_with_backoff_then_parks_and_can_be_retried(database: Database) -> None:
    clock = ManualClock(T0)
    scheduler = JobScheduler(database, clock, owner="w", max_attempts=5)
    recorder = Recorder(fail_times=5)
    scheduler.register("post", recorder)
    job = await scheduler.schedule("post", {}, T0, guild_id=42)
    assert job is not None

    assert await scheduler.advance(clock, timedelta(hours=1)) == 5
    # 30 s * 2^(attempt-1) between attempts.
    assert [call.now - T0 for call in recorder.calls] == [
        timedelta(0),
        timedelta(seconds=30),
        timedelta(seconds=90),
        timedelta(seconds=210),
        timedelta(seconds=450),
    ]
    assert [call.attempt for call in recorder.calls] == [1, 2, 3, 4, 5]
    # Retries are the same occurrence: same due_at, same nonce.
    assert {call.nonce for call in recorder.calls} == {job_nonce(job.id, T0)}
    assert {call.due_at for call in recorder.calls} == {T0}

    failed = await scheduler.failed_jobs(42)
    assert [f.id for f in failed] == [job.id]
    assert failed[0].last_error == "RuntimeError: boom"
    assert failed[0].attempts == 5
    assert await scheduler.failed_jobs(43) == []

    assert await scheduler.retry_failed(job.id, guild_id=43) is None
    assert await scheduler.retry_failed(job.id, guild_id=42) is not None
    assert await scheduler.run_due_jobs() == 1
    assert len(recorder.calls) == 6
    assert recorder.calls[-1].attempt == 1
    assert (await get(database, job.id)).state == JobState.DONE
    assert (await get(database, job.id)).last_error is None


async def test_permanent_error_parks_at_once(database: Database) -> None:
    clock = ManualClock(T0)
    scheduler = JobScheduler(database, clock, owner="w")
    recorder = Recorder(fail_times=1, error=PermanentJobError("channel deleted"))
    scheduler.register("post", recorder)
    job = await scheduler.schedule("post", {}, T0)
    assert job is not None
    await scheduler.advance(clock, timedelta(hours=2))
    assert len(recorder.calls) == 1
    parked = await get(database, job.id)
    assert parked.state == JobState.FAILED
    assert parked.last_error == "PermanentJobError: channel deleted"


async def test_unknown_kind_is_parked_with_a_clear_error(database: Database) -> None:
    scheduler = JobScheduler(database, ManualClock(T0), owner="w")
    job = await scheduler.schedule("nobody-handles-this", {}, T0)
    assert job is not None
    assert await scheduler.run_due_jobs() == 0
    parked = await get(database, job.id)
    assert parked.state == JobState.FAILED
    assert parked.last_error is not None
    assert "no handler is registered for job kind 'nobody-handles-this'" in parked.last_error


async def test_handler_timeout_is_a_failed_attempt(database: Database) -> None:
    clock = ManualClock(T0)
    scheduler = JobScheduler(database, clock, owner="w", max_attempts=1)

    async def hang(context: JobContext) -> None:
        await asyncio.sleep(30)

    scheduler.register("hang", hang, timeout=timedelta(milliseconds=50))
    job = await scheduler.schedule("hang", {}, T0)
    assert job is not None
    await scheduler.run_due_jobs()
    parked = await get(database, job.id)
    assert parked.state == JobState.FAILED
    assert parked.last_error is not None
    assert "timeout" in parked.last_error


async def test_recurring_job_keeps_running_and_reports_rule(database: Database) -> None:
    clock = ManualClock(T0)
    scheduler = JobScheduler(database, clock, owner="w")
    recorder = Recorder()
    scheduler.register("digest", recorder)
    job = await scheduler.schedule("digest", {}, rule="every 6h")
    assert job is not None
    assert job.due_at == T0 + timedelta(hours=6)
    assert await scheduler.advance(clock, timedelta(days=1)) == 4
    assert [call.due_at - T0 for call in recorder.calls] == [timedelta(hours=h) for h in (6, 12, 18, 24)]
    assert len({call.nonce for call in recorder.calls}) == 4
    assert all(call.rule == "every 6h" for call in recorder.calls)
    assert (await get(database, job.id)).due_at == T0 + timedelta(hours=30)


# --- DST through the service -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "start", "rule", "days", "expected"),
    [
        (
            "Europe/Berlin",
            datetime(2025, 3, 20, tzinfo=UTC),
            "weekly mon 09:00",
            21,
            ["2025-03-24T08:00", "2025-03-31T07:00", "2025-04-07T07:00"],
        ),
        (
            "Europe/Berlin",
            datetime(2025, 10, 18, tzinfo=UTC),
            "weekly mon 09:00",
            21,
            ["2025-10-20T07:00", "2025-10-27T08:00", "2025-11-03T08:00"],
        ),
        (
            "America/New_York",
            datetime(2025, 3, 1, tzinfo=UTC),
            "weekly mon 09:00",
            14,
            ["2025-03-03T14:00", "2025-03-10T13:00"],
        ),
        (
            "America/New_York",
            datetime(2025, 10, 25, tzinfo=UTC),
            "weekly mon 09:00",
            14,
            ["2025-10-27T13:00", "2025-11-03T14:00"],
        ),
        # Fall back: 02:30 happens twice on 2025-10-26 in Berlin; it fires once (the first).
        (
            "Europe/Berlin",
            datetime(2025, 10, 24, 12, tzinfo=UTC),
            "daily 02:30",
            4,
            ["2025-10-25T00:30", "2025-10-26T00:30", "2025-10-27T01:30", "2025-10-28T01:30"],
        ),
        # Spring forward: 02:30 does not exist on 2025-03-30 in Berlin; it fires at 03:30 local.
        (
            "Europe/Berlin",
            datetime(2025, 3, 28, 12, tzinfo=UTC),
            "daily 02:30",
            3,
            ["2025-03-29T01:30", "2025-03-30T01:30", "2025-03-31T00:30"],
        ),
        (
            "America/New_York",
            datetime(2025, 11, 1, 12, tzinfo=UTC),
            "daily 01:30",
            3,
            ["2025-11-02T05:30", "2025-11-03T06:30", "2025-11-04T06:30"],
        ),
        (
            "America/New_York",
            datetime(2025, 3, 8, 12, tzinfo=UTC),
            "daily 02:30",
            2,
            ["2025-03-09T07:30", "2025-03-10T06:30"],
        ),
    ],
)
async def test_recurring_jobs_across_dst(
    database: Database, tz: str, start: datetime, rule: str, days: int, expected: list[str]
) -> None:
    clock = ManualClock(start)
    scheduler = JobScheduler(database, clock, owner="w")
    recorder = Recorder()
    scheduler.register("checkin", recorder)
    await scheduler.schedule("checkin", {}, rule=rule, timezone=tz)
    await scheduler.advance(clock, timedelta(days=days))
    assert [call.due_at.strftime("%Y-%m-%dT%H:%M") for call in recorder.calls] == expected
    # Each ran at its occurrence, not late, and local wall time matches the rule where it exists.
    assert all(call.now == call.due_at for call in recorder.calls)
    assert not any(call.late for call in recorder.calls)
    hours = {call.due_at.astimezone(ZoneInfo(tz)).strftime("%H:%M") for call in recorder.calls}
    assert hours <= {rule.rsplit(maxsplit=1)[-1], "03:30"}


# --- downtime ---------------------------------------------------------------------------------------


async def test_jobs_due_during_downtime(database: Database) -> None:
    clock = ManualClock(T0)
    before = JobScheduler(database, clock, owner="before")
    remind = await before.schedule("remind", {}, T0 + timedelta(hours=1))
    round_start = await before.schedule("round-start", {}, T0 + timedelta(hours=1))
    digest = await before.schedule("digest", {}, rule="daily 09:00", timezone="Europe/Berlin")
    checkin = await before.schedule("checkin", {}, rule="daily 10:00", timezone="Europe/Berlin")
    assert remind is not None
    assert round_start is not None
    assert digest is not None
    assert checkin is not None
    assert digest.due_at == datetime(2025, 6, 2, 7, tzinfo=UTC)
    assert checkin.due_at == datetime(2025, 6, 2, 8, tzinfo=UTC)

    # Down for three days and a half-hour: 2025-06-05 07:30Z (09:30 Berlin).
    clock.set(datetime(2025, 6, 5, 7, 30, tzinfo=UTC))

    after = JobScheduler(database, clock, owner="after")
    recorders = {kind: Recorder() for kind in ("remind", "round-start", "digest", "checkin")}
    after.register("remind", recorders["remind"])
    after.register("round-start", recorders["round-start"], max_lateness=timedelta(minutes=15))
    after.register("digest", recorders["digest"])
    after.register("checkin", recorders["checkin"], max_lateness=timedelta(hours=1))
    await after.start()
    try:
        # A one-off job runs once, marked late.
        (call,) = recorders["remind"].calls
        assert call.late
        assert call.due_at == T0 + timedelta(hours=1)
        assert (await get(database, remind.id)).late is True

        # Too late for its kind: expired, never run.
        assert recorders["round-start"].calls == []
        expired = await get(database, round_start.id)
        assert expired.state == JobState.EXPIRED
        assert expired.last_error is not None

        # A recurring job runs once for all the missed days, then continues from now.
        (call,) = recorders["digest"].calls
        assert call.late
        assert call.due_at == datetime(2025, 6, 2, 7, tzinfo=UTC)
        resumed = await get(database, digest.id)
        assert resumed.state == JobState.PENDING
        assert resumed.due_at == datetime(2025, 6, 6, 7, tzinfo=UTC)

        # A recurring job with a lateness limit skips to its next occurrence without running.
        assert recorders["checkin"].calls == []
        skipped = await get(database, checkin.id)
        assert skipped.state == JobState.PENDING
        assert skipped.due_at == datetime(2025, 6, 5, 8, tzinfo=UTC)

        # Back to normal: the next occurrences run on time.
        await after.advance(clock, timedelta(days=1))
        assert [c.due_at for c in recorders["checkin"].calls] == [datetime(2025, 6, 5, 8, tzinfo=UTC)]
        assert [c.late for c in recorders["checkin"].calls] == [False]
        assert [c.due_at for c in recorders["digest"].calls][1:] == [datetime(2025, 6, 6, 7, tzinfo=UTC)]
        assert len(recorders["remind"].calls) == 1
    finally:
        await after.stop()


async def test_restart_on_the_same_database_runs_nothing_twice(database: Database) -> None:
    clock = ManualClock(T0)
    recorder = Recorder()
    first = JobScheduler(database, clock, owner="first")
    first.register("remind", recorder)
    await first.start()
    await first.schedule("remind", {}, T0 + timedelta(minutes=5))
    await first.schedule("remind", {}, T0 + timedelta(minutes=50))
    await first.advance(clock, timedelta(minutes=10))
    await first.stop()
    second = JobScheduler(database, clock, owner="second")
    second.register("remind", recorder)
    await second.start()
    await second.start()  # idempotent
    assert len(recorder.calls) == 1
    await second.advance(clock, timedelta(hours=1))
    assert len(recorder.calls) == 2
    assert not any(call.late for call in recorder.calls)
    await second.stop()


async def test_a_worker_that_keeps_dying_is_parked(database: Database) -> None:
    """A job whose handler kills its worker every time must not take down every worker in turn."""
    clock = ManualClock(T0)
    runs = 0
    dispatch: asyncio.Task[int] | None = None

    async def killer(context: JobContext) -> None:
        nonlocal runs
        runs += 1
        assert dispatch is not None
        dispatch.cancel()  # as if the process died mid-run
        await asyncio.sleep(1)

    job = None
    for attempt in range(2):
        scheduler = JobScheduler(database, clock, owner=f"w{attempt}", max_attempts=2)
        scheduler.register("killer", killer)
        if job is None:
            job = await scheduler.schedule("killer", {}, T0)
        dispatch = asyncio.create_task(scheduler.dispatch_due())
        with pytest.raises(asyncio.CancelledError):
            await dispatch
        clock.advance(scheduler.lease)
    assert job is not None
    last = JobScheduler(database, clock, owner="last", max_attempts=2)
    last.register("killer", killer)
    assert await last.dispatch_due() == 0
    assert runs == 2
    parked = await get(database, job.id)
    assert parked.state == JobState.FAILED
    assert parked.last_error is not None
    assert "abandoned" in parked.last_error


async def test_a_handler_raising_cancelled_does_not_kill_the_dispatcher(database: Database) -> None:
    clock = ManualClock(T0)
    scheduler = JobScheduler(database, clock, owner="w")
    calls = 0

    async def flaky(context: JobContext) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise asyncio.CancelledError

    scheduler.register("flaky", flaky)
    other = await scheduler.schedule("flaky", {}, T0 + timedelta(seconds=1))
    job = await scheduler.schedule("flaky", {}, T0)
    assert job is not None
    assert other is not None
    await scheduler.advance(clock, timedelta(seconds=1))
    assert calls == 2  # the dispatcher went on to the next job
    assert (await get(database, other.id)).state == JobState.DONE
    # The cancelled run is retried once its lease runs out.
    await scheduler.advance(clock, scheduler.lease)
    assert calls == 3
    done = await get(database, job.id)
    assert done.state == JobState.DONE


# --- real wake-ups -----------------------------------------------------------------------------------


async def test_wakes_up_by_itself_in_real_time(database: Database) -> None:
    clock = SystemClock()
    scheduler = JobScheduler(database, clock, owner="w", safety_poll=timedelta(minutes=10))
    ran = asyncio.Event()
    seen: list[datetime] = []

    async def handler(context: JobContext) -> None:
        seen.append(context.now)
        ran.set()

    scheduler.register("remind", handler)
    await scheduler.start()
    try:
        due = clock.now() + timedelta(milliseconds=300)
        await scheduler.schedule("remind", {}, due)
        await asyncio.wait_for(ran.wait(), 5)
        assert seen[0] >= due
        assert seen[0] - due < timedelta(seconds=2)
    finally:
        await scheduler.stop()


async def test_safety_poll_finds_jobs_created_elsewhere(database: Database) -> None:
    clock = SystemClock()
    scheduler = JobScheduler(database, clock, owner="w", safety_poll=timedelta(milliseconds=200))
    ran = asyncio.Event()

    async def handler(context: JobContext) -> None:
        ran.set()

    scheduler.register("remind", handler)
    await scheduler.start()
    try:
        # Another process inserts a job; nobody tells this scheduler.
        async with database.session() as session:
            await store.schedule(session, "remind", {}, clock.now(), now=clock.now())
        await asyncio.wait_for(ran.wait(), 5)
    finally:
        await scheduler.stop()


async def test_long_handler_keeps_its_lease(databases, database: Database) -> None:
    clock = SystemClock()
    lease = timedelta(milliseconds=300)
    slow = JobScheduler(database, clock, owner="slow", lease=lease)
    other = JobScheduler(databases.open(), clock, owner="other", lease=lease)
    runs: list[str] = []

    def handler_for(name: str, seconds: float):
        async def handler(context: JobContext) -> None:
            runs.append(name)
            await asyncio.sleep(seconds)

        return handler

    slow.register("long", handler_for("slow", 0.9))
    other.register("long", handler_for("other", 0))
    await slow.schedule("long", {}, clock.now())
    running = asyncio.create_task(slow.dispatch_due())
    for _ in range(6):
        await asyncio.sleep(0.15)
        assert await other.dispatch_due() == 0
    assert await running == 1
    assert runs == ["slow"]


async def test_stop_lets_the_running_handler_finish(database: Database) -> None:
    clock = ManualClock(T0)
    scheduler = JobScheduler(database, clock, owner="w", concurrency=1)
    started = asyncio.Event()
    finished: list[int] = []

    async def handler(context: JobContext) -> None:
        started.set()
        await asyncio.sleep(0.05)
        finished.append(context.job_id)

    scheduler.register("k", handler)
    for _ in range(3):
        await scheduler.schedule("k", {}, T0)
    await scheduler.start()
    # start() already ran them. Add more behind the runner's back (no wake-up), run them, and
    # stop while the first of them is in progress.
    async with database.session() as session:
        for _ in range(3):
            await store.schedule(session, "k", {}, T0, now=T0)
    started.clear()
    dispatch = asyncio.create_task(scheduler.dispatch_due())
    await started.wait()
    await scheduler.stop()
    await dispatch
    # The one in progress finished; those not started were handed back, unrun.
    assert len(finished) == 4
    async with database.session() as session:
        states = (await session.scalars(select(ScheduledJob.state).order_by(ScheduledJob.id))).all()
    assert states == [JobState.DONE] * 4 + [JobState.PENDING] * 2
    async with database.session() as session:
        attempts = (await session.scalars(select(ScheduledJob.attempts).order_by(ScheduledJob.id))).all()
    assert attempts[4:] == [0, 0]

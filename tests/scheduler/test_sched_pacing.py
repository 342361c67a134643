"""Pacing: the token bucket on a fake clock, and the scheduler honouring ``runs_per_second``."""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import ManualClock
from bot.db import Database
from bot.scheduler.context import JobContext
from bot.scheduler.pacing import RatePacer
from bot.scheduler.service import JobScheduler

T0 = datetime(2025, 6, 2, 6, 0, tzinfo=UTC)


class FakeTime:
    """A monotonic clock that only moves when someone sleeps on it."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def per_window(times: list[float], window: float = 1.0) -> int:
    """The most acquisitions in any half-open window of ``window`` seconds."""
    times = sorted(times)
    best = 0
    start = 0
    for end, when in enumerate(times):
        while when - times[start] >= window - 1e-9:
            start += 1
        best = max(best, end - start + 1)
    return best


async def test_burst_goes_at_once_then_the_rate_holds() -> None:
    fake = FakeTime()
    pacer = RatePacer(100, burst=10, monotonic=fake.monotonic, sleep=fake.sleep)
    begin = fake.now
    times = []
    for _ in range(30):
        await pacer.acquire()
        times.append(fake.now - begin)
    assert times[:10] == [0.0] * 10
    assert times[-1] == pytest.approx(0.2)
    gaps = [later - earlier for earlier, later in itertools.pairwise(times[10:])]
    assert all(gap == pytest.approx(0.01) for gap in gaps)


async def test_default_burst_is_one_evenly_spaced() -> None:
    fake = FakeTime()
    pacer = RatePacer(50, monotonic=fake.monotonic, sleep=fake.sleep)
    times = []
    for _ in range(200):
        await pacer.acquire()
        times.append(fake.now)
    # 4 s of acquisitions at 50/s: never more than 50 in any one-second window.
    assert per_window(times) == 50
    assert times[-1] - times[0] == pytest.approx(199 / 50)


async def test_float_error_after_long_uptime_does_not_stall() -> None:
    # time.monotonic() reads ~1e6 after 12 days: a refill can land a hair short of a whole token.
    fake = FakeTime(start=1_000_000.123)
    pacer = RatePacer(45, monotonic=fake.monotonic, sleep=fake.sleep)
    for _ in range(500):
        await pacer.acquire()
    assert len(fake.sleeps) == 499
    assert fake.now - 1_000_000.123 == pytest.approx(499 / 45)


async def test_idle_time_refills_only_up_to_the_burst() -> None:
    fake = FakeTime()
    pacer = RatePacer(10, burst=3, monotonic=fake.monotonic, sleep=fake.sleep)
    for _ in range(3):
        await pacer.acquire()
    fake.now += 60  # a long quiet spell
    start = fake.now
    for _ in range(5):
        await pacer.acquire()
    assert fake.now - start == pytest.approx(0.2)  # 3 at once, then 2 at 10/s


async def test_concurrent_waiters_share_the_rate_in_order() -> None:
    fake = FakeTime()
    pacer = RatePacer(20, monotonic=fake.monotonic, sleep=fake.sleep)
    order: list[int] = []
    times: list[float] = []

    async def take(index: int) -> None:
        await pacer.acquire()
        order.append(index)
        times.append(fake.now)

    await asyncio.gather(*(take(index) for index in range(40)))
    assert order == list(range(40))
    assert per_window(times) <= 20
    assert times[-1] - times[0] == pytest.approx(39 / 20)


async def test_a_cancelled_waiter_takes_no_token() -> None:
    pacer = RatePacer(1000, burst=1)
    await pacer.acquire()  # the bucket is now empty
    waiter = asyncio.create_task(pacer.acquire())
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    await asyncio.wait_for(pacer.acquire(), 0.5)


async def test_real_time_30_acquisitions_at_100_per_second() -> None:
    pacer = RatePacer(100, burst=10)
    start = time.monotonic()
    await asyncio.gather(*(pacer.acquire() for _ in range(30)))
    elapsed = time.monotonic() - start
    assert 0.19 <= elapsed < 0.6


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf")])
def test_rejects_a_meaningless_rate(bad: float) -> None:
    with pytest.raises(ValueError, match="rate_per_second"):
        RatePacer(bad)


def test_rejects_an_empty_burst() -> None:
    with pytest.raises(ValueError, match="burst"):
        RatePacer(10, burst=0)


async def test_scheduler_paces_handler_runs(database: Database) -> None:
    clock = ManualClock(T0)
    scheduler = JobScheduler(database, clock, owner="paced", concurrency=8, runs_per_second=40)
    started: list[float] = []

    async def handler(context: JobContext) -> None:
        started.append(time.monotonic())

    scheduler.register("send", handler)
    for index in range(12):
        await scheduler.schedule("send", {"n": index}, T0)
    begin = time.monotonic()
    assert await scheduler.run_due_jobs() == 12
    elapsed = time.monotonic() - begin
    assert len(started) == 12
    # Burst 1 at 40/s: the 12th run starts no sooner than 11/40 s after the first.
    assert started[-1] - started[0] >= 11 / 40 - 0.01
    assert elapsed < 1.0


async def test_scheduler_unpaced_by_default(database: Database) -> None:
    clock = ManualClock(T0)
    scheduler = JobScheduler(database, clock, owner="unpaced")
    assert scheduler.runs_per_second is None
    calls: list[int] = []

    async def handler(context: JobContext) -> None:
        calls.append(context.job_id)

    scheduler.register("send", handler)
    for index in range(12):
        await scheduler.schedule("send", {"n": index}, T0)
    begin = time.monotonic()
    assert await scheduler.run_due_jobs() == 12
    assert time.monotonic() - begin < 11 / 40  # no pacing in the way


def test_scheduler_rejects_a_meaningless_pace(database: Database) -> None:
    with pytest.raises(ValueError, match="runs_per_second"):
        JobScheduler(database, ManualClock(T0), runs_per_second=0)


def test_pacing_caps_a_claim_at_half_a_lease_of_runs(database: Database) -> None:
    # 4 runs per second, 5 s lease: a claim of 50 would keep the last job waiting 12 s, long after
    # its lease ran out; claims shrink to what starts within 2.5 s.
    scheduler = JobScheduler(
        database, ManualClock(T0), batch_size=50, lease=timedelta(seconds=5), runs_per_second=4
    )
    assert scheduler._claim_size == 10
    unpaced = JobScheduler(database, ManualClock(T0), batch_size=50, lease=timedelta(seconds=5))
    assert unpaced._claim_size == 50

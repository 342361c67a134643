"""Several dispatchers on one database: every job runs exactly once."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import textwrap
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from bot.clock import ManualClock
from bot.db import Database
from bot.scheduler.context import JobContext
from bot.scheduler.models import JobState, ScheduledJob
from bot.scheduler.service import JobScheduler

T0 = datetime(2025, 6, 2, 6, 0, tzinfo=UTC)
JOBS = 1000


async def insert_jobs(database: Database, count: int, due_at: datetime) -> None:
    rows = [
        {
            "kind": "tick",
            "payload": {"n": n},
            "due_at": due_at,
            "occurrence_at": due_at,
            "state": JobState.PENDING.value,
            "attempts": 0,
            "timezone": "UTC",
            "created_at": due_at,
            "updated_at": due_at,
            "late": False,
        }
        for n in range(count)
    ]
    async with database.session() as session:
        await session.execute(insert(ScheduledJob), rows)


async def test_two_dispatchers_run_each_of_1000_jobs_once(databases, database: Database) -> None:
    clock = ManualClock(T0)
    await insert_jobs(database, JOBS, T0)
    runs: Counter[int] = Counter()
    by_owner: Counter[str] = Counter()

    def handler_for(owner: str):
        async def handler(context: JobContext) -> None:
            runs[context.job_id] += 1
            by_owner[owner] += 1
            await asyncio.sleep(0)  # let the other dispatcher interleave

        return handler

    dispatchers = []
    for owner in ("a", "b"):
        scheduler = JobScheduler(databases.open(), clock, owner=owner, batch_size=50, concurrency=8)
        scheduler.register("tick", handler_for(owner))
        dispatchers.append(scheduler)

    counts = await asyncio.gather(*(scheduler.dispatch_due() for scheduler in dispatchers))
    assert sum(counts) == JOBS
    assert len(runs) == JOBS
    assert set(runs.values()) == {1}
    assert by_owner["a"] > 0
    assert by_owner["b"] > 0
    async with database.session() as session:
        remaining = (
            await session.scalars(select(ScheduledJob.state).where(ScheduledJob.state != JobState.DONE))
        ).all()
    assert remaining == []


WORKER = textwrap.dedent(
    """
    import asyncio, json, sys
    from datetime import UTC, datetime
    from bot.clock import SystemClock
    from bot.db import Database
    from bot.scheduler.service import JobScheduler

    async def main(url: str, schema: str, owner: str, start_at: float) -> None:
        database = Database(url, connect_args={"server_settings": {"search_path": schema}})
        scheduler = JobScheduler(database, SystemClock(), owner=owner, batch_size=50, concurrency=8)
        ran: list[int] = []

        async def handler(context) -> None:
            ran.append(context.job_id)
            await asyncio.sleep(0)

        scheduler.register("tick", handler)
        # Start together, so the claims really race.
        while datetime.now(UTC).timestamp() < start_at:
            await asyncio.sleep(0.005)
        count = await scheduler.dispatch_due()
        await database.dispose()
        print(json.dumps({"count": count, "ran": ran}))

    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])))
    """
)
PROCESS_JOBS = 900
REPO_ROOT = str(Path(__file__).resolve().parents[2])


@pytest.mark.postgres
@pytest.mark.skipif(not os.environ.get("TEST_POSTGRES_URL"), reason="TEST_POSTGRES_URL is not set")
async def test_three_processes_on_postgres_run_each_job_once(databases, database: Database) -> None:
    """The real thing: separate processes (not just separate engines) racing on SKIP LOCKED."""
    if database.is_sqlite:
        pytest.skip("multi-process scale-out is a PostgreSQL setup")
    schema = databases.engine_kwargs["connect_args"]["server_settings"]["search_path"]
    await insert_jobs(database, PROCESS_JOBS, datetime.now(UTC) - timedelta(seconds=1))
    start_at = datetime.now(UTC).timestamp() + 1.5
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            WORKER,
            databases.url,
            schema,
            f"proc{n}",
            str(start_at),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=REPO_ROOT,
        )
        for n in range(3)
    ]
    outputs = [await worker.communicate() for worker in workers]
    for worker, (_, stderr) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, stderr.decode()
    reports = [json.loads(stdout.decode().strip().splitlines()[-1]) for stdout, _ in outputs]
    runs = Counter(job_id for report in reports for job_id in report["ran"])
    assert sum(report["count"] for report in reports) == PROCESS_JOBS
    assert len(runs) == PROCESS_JOBS
    assert set(runs.values()) == {1}
    assert sum(1 for report in reports if report["ran"]) >= 2
    async with database.session() as session:
        remaining = (
            await session.scalars(select(ScheduledJob.state).where(ScheduledJob.state != JobState.DONE))
        ).all()
    assert remaining == []

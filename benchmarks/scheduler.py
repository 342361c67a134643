"""Benchmark for bot.scheduler: due jobs sent to a local fake Discord, one worker killed mid-run.

    .venv/bin/python benchmarks/scheduler.py                       # SQLite: 10,000 unpaced + 1,500 paced
    .venv/bin/python benchmarks/scheduler.py --database postgres   # the same with 4 worker processes
    .venv/bin/python benchmarks/scheduler.py --quick               # 2,000 unpaced + 500 paced
    .venv/bin/python benchmarks/scheduler.py --paced --jobs 10000  # only the paced run (~4 minutes)

Prints one JSON document. The main process runs a DiscordSandbox (real clock) with one text
channel, creates the schema in a fresh database and bulk-inserts N jobs of kind "bench.send" due
uniformly at random over ``--window-s`` seconds, starting 2 s after the workers are ready. Each
worker is a separate process running a JobScheduler (lease 5 s, batch 50, concurrency 8) whose
handler POSTs ``{"content": "job <id>", "nonce": ctx.nonce, "enforce_nonce": true}`` to the
channel over HTTP, honouring 429s. When 30% of the messages have arrived, the main process
SIGKILLs one worker while it holds leased jobs (a crash between "sent" and "marked done"); the
others take its jobs over when the lease expires. PostgreSQL runs ``--workers`` (4) processes at
once; SQLite, as in production, one: the killed process is replaced by a standby that was started
(imports done) beforehand, so the figures measure the scheduler, not Python's start-up time.

Figures, from the messages the sandbox stored (what a Discord user would see): ``lost`` (jobs
with no message), ``duplicates`` (extra messages for the same job), ``due_to_sent_p50/p99_ms``
(sandbox receive time minus due time), ``throughput_per_s`` (messages / (last receive - first
due): bounded by the offered load, jobs / window), ``peak_messages_per_s`` (most messages in any
sliding second), ``rate_limited_429s`` and ``repeats_absorbed_by_nonce`` (sends the nonce turned
into "return the first message"). In a paced run the sandbox enforces Discord's 50 requests per
second and the workers share 45 per second (``runs_per_second = 45 / workers`` each); the load is
deliberately above that, so latency there is queueing, not a goal.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import random
import secrets
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from multiprocessing.context import SpawnProcess
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
import asyncpg
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url

from bot.clock import SystemClock
from bot.db import Database
from bot.db.migrate import upgrade
from bot.sandbox.sandbox import DiscordSandbox
from bot.scheduler.context import JobContext
from bot.scheduler.models import JobState, ScheduledJob
from bot.scheduler.service import JobScheduler, exponential_backoff

KIND = "bench.send"
CHANNEL = "general"
DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
DISCORD_LIMIT_PER_S = 50
PACED_TOTAL_PER_S = 45.0
LEAD_S = 2.0
KILL_FRACTION = 0.3
LEASE = timedelta(seconds=5)
BATCH_SIZE = 50
CONCURRENCY = 8
MAX_429_RETRIES = 50
TIMELINE_SLICE_S = 5
SPAWN = multiprocessing.get_context("spawn")


@dataclass(frozen=True)
class RunSpec:
    database: str  # "sqlite" or "postgres"
    jobs: int
    window_s: float
    workers: int
    paced: bool
    timeout_s: float


@dataclass(frozen=True)
class WorkerConfig:
    owner: str
    database_url: str
    messages_url: str
    token: str
    runs_per_second: float | None


# ------------------------------------------------------------------------------------------------
# Worker processes


def worker_main(config: WorkerConfig, ready: Event, go: Event, stop: Event) -> None:
    """Entry point of a worker process (multiprocessing spawn)."""
    asyncio.run(_worker(config, ready, go, stop))


async def _send(http: aiohttp.ClientSession, config: WorkerConfig, context: JobContext) -> None:
    body = {"content": f"job {context.job_id}", "nonce": context.nonce, "enforce_nonce": True}
    for _ in range(MAX_429_RETRIES):
        async with http.post(config.messages_url, json=body) as response:
            if response.status == 429:
                answer = await response.json()
                await asyncio.sleep(float(answer.get("retry_after", 1.0)))
                continue
            if response.status >= 400:
                raise RuntimeError(f"message create answered {response.status}: {await response.text()}")
            await response.read()
            return
    raise RuntimeError("still rate limited after many retries")


async def until_set(flag: Event, every: float) -> None:
    """Poll a multiprocessing event. Not ``flag.wait()``: a process killed inside ``wait()`` stays
    counted as a sleeper that never wakes, and the next ``set()`` elsewhere then blocks for ever."""
    parent = multiprocessing.parent_process()
    while not flag.is_set():
        if parent is not None and not parent.is_alive():
            return  # the benchmark died: do not linger
        await asyncio.sleep(every)


async def _worker(config: WorkerConfig, ready: Event, go: Event, stop: Event) -> None:
    database = Database(config.database_url)
    headers = {"Authorization": f"Bot {config.token}"}
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(headers=headers, connector=connector) as http:
        scheduler = JobScheduler(
            database,
            SystemClock(),
            owner=config.owner,
            lease=LEASE,
            batch_size=BATCH_SIZE,
            concurrency=CONCURRENCY,
            backoff=exponential_backoff(timedelta(seconds=1), timedelta(seconds=5)),
            runs_per_second=config.runs_per_second,
        )

        async def handler(context: JobContext) -> None:
            await _send(http, config, context)

        scheduler.register(KIND, handler)
        async with database.session() as session:  # open a pooled connection before the clock runs
            await session.execute(text("SELECT 1"))
        ready.set()
        await until_set(go, 0.005)
        await scheduler.start()
        await until_set(stop, 0.1)
        await scheduler.stop()
    await database.dispose()


@dataclass
class Worker:
    config: WorkerConfig
    process: SpawnProcess
    ready: Event
    go: Event


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a live process (Linux /proc), None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def spawn_worker(config: WorkerConfig, stop: Event) -> Worker:
    ready, go = SPAWN.Event(), SPAWN.Event()
    process = SPAWN.Process(
        target=worker_main, args=(config, ready, go, stop), name=config.owner, daemon=True
    )
    process.start()
    return Worker(config, process, ready, go)


async def wait_ready(workers: list[Worker], timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    for worker in workers:
        while not worker.ready.is_set():
            if not worker.process.is_alive():
                raise RuntimeError(f"worker {worker.config.owner} died while starting")
            if time.monotonic() > deadline:
                raise RuntimeError(f"worker {worker.config.owner} did not start in {timeout_s:g} s")
            await asyncio.sleep(0.05)


# ------------------------------------------------------------------------------------------------
# Databases


@contextlib.asynccontextmanager
async def fresh_database(kind: str, postgres_url: str) -> AsyncIterator[str]:
    """A fresh database URL: a SQLite file in a temporary folder, or a new PostgreSQL database
    (created and dropped like tests/conftest.py does)."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="sched-bench-") as folder:
            yield f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        return
    server = make_url(postgres_url)
    name = f"sisterlib_bench_{secrets.token_hex(4)}"

    async def admin(statement: str) -> None:
        connection = await asyncpg.connect(
            host=server.host,
            port=server.port or 5432,
            user=server.username,
            password=server.password,
            database=server.database,
        )
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    await admin(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def insert_jobs(
    database: Database, count: int, first_due: datetime, window_s: float, guild: int
) -> None:
    """Bulk-insert ``count`` one-off jobs due uniformly at random in [first_due, first_due + window).

    One executemany with every column ``store.schedule`` fills (row by row would take seconds).
    """
    rng = random.Random(20250602)
    now = datetime.now(UTC)
    offsets = sorted(rng.uniform(0.0, window_s) for _ in range(count))
    rows: list[dict[str, Any]] = []
    for n, offset in enumerate(offsets):
        due = first_due + timedelta(seconds=offset)
        rows.append(
            {
                "kind": KIND,
                "payload": {"n": n},
                "due_at": due,
                "occurrence_at": due,
                "rule": None,
                "timezone": "UTC",
                "state": JobState.PENDING.value,
                "attempts": 0,
                "last_error": None,
                "lease_owner": None,
                "lease_expires_at": None,
                "dedupe_key": None,
                "guild_id": guild,
                "created_at": now,
                "updated_at": now,
                "last_run_at": None,
                "late": False,
            }
        )
    async with database.session() as session:
        await session.execute(insert(ScheduledJob), rows)


async def count_states(database: Database) -> dict[str, int]:
    async with database.session() as session:
        rows = (
            await session.execute(select(ScheduledJob.state, func.count()).group_by(ScheduledJob.state))
        ).all()
    return {str(state): int(number) for state, number in rows}


async def leased_by(database: Database, owner: str) -> int:
    async with database.session() as session:
        return int(
            await session.scalar(
                select(func.count()).where(
                    ScheduledJob.state == JobState.RUNNING.value, ScheduledJob.lease_owner == owner
                )
            )
            or 0
        )


# ------------------------------------------------------------------------------------------------
# One run


class SendCounter:
    """Counts messages the sandbox created (a transcript listener)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, line: dict[str, Any]) -> None:
        if line.get("action") == "send":
            self.count += 1


def _load_average() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(fraction * len(sorted_values) + 0.4999)))
    return sorted_values[rank - 1]


def peak_per_window(times: list[float], window: float = 1.0) -> int:
    """The most events in any half-open sliding window of ``window`` seconds."""
    times = sorted(times)
    best = start = 0
    for end, when in enumerate(times):
        while when - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


async def run(spec: RunSpec, postgres_url: str) -> dict[str, Any]:
    started = time.monotonic()
    load_before = _load_average()
    sandbox = DiscordSandbox(SystemClock(), rate_limit_per_s=DISCORD_LIMIT_PER_S if spec.paced else None)
    await sandbox.start()
    guild = sandbox.build_guild({"name": "Bench", "channels": [{"name": CHANNEL}]})
    channel_id = guild.channels[CHANNEL]
    stop = SPAWN.Event()
    workers: list[Worker] = []
    result: dict[str, Any]
    try:
        async with fresh_database(spec.database, postgres_url) as url:
            database = Database(url)
            try:
                await upgrade(database)
                result = await _measure(spec, sandbox, database, url, channel_id, guild.id, stop, workers)
            finally:
                stop.set()
                for worker in workers:
                    worker.go.set()  # a standby that never ran must not wait forever
                for worker in workers:
                    await asyncio.to_thread(worker.process.join, 15)
                    if worker.process.is_alive():
                        worker.process.kill()
                        await asyncio.to_thread(worker.process.join, 5)
                await database.dispose()
    finally:
        await sandbox.stop()
    result["elapsed_s"] = round(time.monotonic() - started, 1)
    # The machine may be shared: a busy machine (load above its CPU count) shows as latency.
    result["load_average_1m"] = {"before": load_before, "after": _load_average()}
    result["sandbox_violations"] = len(sandbox.violations)
    return result


async def _measure(
    spec: RunSpec,
    sandbox: DiscordSandbox,
    database: Database,
    url: str,
    channel_id: int,
    guild_id: int,
    stop: Event,
    workers: list[Worker],
) -> dict[str, Any]:
    sent = SendCounter()
    sandbox.on_line(sent)
    per_worker = PACED_TOTAL_PER_S / spec.workers if spec.paced else None
    messages_url = f"{sandbox.base_url}/channels/{channel_id}/messages"

    def config(name: str) -> WorkerConfig:
        owner = f"bench-{name}-{secrets.token_hex(3)}"
        return WorkerConfig(owner, url, messages_url, sandbox.token, per_worker)

    workers.extend(spawn_worker(config(f"w{index}"), stop) for index in range(spec.workers))
    # SQLite runs one process: a standby replaces the one that gets killed.
    standby = spawn_worker(config("standby"), stop) if spec.database == "sqlite" else None
    if standby is not None:
        workers.append(standby)
    await wait_ready(workers)
    active = [worker for worker in workers if worker is not standby]
    victim = active[0]

    first_due = datetime.now(UTC) + timedelta(seconds=LEAD_S)
    inserting = time.monotonic()
    await insert_jobs(database, spec.jobs, first_due, spec.window_s, guild_id)
    insert_s = round(time.monotonic() - inserting, 2)  # must stay well under LEAD_S
    # CPU from here on: start-up (imports) is not the scheduler's work.
    cpu_at_go = {worker.config.owner: cpu_seconds(worker.process.pid or 0) for worker in workers}
    cpu_at_start = time.process_time()
    for worker in active:
        worker.go.set()

    kill_at = max(1, int(KILL_FRACTION * spec.jobs))
    cpu_used: dict[str, float | None] = {}
    killed: dict[str, Any] = {}
    deadline = time.monotonic() + spec.timeout_s
    counts: dict[str, int] = {}
    next_db_check = 0.0
    while time.monotonic() < deadline:
        await asyncio.sleep(0.01)
        if not killed and sent.count >= kill_at:
            # Kill it mid-batch: while it holds leased jobs (some already sent, not yet marked).
            waited_until = time.monotonic() + 2.0
            held = await leased_by(database, victim.config.owner)
            while held == 0 and time.monotonic() < waited_until:
                await asyncio.sleep(0.002)
                held = await leased_by(database, victim.config.owner)
            cpu_used = {victim.config.owner: cpu_seconds(victim.process.pid or 0)}
            victim.process.kill()
            killed_at = datetime.now(UTC)
            await asyncio.to_thread(victim.process.join, 5)
            if standby is not None:
                standby.go.set()
            killed = {
                "killed_worker": victim.config.owner,
                "killed_after_messages": sent.count,
                "killed_at_s_after_first_due": round((killed_at - first_due).total_seconds(), 2),
                "leases_orphaned_by_kill": await leased_by(database, victim.config.owner),
            }
        if killed and time.monotonic() >= next_db_check:
            next_db_check = time.monotonic() + 0.5
            counts = await count_states(database)
            if counts.get(JobState.PENDING.value, 0) + counts.get(JobState.RUNNING.value, 0) == 0:
                break
    finished = counts.get(JobState.PENDING.value, 0) + counts.get(JobState.RUNNING.value, 0) == 0
    await asyncio.sleep(0.2)  # let the last in-flight replies land
    cpu_used.update(
        (worker.config.owner, cpu_seconds(worker.process.pid or 0))
        for worker in workers
        if worker.process.is_alive()
    )
    cpu: dict[str, float | None] = {"main_and_sandbox": round(time.process_time() - cpu_at_start, 1)}
    for owner, used in cpu_used.items():
        before = cpu_at_go.get(owner)
        cpu[owner] = None if used is None or before is None else round(used - before, 1)

    async with database.session() as session:
        due = {
            row.id: row.occurrence_at
            for row in (await session.execute(select(ScheduledJob.id, ScheduledJob.occurrence_at))).all()
        }
    messages = sandbox.messages(CHANNEL)
    per_job: Counter[int] = Counter()
    first_seen: dict[int, datetime] = {}
    for message in messages:
        job_id = int(message.content.removeprefix("job "))
        per_job[job_id] += 1
        first_seen.setdefault(job_id, message.created_at)
    latencies = sorted(
        (first_seen[job_id] - due_at).total_seconds() * 1000.0
        for job_id, due_at in due.items()
        if job_id in first_seen
    )
    received = sorted(message.created_at.timestamp() for message in messages)
    first_due_at = min(due.values())
    # Latency by when jobs came due (5-second slices): shows a backlog building or the kill.
    slices: dict[int, list[float]] = {}
    for job_id, due_at in due.items():
        if job_id in first_seen:
            offset = int((due_at - first_due_at).total_seconds() // TIMELINE_SLICE_S)
            slices.setdefault(offset, []).append((first_seen[job_id] - due_at).total_seconds() * 1000.0)
    timeline = [
        {
            "due_from_s": index * TIMELINE_SLICE_S,
            "jobs": len(values),
            "p50_ms": round(percentile(sorted(values), 0.50)),
            "p99_ms": round(percentile(sorted(values), 0.99)),
        }
        for index, values in sorted(slices.items())
    ]
    span = (max(message.created_at for message in messages) - first_due_at).total_seconds()
    posts = sum(
        1
        for method, template in sandbox.rest.requests
        if method == "POST" and template == "/channels/{channel_id}/messages"
    )
    over_1s = sum(1 for latency in latencies if latency > 1000.0)
    return {
        "database": spec.database,
        "workers": spec.workers,
        "processes_at_once": 1 if spec.database == "sqlite" else spec.workers,
        "jobs": spec.jobs,
        "window_s": spec.window_s,
        "offered_per_s": round(spec.jobs / spec.window_s, 1),
        "paced": spec.paced,
        "runs_per_second_per_worker": per_worker,
        "sandbox_limit_per_s": DISCORD_LIMIT_PER_S if spec.paced else None,
        "insert_s": insert_s,
        "finished": finished,
        "final_states": counts,
        "lost": sum(1 for job_id in due if job_id not in per_job),
        "duplicates": sum(count - 1 for count in per_job.values() if count > 1),
        "messages": len(messages),
        "message_create_requests": posts,
        "rate_limited_429s": sandbox.rate_limited,
        "repeats_absorbed_by_nonce": posts - sandbox.rate_limited - len(messages),
        "throughput_per_s": round(len(messages) / span, 1) if span > 0 else None,
        "due_to_sent_p50_ms": round(percentile(latencies, 0.50), 1),
        "due_to_sent_p99_ms": round(percentile(latencies, 0.99), 1),
        "due_to_sent_max_ms": round(latencies[-1], 1) if latencies else None,
        "sent_over_1s_late": over_1s,
        "peak_messages_per_s": peak_per_window(received),
        "cpu_s": cpu,
        **killed,
        "timeline": timeline,
    }


# ------------------------------------------------------------------------------------------------
# Command line


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="server to create a throw-away database on (default: $TEST_POSTGRES_URL or %(default)s)",
    )
    parser.add_argument("--jobs", type=int, help="jobs per run (default 10,000 unpaced, 1,500 paced)")
    parser.add_argument("--workers", type=int, default=4, help="worker processes on PostgreSQL")
    parser.add_argument("--window-s", type=float, help="due times spread over this many seconds")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--paced", action="store_true", help="only the paced run (sandbox enforces 50/s)")
    mode.add_argument("--unpaced", action="store_true", help="only the unpaced run")
    parser.add_argument("--quick", action="store_true", help="2,000 jobs unpaced, 500 paced")
    return parser.parse_args(argv)


def plan(args: argparse.Namespace) -> list[RunSpec]:
    workers = 1 if args.database == "sqlite" else args.workers
    unpaced_jobs, unpaced_window = (2_000, 10.0) if args.quick else (10_000, 30.0)
    paced_jobs, paced_window = (500, 5.0) if args.quick else (1_500, 10.0)
    runs: list[RunSpec] = []
    if not args.paced:
        runs.append(RunSpec(args.database, unpaced_jobs, unpaced_window, workers, False, 0.0))
    if not args.unpaced:
        runs.append(RunSpec(args.database, paced_jobs, paced_window, workers, True, 0.0))
    sized: list[RunSpec] = []
    for spec in runs:
        jobs = args.jobs or spec.jobs
        window = args.window_s or spec.window_s
        # Enough for the window, the drain at the paced rate, the lease of the killed worker.
        drain = jobs / PACED_TOTAL_PER_S if spec.paced else jobs / 100.0
        sized.append(replace(spec, jobs=jobs, window_s=window, timeout_s=window + drain + 120.0))
    return sized


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    results = [await run(spec, args.postgres_url) for spec in plan(args)]
    report: dict[str, Any] = {
        "benchmark": "scheduler",
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "goal": "0 lost, 0 duplicates, p99 < 1000 ms unpaced, paced runs without 429s and <= 50/s",
    }
    for result in results:
        report["paced" if result["paced"] else "unpaced"] = result
    return report


def main() -> None:
    report = asyncio.run(main_async(parse_args()))
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

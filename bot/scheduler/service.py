"""The job scheduler: the database holds every job; APScheduler only wakes us up.

Flow: ``start()`` catches up on anything that came due while the bot was down, then arms one
APScheduler DateTrigger at the next due time (plus a slow safety poll, which also notices jobs
other processes created). Each wake-up runs ``dispatch_due()``: claim due rows in batches under a
lease, run their handlers, record the outcome, and re-arm. Several processes can share one
PostgreSQL database; the claim (``FOR UPDATE SKIP LOCKED``) and the fenced lease make each run
happen once, and the per-occurrence nonce covers the one gap left (a crash between sending to
Discord and marking the job done).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock, ManualClock
from bot.db import Database
from bot.scheduler import store
from bot.scheduler.context import Handler, JobContext, JobDeferred, PermanentJobError, job_nonce
from bot.scheduler.models import JobState, ScheduledJob
from bot.scheduler.pacing import RatePacer
from bot.scheduler.recurrence import RecurrenceError, next_occurrence
from bot.scheduler.store import ClaimedJob, Completion

__all__ = ["JobScheduler", "default_owner", "exponential_backoff"]

log = logging.getLogger(__name__)
_T = TypeVar("_T")

_WAKE_JOB = "scheduler-wake"
_POLL_JOB = "scheduler-safety-poll"
# Guards ``advance`` against a job that keeps itself due forever.
_MAX_ADVANCE_STEPS = 100_000

_Write = Callable[[AsyncSession], Awaitable[Any]] | Completion


def exponential_backoff(
    base: timedelta = timedelta(seconds=30), cap: timedelta = timedelta(hours=1)
) -> Callable[[int], timedelta]:
    """Delay before the next attempt after ``attempt`` failed ones: base * 2^(attempt-1), capped."""

    def delay(attempt: int) -> timedelta:
        return min(cap, base * (1 << max(0, min(attempt - 1, 30))))

    return delay


def default_owner() -> str:
    """A lease owner name unique to this process (host, pid, and a random part for restarts)."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{secrets.token_hex(4)}"


@dataclass(frozen=True, slots=True)
class _Registration:
    handler: Handler
    max_lateness: timedelta | None
    timeout: timedelta | None


class JobScheduler:
    """Runs jobs from ``scheduled_jobs`` at their due time, exactly once across processes.

    ``owner`` must be unique per running process (see :func:`default_owner`); two processes with
    the same owner could complete each other's runs.
    """

    def __init__(
        self,
        database: Database,
        clock: Clock,
        *,
        owner: str | None = None,
        batch_size: int = 50,
        lease: timedelta = timedelta(minutes=2),
        max_attempts: int = 5,
        backoff: Callable[[int], timedelta] | None = None,
        safety_poll: timedelta = timedelta(seconds=30),
        concurrency: int = 8,
        late_after: timedelta = timedelta(minutes=1),
        runs_per_second: float | None = None,
    ) -> None:
        """``runs_per_second``: start at most this many handler runs per second in this process
        (None: unpaced). Discord allows a bot 50 requests per second in all; with several
        processes give each its share, ``limit / processes`` (less some headroom). Pacing also
        caps each claim at what can start within half a lease, so claimed jobs waiting for their
        turn are not mistaken for a dead worker's.
        """
        if batch_size < 1 or concurrency < 1 or max_attempts < 1:
            raise ValueError("batch_size, concurrency and max_attempts must be at least 1")
        if lease <= timedelta(0) or safety_poll <= timedelta(0):
            raise ValueError("lease and safety_poll must be positive")
        if runs_per_second is not None and not runs_per_second > 0:
            raise ValueError("runs_per_second must be positive (or None for no pacing)")
        self.database = database
        self.clock = clock
        self.owner = owner or default_owner()
        self.batch_size = batch_size
        self.lease = lease
        self.max_attempts = max_attempts
        self.backoff = backoff or exponential_backoff()
        self.safety_poll = safety_poll
        self.late_after = late_after
        self._concurrency = concurrency
        self.runs_per_second = runs_per_second
        self._pacer = RatePacer(runs_per_second) if runs_per_second is not None else None
        self._claim_size = batch_size
        if runs_per_second is not None:
            self._claim_size = max(1, min(batch_size, int(runs_per_second * lease.total_seconds() / 2)))
        self._handlers: dict[str, _Registration] = {}
        self._dispatch_lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._scheduler: AsyncIOScheduler | None = None
        self._runner: asyncio.Task[None] | None = None
        self._armed_for: datetime | None = None
        self._notified: datetime | None = None
        self._stopping = False
        self._write_lock = asyncio.Lock()
        self._pending_writes: list[tuple[_Write, asyncio.Future[Any]]] = []
        # The next due time learnt by the last dispatch (from its last claim's snapshot), so that
        # the re-arm after it needs no query of its own; None: re-arm queries.
        self._next_due_hint: tuple[datetime | None] | None = None

    # ----------------------------------------------------------------------------------------
    # Registration and lifecycle

    def register(
        self,
        kind: str,
        handler: Handler,
        *,
        max_lateness: timedelta | None = None,
        timeout: timedelta | None = None,
    ) -> None:
        """Run ``handler`` for jobs of ``kind``.

        ``max_lateness``: a run later than this after its occurrence is pointless (a "round starts
        now" message a day late): a one-off job is marked expired, a recurring one skips to its
        next occurrence, and the handler is not called. ``timeout`` (real time) turns a hung
        handler into a failed attempt; without it a hung handler keeps its lease alive forever.
        """
        if not kind or len(kind) > 64:
            raise ValueError("kind must be 1 to 64 characters")
        if kind in self._handlers:
            raise ValueError(f"a handler for {kind!r} is already registered")
        self._handlers[kind] = _Registration(handler, max_lateness, timeout)

    @property
    def running(self) -> bool:
        return self._scheduler is not None

    async def start(self) -> None:
        """Catch up on jobs that came due while down, then keep waking up at each due time.

        Awaits the catch-up run, so call it once handlers can do their work (for a Discord bot:
        once it is ready, since handlers need the guild cache). Calling it again is a no-op.
        """
        if self._scheduler is not None:
            return
        self._stopping = False
        scheduler = AsyncIOScheduler(timezone=UTC, event_loop=asyncio.get_running_loop())
        scheduler.add_job(
            self._on_wake,
            IntervalTrigger(seconds=self.safety_poll.total_seconds(), timezone=UTC),
            id=_POLL_JOB,
            coalesce=True,
            misfire_grace_time=None,
        )
        scheduler.start()
        self._scheduler = scheduler
        self._runner = asyncio.create_task(self._run_forever(), name=f"job-scheduler:{self.owner}")
        try:
            await self.dispatch_due()
            await self._rearm()
        except Exception:
            # Not fatal: the runner tries again at the next safety poll.
            log.exception("scheduler %s: catching up on start failed; retrying at the next poll", self.owner)

    async def stop(self, grace: timedelta = timedelta(seconds=10)) -> None:
        """Stop waking up; let a dispatch in progress finish (up to ``grace``, real time).

        Claimed jobs that have not started are handed back. Handlers still running after that
        are cancelled; their leases expire and another process (or the next start) runs
        them again, with the same nonce.
        """
        self._stopping = True
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        self._armed_for = None
        try:
            await asyncio.wait_for(self._dispatch_lock.acquire(), grace.total_seconds())
        except TimeoutError:
            log.warning("scheduler %s: handlers still running after %s, cancelling them", self.owner, grace)
        else:
            self._dispatch_lock.release()
        runner, self._runner = self._runner, None
        if runner is not None:
            runner.cancel()
            await asyncio.wait([runner])

    async def _on_wake(self) -> None:
        # Called by APScheduler on the event loop; the runner task does the work so that a slow
        # dispatch never piles up APScheduler job instances.
        self._wake.set()

    async def _run_forever(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self.dispatch_due()
                await self._rearm()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("scheduler %s: dispatch failed; retrying at the next poll", self.owner)
                self._armed_for = None

    async def _rearm(self) -> None:
        hint, self._next_due_hint = self._next_due_hint, None
        if self._scheduler is None:
            return
        if hint is not None:
            # The dispatch just read it, in its last claim's transaction, after resetting
            # ``_notified``; every due time made known since (notify(), our own retries and
            # next occurrences) is in ``_notified``.
            (due,) = hint
        else:
            # A notify() that lands while we read may concern a job committed after our snapshot:
            # remember it and take it into account, or the wake-up armed below could be too late.
            self._notified = None
            async with self.database.session() as session:
                due = await store.next_due_at(session)
        if self._notified is not None and (due is None or self._notified < due):
            due = self._notified
        self._arm(due)

    def _arm(self, due: datetime | None) -> None:
        scheduler = self._scheduler
        if scheduler is None:
            return
        if due is None:
            with contextlib.suppress(Exception):
                scheduler.remove_job(_WAKE_JOB)
            self._armed_for = None
            return
        # The due time is on the injected clock; APScheduler sleeps in real time. Convert through
        # the delay: with a ManualClock the sandbox calls run_due_jobs itself, and a real-time
        # wake-up then finds nothing to do, which is harmless.
        delay = max(timedelta(0), due - self.clock.now())
        scheduler.add_job(
            self._on_wake,
            DateTrigger(run_date=datetime.now(UTC) + delay, timezone=UTC),
            id=_WAKE_JOB,
            replace_existing=True,
            misfire_grace_time=None,
            coalesce=True,
        )
        self._armed_for = due

    async def notify(self, due_at: datetime) -> None:
        """Tell the scheduler a job due at ``due_at`` was created elsewhere (e.g. by a cog through
        ``store.schedule`` in its own transaction), so it wakes up in time. Call after commit.
        Without it the safety poll still finds the job, up to ``safety_poll`` late."""
        self._note_due(due_at)
        if self._armed_for is None or due_at < self._armed_for:
            self._arm(due_at)

    def _note_due(self, due_at: datetime) -> None:
        """Remember a due time that the next re-arm must not miss (see ``_rearm``)."""
        if self._notified is None or due_at < self._notified:
            self._notified = due_at

    # ----------------------------------------------------------------------------------------
    # Public operations

    async def schedule(
        self,
        kind: str,
        payload: dict[str, Any],
        due_at: datetime | None = None,
        *,
        rule: str | None = None,
        timezone: str = "UTC",
        dedupe_key: str | None = None,
        guild_id: int | None = None,
    ) -> ScheduledJob | None:
        """Create a job in its own transaction and wake up in time for it.

        A recurring job without ``due_at`` starts at the rule's next occurrence after now. With an
        existing ``dedupe_key`` nothing changes and the existing job is returned.
        """
        now = self.clock.now()
        if due_at is None:
            if rule is None:
                raise ValueError("a job needs a due time, a rule, or both")
            due_at = next_occurrence(rule, timezone, now)
        async with self.database.session() as session:
            job = await store.schedule(
                session,
                kind,
                payload,
                due_at,
                now=now,
                rule=rule,
                timezone=timezone,
                dedupe_key=dedupe_key,
                guild_id=guild_id,
            )
        if job is not None and job.state == JobState.PENDING:
            await self.notify(job.due_at)
        return job

    async def cancel(self, dedupe_key: str) -> bool:
        async with self.database.session() as session:
            return await store.cancel(session, dedupe_key, now=self.clock.now())

    async def failed_jobs(self, guild_id: int | None, *, limit: int = 50) -> Sequence[ScheduledJob]:
        async with self.database.session() as session:
            return await store.failed_jobs(session, guild_id, limit=limit)

    async def retry_failed(self, job_id: int, *, guild_id: int | None) -> ScheduledJob | None:
        async with self.database.session() as session:
            job = await store.retry_failed(session, job_id, guild_id=guild_id, now=self.clock.now())
        if job is not None:
            await self.notify(job.due_at)
        return job

    async def next_due_at(self) -> datetime | None:
        async with self.database.session() as session:
            return await store.next_due_at(session)

    async def run_due_jobs(self) -> int:
        """Run everything due on the clock now (the sandbox calls this after moving its clock)."""
        count = await self.dispatch_due()
        await self._rearm()
        return count

    async def advance(self, clock: ManualClock, delta: timedelta) -> int:
        """Move a manual clock forward by ``delta``, stopping at each due time on the way to run
        what is due, so every job runs on time and every occurrence of a recurring job fires (as
        they would have in real time). Returns the number of handler runs."""
        if clock is not self.clock:
            raise ValueError("advance needs the scheduler's own clock")
        if self._stopping:
            raise RuntimeError("the scheduler is stopped: start it (again) before advancing its clock")
        target = clock.now() + delta
        total = await self.dispatch_due()
        for _ in range(_MAX_ADVANCE_STEPS):
            due = await self.next_due_at()
            if due is None or due > target:
                break
            if due > clock.now():
                clock.set(due)
            total += await self.dispatch_due()
        else:
            raise RuntimeError("jobs keep coming due: a handler may be rescheduling itself without end")
        if target > clock.now():
            clock.set(target)
        total += await self.dispatch_due()
        await self._rearm()
        return total

    async def dispatch_due(self) -> int:
        """Claim and run every job due now, batch after batch, until none is left.

        Returns the number of handler runs (expired, skipped and unknown-kind jobs are settled
        without one). Within a batch up to ``concurrency`` handlers run at once.
        """
        total = 0
        self._next_due_hint = None
        async with self._dispatch_lock:
            semaphore = asyncio.Semaphore(self._concurrency)
            # Once an outcome could not be recorded, a job may stay leased by us: leave the next
            # due time to a fresh query by the re-arm (our own leases are not in the snapshot).
            trusted = True
            while not self._stopping:
                # A claim that takes fewer jobs than it may has taken everything due: in the same
                # transaction read when the next thing comes due, instead of claiming again (to
                # find nothing) and then querying for the re-arm. Due times made known while the
                # batch runs are collected in ``_notified`` from here on.
                self._notified = None
                due: datetime | None = None
                async with self.database.session() as session:
                    claimed = await store.claim_due(
                        session, self.owner, self.clock.now(), self._claim_size, self.lease
                    )
                    short = len(claimed) < self._claim_size
                    if short:
                        due = await store.next_due_at(session, ignore_owner=self.owner)
                if not claimed:
                    if trusted:
                        self._next_due_hint = (self._earliest(due),)
                    break
                results = await asyncio.gather(
                    *(self._run_claimed(job, semaphore) for job in claimed), return_exceptions=True
                )
                for job, result in zip(claimed, results, strict=True):
                    if isinstance(result, BaseException):
                        trusted = False
                    if isinstance(result, asyncio.CancelledError):
                        # The handler raised CancelledError without this dispatch being cancelled
                        # (our own cancellation makes gather raise instead). Treat it like a
                        # worker that died mid-run: the lease runs out and the job is retried.
                        log.error("job %s: handler was cancelled mid-run; retrying after its lease", job.id)
                    elif isinstance(result, BaseException):
                        # Recording the outcome failed (database trouble): the lease runs out and
                        # the job is claimed again; the nonce keeps Discord from seeing it twice.
                        log.error("job %s: could not record its outcome", job.id, exc_info=result)
                    elif result:
                        total += 1
                if short and trusted:
                    due = self._earliest(due)
                    if due is None or due > self.clock.now():
                        self._next_due_hint = (due,)
                        break
        return total

    def _earliest(self, due: datetime | None) -> datetime | None:
        notified = self._notified
        if notified is not None and (due is None or notified < due):
            return notified
        return due

    # ----------------------------------------------------------------------------------------
    # Running one job

    async def _run_claimed(self, job: ClaimedJob, semaphore: asyncio.Semaphore) -> bool:
        async with semaphore:
            if self._stopping:
                now = self.clock.now()
                self._note_due(job.due_at)
                await self._record(lambda session: store.release(session, job, owner=self.owner, now=now))
                return False
            return await self._run_one(job)

    async def _run_one(self, job: ClaimedJob) -> bool:
        now = self.clock.now()
        registration = self._handlers.get(job.kind)
        if registration is None:
            await self._park(job, now, f"no handler is registered for job kind {job.kind!r}")
            return False
        if job.attempts > self.max_attempts:
            # Only a worker dying mid-run gets here (failed runs are parked at max_attempts): do
            # not let a job that kills its worker take down every worker in turn.
            await self._park(
                job, now, f"abandoned {job.attempts - 1} times without finishing (lease expired)"
            )
            return False
        lateness = now - job.occurrence_at
        if registration.max_lateness is not None and lateness > registration.max_lateness:
            await self._too_late(job, now, lateness, registration.max_lateness)
            return False
        late = lateness > self.late_after
        error: BaseException | None = None
        deferred: JobDeferred | None = None
        heartbeat = asyncio.create_task(self._keep_lease(job), name=f"lease:{job.id}")
        try:
            if self._pacer is not None:
                # Under the lease heartbeat: a long wait for a slot does not lose the job.
                await self._pacer.acquire()
                now = self.clock.now()
                late = now - job.occurrence_at > self.late_after
            context = JobContext(
                job_id=job.id,
                kind=job.kind,
                payload=dict(job.payload or {}),
                due_at=job.occurrence_at,
                late=late,
                nonce=job_nonce(job.id, job.occurrence_at),
                attempt=job.attempts,
                now=now,
                guild_id=job.guild_id,
                rule=job.rule,
                timezone=job.timezone,
            )
            if registration.timeout is None:
                await registration.handler(context)
            else:
                await asyncio.wait_for(registration.handler(context), registration.timeout.total_seconds())
        except JobDeferred as postponed:
            deferred = postponed
        except Exception as caught:
            error = caught
        finally:
            # Stop extending the lease before recording the outcome; never swallow our own
            # cancellation while waiting for the heartbeat to end.
            heartbeat.cancel()
            await asyncio.wait([heartbeat])

        finished = self.clock.now()
        if deferred is not None:
            await self._defer(job, finished, deferred)
            return False
        if error is not None:
            await self._record_failure(job, finished, error)
            return True
        next_due: datetime | None = None
        if job.rule is not None:
            try:
                next_due = next_occurrence(
                    job.rule, job.timezone, max(finished, job.occurrence_at), anchor=job.occurrence_at
                )
            except RecurrenceError as problem:
                await self._park(job, finished, f"ran, but its rule cannot be evaluated: {problem}")
                return True
        if next_due is None:
            # One-off jobs, the common case: recorded with the others of the group in one statement.
            ours = await self._record(Completion(job.id, job.attempts, finished, late))
        else:
            self._note_due(next_due)
            ours = await self._record(
                lambda session: store.complete(
                    session, job, owner=self.owner, now=finished, late=late, next_due=next_due
                )
            )
        if not ours:
            log.warning("job %s ran but was no longer ours (lease reclaimed or job cancelled)", job.id)
        return True

    async def _record_failure(self, job: ClaimedJob, now: datetime, error: BaseException) -> None:
        permanent = isinstance(error, PermanentJobError)
        message = f"{type(error).__name__}: {error}"
        if isinstance(error, TimeoutError):
            message = "TimeoutError: the handler did not finish within its timeout"
        log.error(
            "job %s (%s) attempt %s failed: %s", job.id, job.kind, job.attempts, message, exc_info=error
        )
        state = await self._record(
            lambda session: store.fail_or_retry(
                session,
                job,
                owner=self.owner,
                now=now,
                error=message,
                max_attempts=self.max_attempts,
                backoff=self.backoff,
                permanent=permanent,
            )
        )
        if state is JobState.PENDING:
            self._note_due(now + self.backoff(job.attempts))
        if state is JobState.FAILED:
            log.error("job %s (%s) parked as failed after %s attempt(s)", job.id, job.kind, job.attempts)
        elif state is None:
            log.warning("job %s failed but was no longer ours (lease reclaimed or job cancelled)", job.id)

    async def _defer(self, job: ClaimedJob, now: datetime, deferred: JobDeferred) -> None:
        until = max(deferred.until, now)
        log.info("job %s (%s) deferred until %s: %s", job.id, job.kind, until.isoformat(), deferred.reason)
        ours = await self._record(
            lambda session: store.defer(
                session, job, owner=self.owner, now=now, until=until, reason=deferred.reason
            )
        )
        if ours:
            self._note_due(until)

    async def _park(self, job: ClaimedJob, now: datetime, reason: str) -> None:
        log.error("job %s (%s) parked as failed: %s", job.id, job.kind, reason)
        await self._record(
            lambda session: store.fail_or_retry(
                session,
                job,
                owner=self.owner,
                now=now,
                error=reason,
                max_attempts=self.max_attempts,
                backoff=self.backoff,
                permanent=True,
            )
        )

    async def _too_late(self, job: ClaimedJob, now: datetime, lateness: timedelta, limit: timedelta) -> None:
        if job.rule is None:
            reason = f"came due {lateness} ago; kind {job.kind!r} allows at most {limit}"
            log.warning("job %s expired without running: %s", job.id, reason)
            await self._record(
                lambda session: store.expire(session, job, owner=self.owner, now=now, reason=reason)
            )
            return
        try:
            next_due = next_occurrence(job.rule, job.timezone, now, anchor=job.occurrence_at)
        except RecurrenceError as problem:
            await self._park(job, now, f"its rule cannot be evaluated: {problem}")
            return
        log.warning(
            "job %s skipped its occurrence at %s (%s late); next at %s",
            job.id,
            job.occurrence_at.isoformat(),
            lateness,
            next_due.isoformat(),
        )
        self._note_due(next_due)
        await self._record(
            lambda session: store.skip_to(session, job, owner=self.owner, now=now, next_due=next_due)
        )

    async def _record(self, write: Callable[[AsyncSession], Awaitable[_T]] | Completion) -> _T:
        """Run one outcome write, grouped with the others waiting at the same moment.

        Commit is the expensive part of recording an outcome (an fsync on PostgreSQL; on SQLite,
        writers from one process queueing on the file lock sleep in the busy handler). The first
        caller to get the lock commits every write queued so far in one transaction; callers whose
        write was committed meanwhile just collect their result. Writes are independent single-row
        updates fenced by the lease, so grouping them changes nothing but the cost. A
        :class:`Completion` (a one-off job done) is recorded with the group's others in one
        set-based statement, each row still fenced by its own lease token; its result is whether
        it applied.
        """
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        # A caller cancelled while queued never reads its future: retrieve the exception here so
        # asyncio does not log "exception was never retrieved".
        future.add_done_callback(lambda done: done.cancelled() or done.exception())
        self._pending_writes.append((write, future))
        async with self._write_lock:
            if not future.done():
                group, self._pending_writes = self._pending_writes, []
                try:
                    async with self.database.session() as session:
                        results = await self._write_group(session, [pending for pending, _ in group])
                except BaseException as problem:
                    # Nothing of the group was recorded: every caller hears about it (their leases
                    # run out and the jobs are claimed again).
                    failure = problem if isinstance(problem, Exception) else RuntimeError("write interrupted")
                    for _, waiting in group:
                        if not waiting.done():
                            waiting.set_exception(failure)
                    raise
                for (_, waiting), outcome in zip(group, results, strict=True):
                    waiting.set_result(outcome)
        return cast(_T, await future)

    async def _write_group(self, session: AsyncSession, writes: list[_Write]) -> list[Any]:
        completions: dict[int, Completion] = {}
        for write in writes:
            if isinstance(write, Completion):
                completions.setdefault(write.job_id, write)
        updated = await store.complete_many(session, list(completions.values()), owner=self.owner)
        results: list[Any] = []
        for write in writes:
            if not isinstance(write, Completion):
                results.append(await write(session))
            elif completions[write.job_id] is write:
                results.append(write.job_id in updated)
            else:
                # The same job twice in a group (not expected): the repeat is refused, as a second
                # fenced write of an already finished run would be.
                results.append(False)
        return results

    async def _keep_lease(self, job: ClaimedJob) -> None:
        # Renew well before expiry so a long handler (a pairing round posting to hundreds of
        # threads) is not mistaken for a dead worker and run a second time.
        period = self.lease.total_seconds() / 3
        while True:
            await asyncio.sleep(period)
            try:
                async with self.database.session() as session:
                    ours = await store.extend_lease(
                        session, job, owner=self.owner, until=self.clock.now() + self.lease
                    )
            except Exception:
                log.exception("job %s: could not extend its lease", job.id)
                continue
            if not ours:
                log.warning("job %s: lease lost while running (reclaimed or cancelled)", job.id)
                return

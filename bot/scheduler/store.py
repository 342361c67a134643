"""Repository functions over ``scheduled_jobs``. Each takes the caller's session: the caller owns
the transaction, so a cog can create a round and its jobs atomically.

Lease protocol. ``claim_due`` moves due rows to ``running`` under a lease and adds one to
``attempts``; that new ``attempts`` value is the lease's fencing token. Every later write about the
run (``complete``, ``fail_or_retry``, ``expire``, ``skip_to``, ``release``, ``extend_lease``) only
applies ``WHERE id = :id AND state = 'running' AND lease_owner = :me AND attempts = :token``, so a
worker whose lease expired and was reclaimed (or whose job was cancelled) cannot overwrite the
newer state. They return False when that happened.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.scheduler.models import JobState, ScheduledJob
from bot.scheduler.recurrence import get_zone, parse_rule

__all__ = [
    "MAX_ERROR_LENGTH",
    "cancel",
    "cancel_job",
    "claim_due",
    "complete",
    "expire",
    "extend_lease",
    "fail_or_retry",
    "failed_jobs",
    "get_by_dedupe_key",
    "get_job",
    "next_due_at",
    "release",
    "retry_failed",
    "schedule",
    "skip_to",
    "upcoming_jobs",
]

MAX_ERROR_LENGTH = 2000
_ACTIVE = (JobState.PENDING, JobState.RUNNING, JobState.FAILED)


def _aware(when: datetime, name: str) -> datetime:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return when.astimezone(UTC)


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def _guild_is(guild_id: int | None) -> ColumnElement[bool]:
    # None means "jobs that belong to no server" (e.g. personal DM reminders), never "all servers":
    # a DM context passing guild_id=None must not see every server's jobs.
    if guild_id is None:
        return ScheduledJob.guild_id.is_(None)
    return ScheduledJob.guild_id == guild_id


# --------------------------------------------------------------------------------------------
# Creating and cancelling


async def schedule(
    session: AsyncSession,
    kind: str,
    payload: dict[str, Any],
    due_at: datetime,
    *,
    now: datetime,
    rule: str | None = None,
    timezone: str = "UTC",
    dedupe_key: str | None = None,
    guild_id: int | None = None,
) -> ScheduledJob | None:
    """Insert a job due at ``due_at`` (its first occurrence, for a recurring job).

    With a ``dedupe_key`` that already exists this is a no-op that returns the existing job (even
    if its kind or payload differ; the first one wins). ``rule`` is stored in canonical form and
    ``timezone`` is checked, both raising :class:`RecurrenceError` when invalid. Returns None only
    if a conflicting job vanished before it could be read back (cancelled concurrently).
    """
    due_at = _aware(due_at, "due_at")
    now = _aware(now, "now")
    if not kind or len(kind) > 64:
        raise ValueError("kind must be 1 to 64 characters")
    get_zone(timezone)
    rule_text = parse_rule(rule).text if rule is not None else None
    values: dict[str, Any] = {
        "kind": kind,
        "payload": payload,
        "due_at": due_at,
        "occurrence_at": due_at,
        "rule": rule_text,
        "timezone": timezone,
        "state": JobState.PENDING.value,
        "attempts": 0,
        "dedupe_key": dedupe_key,
        "guild_id": guild_id,
        "created_at": now,
        "updated_at": now,
        "late": False,
    }
    if dedupe_key is None:
        job = ScheduledJob(**values)
        session.add(job)
        await session.flush()
        return job
    insert = postgresql.insert if _dialect(session) == "postgresql" else sqlite.insert
    statement = (
        insert(ScheduledJob)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[ScheduledJob.dedupe_key])
        .returning(ScheduledJob)
    )
    created = (await session.scalars(statement)).one_or_none()
    if created is not None:
        return created
    return await get_by_dedupe_key(session, dedupe_key)


async def get_job(session: AsyncSession, job_id: int) -> ScheduledJob | None:
    return await session.get(ScheduledJob, job_id, populate_existing=True)


async def get_by_dedupe_key(session: AsyncSession, dedupe_key: str) -> ScheduledJob | None:
    statement = select(ScheduledJob).where(ScheduledJob.dedupe_key == dedupe_key)
    return (await session.scalars(statement.execution_options(populate_existing=True))).one_or_none()


async def cancel(session: AsyncSession, dedupe_key: str, *, now: datetime) -> bool:
    """Cancel the active job with this key; the key is freed so it can be scheduled again.

    A job that is running right now finishes its current run (it cannot be stopped from here),
    but its result is discarded by the lease check and it never runs again.
    """
    return await _cancel_where(session, ScheduledJob.dedupe_key == dedupe_key, now)


async def cancel_job(session: AsyncSession, job_id: int, *, guild_id: int | None, now: datetime) -> bool:
    """Cancel a job by id, only if it belongs to ``guild_id`` (None: a job without a server)."""
    return await _cancel_where(session, and_(ScheduledJob.id == job_id, _guild_is(guild_id)), now)


async def _cancel_where(session: AsyncSession, condition: ColumnElement[bool], now: datetime) -> bool:
    statement = (
        update(ScheduledJob)
        .where(condition, ScheduledJob.state.in_(_ACTIVE))
        .values(
            state=JobState.CANCELLED.value,
            dedupe_key=None,
            lease_owner=None,
            lease_expires_at=None,
            updated_at=_aware(now, "now"),
        )
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]


# --------------------------------------------------------------------------------------------
# Claiming and finishing


def _due_condition(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(ScheduledJob.state == JobState.PENDING.value, ScheduledJob.due_at <= now),
        # A worker that died mid-run: its lease ran out, the job is up for grabs again.
        and_(ScheduledJob.state == JobState.RUNNING.value, ScheduledJob.lease_expires_at <= now),
    )


async def claim_due(
    session: AsyncSession, owner: str, now: datetime, limit: int, lease: timedelta
) -> list[ScheduledJob]:
    """Claim up to ``limit`` due jobs (and jobs whose lease expired) for ``owner``.

    PostgreSQL: rows are picked with ``FOR UPDATE SKIP LOCKED``, so concurrent claimers take
    disjoint batches without waiting. SQLite has no row locks: the whole claim runs inside the
    IMMEDIATE transaction the engine begins, which serializes writers. Commit promptly: the claim
    is the unit of work, the handlers run after it.
    """
    now = _aware(now, "now")
    candidates = (
        select(ScheduledJob.id)
        .where(_due_condition(now))
        .order_by(ScheduledJob.due_at, ScheduledJob.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if _dialect(session) == "postgresql":
        # A MATERIALIZED CTE is evaluated exactly once; with a plain "id IN (subquery)" the planner
        # may re-run the locking subquery and claim more than ``limit`` rows.
        claimable = candidates.cte("claimable").prefix_with("MATERIALIZED")
        statement = update(ScheduledJob).where(ScheduledJob.id == claimable.c.id)
    else:
        statement = update(ScheduledJob).where(ScheduledJob.id.in_(candidates.scalar_subquery()))
    statement = statement.values(
        state=JobState.RUNNING.value,
        lease_owner=owner,
        lease_expires_at=now + lease,
        attempts=ScheduledJob.attempts + 1,
        updated_at=now,
    ).returning(ScheduledJob)
    rows = (
        await session.scalars(
            statement,
            execution_options={"synchronize_session": False, "populate_existing": True},
        )
    ).all()
    # RETURNING has no defined order.
    return sorted(rows, key=lambda job: (job.due_at, job.id))


def _ours(job: ScheduledJob, owner: str) -> tuple[ColumnElement[bool], ...]:
    return (
        ScheduledJob.id == job.id,
        ScheduledJob.state == JobState.RUNNING.value,
        ScheduledJob.lease_owner == owner,
        ScheduledJob.attempts == job.attempts,
    )


async def _update_ours(session: AsyncSession, job: ScheduledJob, owner: str, **values: Any) -> bool:
    statement = (
        update(ScheduledJob)
        .where(*_ours(job, owner))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def complete(
    session: AsyncSession,
    job: ScheduledJob,
    *,
    owner: str,
    now: datetime,
    late: bool,
    next_due: datetime | None,
) -> bool:
    """Record a successful run: done, or pending at ``next_due`` for a recurring job."""
    now = _aware(now, "now")
    common: dict[str, Any] = {
        "lease_owner": None,
        "lease_expires_at": None,
        "last_error": None,
        "last_run_at": now,
        "late": late,
        "updated_at": now,
    }
    if next_due is None:
        return await _update_ours(session, job, owner, state=JobState.DONE.value, **common)
    next_due = _aware(next_due, "next_due")
    return await _update_ours(
        session,
        job,
        owner,
        state=JobState.PENDING.value,
        due_at=next_due,
        occurrence_at=next_due,
        attempts=0,
        **common,
    )


async def fail_or_retry(
    session: AsyncSession,
    job: ScheduledJob,
    *,
    owner: str,
    now: datetime,
    error: str,
    max_attempts: int,
    backoff: Callable[[int], timedelta],
    permanent: bool = False,
) -> JobState | None:
    """Record a failed run: retry after ``backoff(attempts)``, or park as failed when this was the
    last allowed attempt or the error is permanent. Returns the new state, None if the lease was
    lost meanwhile."""
    now = _aware(now, "now")
    common: dict[str, Any] = {
        "lease_owner": None,
        "lease_expires_at": None,
        "last_error": error[:MAX_ERROR_LENGTH],
        "last_run_at": now,
        "updated_at": now,
    }
    if permanent or job.attempts >= max_attempts:
        done = await _update_ours(session, job, owner, state=JobState.FAILED.value, **common)
        return JobState.FAILED if done else None
    retry_at = now + backoff(job.attempts)
    done = await _update_ours(session, job, owner, state=JobState.PENDING.value, due_at=retry_at, **common)
    return JobState.PENDING if done else None


async def expire(session: AsyncSession, job: ScheduledJob, *, owner: str, now: datetime, reason: str) -> bool:
    """A one-off job that is too late for its kind: never run, kept for the record."""
    now = _aware(now, "now")
    return await _update_ours(
        session,
        job,
        owner,
        state=JobState.EXPIRED.value,
        last_error=reason[:MAX_ERROR_LENGTH],
        lease_owner=None,
        lease_expires_at=None,
        late=True,
        updated_at=now,
    )


async def skip_to(
    session: AsyncSession, job: ScheduledJob, *, owner: str, now: datetime, next_due: datetime
) -> bool:
    """A recurring job whose occurrence is too late: move to ``next_due`` without running."""
    now = _aware(now, "now")
    next_due = _aware(next_due, "next_due")
    return await _update_ours(
        session,
        job,
        owner,
        state=JobState.PENDING.value,
        due_at=next_due,
        occurrence_at=next_due,
        attempts=0,
        lease_owner=None,
        lease_expires_at=None,
        updated_at=now,
    )


async def release(session: AsyncSession, job: ScheduledJob, *, owner: str, now: datetime) -> bool:
    """Give back a claimed job that was never started (shutting down); the claim does not count."""
    return await _update_ours(
        session,
        job,
        owner,
        state=JobState.PENDING.value,
        attempts=ScheduledJob.attempts - 1,
        lease_owner=None,
        lease_expires_at=None,
        updated_at=_aware(now, "now"),
    )


async def extend_lease(session: AsyncSession, job: ScheduledJob, *, owner: str, until: datetime) -> bool:
    """Keep a long-running job ours: push its lease out to ``until``."""
    return await _update_ours(session, job, owner, lease_expires_at=_aware(until, "until"))


async def next_due_at(session: AsyncSession) -> datetime | None:
    """When the dispatcher next has something to do: the earliest pending due time or lease expiry."""
    pending = select(func.min(ScheduledJob.due_at)).where(ScheduledJob.state == JobState.PENDING.value)
    leases = select(func.min(ScheduledJob.lease_expires_at)).where(
        ScheduledJob.state == JobState.RUNNING.value
    )
    times = [await session.scalar(pending), await session.scalar(leases)]
    present = [when for when in times if when is not None]
    return min(present) if present else None


# --------------------------------------------------------------------------------------------
# Moderator views


async def failed_jobs(
    session: AsyncSession, guild_id: int | None, *, limit: int = 50
) -> Sequence[ScheduledJob]:
    """Failed jobs of one server (None: jobs without a server), newest failure first."""
    statement = (
        select(ScheduledJob)
        .where(ScheduledJob.state == JobState.FAILED.value, _guild_is(guild_id))
        .order_by(ScheduledJob.updated_at.desc(), ScheduledJob.id.desc())
        .limit(limit)
    )
    return (await session.scalars(statement)).all()


async def upcoming_jobs(
    session: AsyncSession, guild_id: int | None, *, kind: str | None = None, limit: int = 50
) -> Sequence[ScheduledJob]:
    """Pending jobs of one server (None: jobs without a server), soonest first."""
    statement = select(ScheduledJob).where(ScheduledJob.state == JobState.PENDING.value, _guild_is(guild_id))
    if kind is not None:
        statement = statement.where(ScheduledJob.kind == kind)
    statement = statement.order_by(ScheduledJob.due_at, ScheduledJob.id).limit(limit)
    return (await session.scalars(statement)).all()


async def retry_failed(
    session: AsyncSession, job_id: int, *, guild_id: int | None, now: datetime
) -> ScheduledJob | None:
    """Put a failed job of ``guild_id`` back in the queue, due now, with a fresh attempt count.

    A one-off job gets a fresh occurrence (now), so its kind's lateness limit does not expire it at
    once; a recurring one keeps its occurrence, so a kind with a lateness limit resumes at its next
    occurrence and one without runs the missed occurrence now. Returns None if there is no such
    failed job.
    """
    now = _aware(now, "now")
    job = (
        await session.scalars(
            select(ScheduledJob)
            .where(
                ScheduledJob.id == job_id, ScheduledJob.state == JobState.FAILED.value, _guild_is(guild_id)
            )
            .with_for_update()
        )
    ).one_or_none()
    if job is None:
        return None
    job.state = JobState.PENDING.value
    job.attempts = 0
    job.due_at = now
    if job.rule is None:
        job.occurrence_at = now
    job.lease_owner = None
    job.lease_expires_at = None
    job.updated_at = now
    await session.flush()
    return job

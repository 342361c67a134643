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
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Integer,
    Select,
    Update,
    and_,
    bindparam,
    case,
    func,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.base import UTCDateTime
from bot.scheduler.models import JobState, ScheduledJob
from bot.scheduler.recurrence import get_zone, parse_rule

__all__ = [
    "MAX_ERROR_LENGTH",
    "ClaimedJob",
    "Completion",
    "LeasedJob",
    "cancel",
    "cancel_job",
    "claim_due",
    "complete",
    "complete_many",
    "defer",
    "expire",
    "extend_lease",
    "fail_or_retry",
    "failed_jobs",
    "get_by_dedupe_key",
    "get_job",
    "next_due_at",
    "pull_deferred",
    "release",
    "retry_failed",
    "schedule",
    "skip_to",
    "upcoming_jobs",
]

MAX_ERROR_LENGTH = 2000
_ACTIVE = (JobState.PENDING, JobState.RUNNING, JobState.FAILED)
_TABLE = ScheduledJob.__table__
_C = _TABLE.c


class LeasedJob(Protocol):
    """What the fenced writes need from a claimed job: its id and the lease's token."""

    @property
    def id(self) -> int: ...

    @property
    def attempts(self) -> int: ...


@dataclass(frozen=True, slots=True)
class ClaimedJob:
    """A job as ``claim_due`` returned it: a plain snapshot of its row (no ORM identity), with the
    same attributes as :class:`ScheduledJob`."""

    id: int
    kind: str
    payload: dict[str, Any]
    due_at: datetime
    occurrence_at: datetime
    rule: str | None
    timezone: str
    state: str
    attempts: int
    last_error: str | None
    lease_owner: str | None
    lease_expires_at: datetime | None
    dedupe_key: str | None
    guild_id: int | None
    created_at: datetime
    updated_at: datetime
    last_run_at: datetime | None
    late: bool


_CLAIMED_COLUMNS = tuple(_C[name] for name in ClaimedJob.__slots__)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Completion:
    """One successful run of a one-off job, for :func:`complete_many`."""

    job_id: int
    attempts: int
    now: datetime
    late: bool


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


_CLAIM_STATEMENTS: dict[str, Update] = {}


def _claim_statement(dialect: str) -> Update:
    statement = _CLAIM_STATEMENTS.get(dialect)
    if statement is not None:
        return statement
    now = bindparam("claim_now", type_=UTCDateTime())
    candidates = (
        select(_C.id)
        .where(
            or_(
                and_(_C.state == JobState.PENDING.value, _C.due_at <= now),
                # A worker that died mid-run: its lease ran out, the job is up for grabs again.
                and_(_C.state == JobState.RUNNING.value, _C.lease_expires_at <= now),
            )
        )
        .order_by(_C.due_at, _C.id)
        .limit(bindparam("claim_limit", type_=Integer()))
        .with_for_update(skip_locked=True)
    )
    if dialect == "postgresql":
        # A MATERIALIZED CTE is evaluated exactly once; with a plain "id IN (subquery)" the planner
        # may re-run the locking subquery and claim more than ``limit`` rows.
        claimable = candidates.cte("claimable").prefix_with("MATERIALIZED")
        statement = update(_TABLE).where(_C.id == claimable.c.id)
    else:
        statement = update(_TABLE).where(_C.id.in_(candidates.scalar_subquery()))
    statement = statement.values(
        state=JobState.RUNNING.value,
        lease_owner=bindparam("claim_owner", type_=_C.lease_owner.type),
        lease_expires_at=bindparam("claim_expires", type_=UTCDateTime()),
        attempts=_C.attempts + 1,
        updated_at=now,
    ).returning(*_CLAIMED_COLUMNS)
    _CLAIM_STATEMENTS[dialect] = statement
    return statement


async def claim_due(
    session: AsyncSession, owner: str, now: datetime, limit: int, lease: timedelta
) -> list[ClaimedJob]:
    """Claim up to ``limit`` due jobs (and jobs whose lease expired) for ``owner``.

    PostgreSQL: rows are picked with ``FOR UPDATE SKIP LOCKED``, so concurrent claimers take
    disjoint batches without waiting. SQLite has no row locks: the whole claim runs inside the
    IMMEDIATE transaction the engine begins, which serializes writers. Commit promptly: the claim
    is the unit of work, the handlers run after it.

    Returns plain snapshots (:class:`ClaimedJob`), not ORM objects: a prebuilt Core statement,
    nothing for the session to track.
    """
    now = _aware(now, "now")
    connection = await session.connection()
    result = await connection.execute(
        _claim_statement(connection.dialect.name),
        {"claim_now": now, "claim_limit": limit, "claim_owner": owner, "claim_expires": now + lease},
    )
    rows = [ClaimedJob(*row) for row in result]
    # RETURNING has no defined order.
    rows.sort(key=lambda job: (job.due_at, job.id))
    return rows


def _ours(job: LeasedJob, owner: str) -> tuple[ColumnElement[bool], ...]:
    return (
        _C.id == job.id,
        _C.state == JobState.RUNNING.value,
        _C.lease_owner == owner,
        _C.attempts == job.attempts,
    )


async def _update_ours(session: AsyncSession, job: LeasedJob, owner: str, **values: Any) -> bool:
    connection = await session.connection()
    result = await connection.execute(update(_TABLE).where(*_ours(job, owner)).values(**values))
    return bool(result.rowcount)


_DONE_STATEMENT = (
    update(_TABLE)
    .where(
        _C.id == bindparam("done_id", type_=Integer()),
        _C.state == JobState.RUNNING.value,
        _C.lease_owner == bindparam("done_owner", type_=_C.lease_owner.type),
        _C.attempts == bindparam("done_attempts", type_=Integer()),
    )
    .values(
        state=JobState.DONE.value,
        lease_owner=None,
        lease_expires_at=None,
        last_error=None,
        last_run_at=bindparam("done_now", type_=UTCDateTime()),
        late=bindparam("done_late", type_=Boolean()),
        updated_at=bindparam("done_now", type_=UTCDateTime()),
    )
)


async def complete(
    session: AsyncSession,
    job: LeasedJob,
    *,
    owner: str,
    now: datetime,
    late: bool,
    next_due: datetime | None,
) -> bool:
    """Record a successful run: done, or pending at ``next_due`` for a recurring job."""
    now = _aware(now, "now")
    if next_due is None:
        connection = await session.connection()
        result = await connection.execute(
            _DONE_STATEMENT,
            {
                "done_id": job.id,
                "done_owner": owner,
                "done_attempts": job.attempts,
                "done_now": now,
                "done_late": late,
            },
        )
        return bool(result.rowcount)
    return await _update_ours(
        session,
        job,
        owner,
        **_next_occurrence(next_due),
        last_error=None,
        last_run_at=now,
        late=late,
        updated_at=now,
    )


async def complete_many(session: AsyncSession, completions: Sequence[Completion], *, owner: str) -> set[int]:
    """Mark several one-off jobs done in one statement, each exactly as :func:`complete` with
    ``next_due=None`` would (its own run time and lateness), each fenced by its own lease token.

    Returns the ids that were updated; a job missing from it was no longer ours (lease reclaimed,
    by another owner or with a newer token, or job cancelled) and was left untouched.
    """
    if not completions:
        return set()
    if len({done.job_id for done in completions}) != len(completions):
        raise ValueError("complete_many needs each job at most once")
    connection = await session.connection()
    updated: set[int] = set()
    for first in range(0, len(completions), _COMPLETE_CHUNK):
        chunk = completions[first : first + _COMPLETE_CHUNK]
        params: dict[str, Any] = {"done_owner": owner}
        for index, done in enumerate(chunk):
            params[f"done_id_{index}"] = done.job_id
            params[f"done_token_{index}"] = done.attempts
            params[f"done_at_{index}"] = _aware(done.now, "now")
            params[f"done_late_{index}"] = done.late
        result = await connection.execute(_complete_many_statement(len(chunk)), params)
        updated.update(result.scalars())
    return updated


_COMPLETE_CHUNK = 64
_COMPLETE_MANY_STATEMENTS: dict[int, Update] = {}


def _complete_many_statement(size: int) -> Update:
    """``WITH finished AS (SELECT :id_0, :token_0, :at_0, :late_0 UNION ALL ...) UPDATE
    scheduled_jobs SET state = 'done', ... FROM finished WHERE id = job_id AND attempts = token
    AND state = 'running' AND lease_owner = :owner RETURNING id``, built once per group size (the
    statement and its cache key are reused, only the parameters change)."""
    statement = _COMPLETE_MANY_STATEMENTS.get(size)
    if statement is not None:
        return statement
    rows: list[Select[Any]] = [
        select(
            bindparam(f"done_id_{index}", type_=Integer()).label("job_id"),
            bindparam(f"done_token_{index}", type_=Integer()).label("token"),
            bindparam(f"done_at_{index}", type_=UTCDateTime()).label("run_at"),
            bindparam(f"done_late_{index}", type_=Boolean()).label("was_late"),
        )
        for index in range(size)
    ]
    finished = (rows[0] if size == 1 else union_all(*rows)).cte("finished")
    statement = (
        update(_TABLE)
        .where(
            _C.id == finished.c.job_id,
            _C.attempts == finished.c.token,
            _C.state == JobState.RUNNING.value,
            _C.lease_owner == bindparam("done_owner", type_=_C.lease_owner.type),
        )
        .values(
            state=JobState.DONE.value,
            lease_owner=None,
            lease_expires_at=None,
            last_error=None,
            last_run_at=finished.c.run_at,
            late=finished.c.was_late,
            updated_at=finished.c.run_at,
        )
        .returning(_C.id)
    )
    _COMPLETE_MANY_STATEMENTS[size] = statement
    return statement


async def fail_or_retry(
    session: AsyncSession,
    job: LeasedJob,
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


async def expire(session: AsyncSession, job: LeasedJob, *, owner: str, now: datetime, reason: str) -> bool:
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


def _next_occurrence(next_due: datetime) -> dict[str, Any]:
    """The values that put a recurring job back in the queue for its next occurrence, unleased."""
    next_due = _aware(next_due, "next_due")
    return {
        "state": JobState.PENDING.value,
        "due_at": next_due,
        "occurrence_at": next_due,
        "attempts": 0,
        "lease_owner": None,
        "lease_expires_at": None,
    }


async def skip_to(
    session: AsyncSession, job: LeasedJob, *, owner: str, now: datetime, next_due: datetime
) -> bool:
    """A recurring job whose occurrence is too late: move to ``next_due`` without running."""
    now = _aware(now, "now")
    # A deferred occurrence that is skipped is no longer waiting for a resume.
    undeferred = case((_C.last_error.startswith(DEFERRED_PREFIX, autoescape=True), None), else_=_C.last_error)
    return await _update_ours(
        session, job, owner, **_next_occurrence(next_due), last_error=undeferred, updated_at=now
    )


async def release(session: AsyncSession, job: LeasedJob, *, owner: str, now: datetime) -> bool:
    """Give back a claimed job that was never started (shutting down); the claim does not count."""
    return await _update_ours(
        session,
        job,
        owner,
        state=JobState.PENDING.value,
        attempts=_C.attempts - 1,
        lease_owner=None,
        lease_expires_at=None,
        updated_at=_aware(now, "now"),
    )


# The mark a deferred job carries in ``last_error`` until it runs, so a resume finds it.
DEFERRED_PREFIX = "deferred: "


async def defer(
    session: AsyncSession, job: ClaimedJob, *, owner: str, now: datetime, until: datetime, reason: str
) -> bool:
    """Put a claimed job back, due at ``until``, without counting the attempt (see JobDeferred).

    A one-off job's occurrence moves to ``until``; a recurring job keeps its occurrence."""
    until = _aware(until, "until")
    values: dict[str, Any] = {
        "state": JobState.PENDING.value,
        "due_at": until,
        "attempts": _C.attempts - 1,
        "last_error": (DEFERRED_PREFIX + reason)[:MAX_ERROR_LENGTH],
        "lease_owner": None,
        "lease_expires_at": None,
        "updated_at": _aware(now, "now"),
    }
    if job.rule is None:
        values["occurrence_at"] = until
    return await _update_ours(session, job, owner, **values)


async def pull_deferred(session: AsyncSession, guild_id: int, kinds: Sequence[str], *, now: datetime) -> int:
    """Make the server's deferred jobs of these kinds due now (a one-off one with a fresh
    occurrence). Jobs merely scheduled for later are left alone. Returns how many moved."""
    if not kinds:
        return 0
    now = _aware(now, "now")
    connection = await session.connection()
    result = await connection.execute(
        update(_TABLE)
        .where(
            _C.state == JobState.PENDING.value,
            _C.guild_id == guild_id,
            _C.kind.in_(list(kinds)),
            _C.last_error.startswith(DEFERRED_PREFIX, autoescape=True),
            _C.due_at > now,
        )
        .values(
            due_at=now,
            occurrence_at=case((_C.rule.is_(None), now), else_=_C.occurrence_at),
            updated_at=now,
        )
    )
    return int(result.rowcount or 0)


async def extend_lease(session: AsyncSession, job: LeasedJob, *, owner: str, until: datetime) -> bool:
    """Keep a long-running job ours: push its lease out to ``until``."""
    return await _update_ours(session, job, owner, lease_expires_at=_aware(until, "until"))


def _next_due_statement(*lease_filter: ColumnElement[bool]) -> Select[Any]:
    # One round trip; each minimum is read through the (state, due_at) index on its own.
    return select(
        select(func.min(_C.due_at)).where(_C.state == JobState.PENDING.value).scalar_subquery(),
        select(func.min(_C.lease_expires_at))
        .where(_C.state == JobState.RUNNING.value, *lease_filter)
        .scalar_subquery(),
    )


_NEXT_DUE = _next_due_statement()
_NEXT_DUE_NOT_OWNED = _next_due_statement(
    or_(_C.lease_owner.is_(None), _C.lease_owner != bindparam("next_owner", type_=_C.lease_owner.type))
)


async def next_due_at(session: AsyncSession, *, ignore_owner: str | None = None) -> datetime | None:
    """When the dispatcher next has something to do: the earliest pending due time or lease expiry.

    ``ignore_owner``: leave out the leases this owner holds (a dispatcher about to settle the jobs
    it just claimed does not need to wake up for their expiry).
    """
    connection = await session.connection()
    if ignore_owner is None:
        result = await connection.execute(_NEXT_DUE)
    else:
        result = await connection.execute(_NEXT_DUE_NOT_OWNED, {"next_owner": ignore_owner})
    present = [when for when in result.one() if when is not None]
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

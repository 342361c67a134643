"""Publishing in announcement channels, inside Discord's limit of 10 per channel per hour.

A durable queue, not a sleep: :func:`enqueue_publish` records the publish in the caller's
transaction and schedules a job at the channel's first free slot, counted from what is recorded
(so a restart neither loses nor doubles one). The job claims its row, counting the channel's
publishes of the last hour again under a lock; when the hour is full (a slot was taken since, a
clock moved) it re-plans itself instead of waiting. A refusal by Discord (429) or a failure
re-plans too; only a permanent refusal (message or channel gone) ends it as failed.

The job's handler lives in the cog (it needs Discord): it calls :meth:`PublishQueue.run` with a
``publisher`` that does the crosspost and answers with a :class:`Attempt`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.announcements.models import AnnouncePublish, PublishState
from bot.clock import Clock
from bot.db import Database
from bot.i18n import N_
from bot.scheduler import JobScheduler, store

PUBLISH = "announce.publish"
LABELS = {PUBLISH: N_("publish an announcement")}
# Discord's limit: publishes per announcement channel per rolling hour.
LIMIT = 10
WINDOW = timedelta(hours=1)
# Attempts that failed without a verdict from Discord (5xx, network) before giving up.
MAX_ATTEMPTS = 8
# When Discord asks to wait without saying how long.
DEFAULT_RETRY = timedelta(minutes=5)

# The first key of the PostgreSQL advisory lock on a channel's publishes ("PUBL").
_LOCK_SPACE = 0x5055424C
_COUNTED = (PublishState.PUBLISHING.value, PublishState.PUBLISHED.value)
_background: set[asyncio.Task[None]] = set()


class Outcome(StrEnum):
    """What the publisher saw on Discord."""

    PUBLISHED = "published"
    ALREADY = "already"  # an earlier attempt had published it (Discord's 40033)
    RATE_LIMITED = "rate_limited"  # 429, or the client would have had to wait
    REFUSED = "refused"  # for good: message or channel gone, not an announcement channel
    FAILED = "failed"  # no verdict (5xx, network): try again later


@dataclass(frozen=True)
class Attempt:
    outcome: Outcome
    retry_after: timedelta | None = None
    error: str | None = None


class Ran(StrEnum):
    PUBLISHED = "published"
    DEFERRED = "deferred"  # the hour was full, or Discord asked to wait: a later job will try
    FAILED = "failed"
    NOTHING = "nothing"  # unknown, or finished already


@dataclass(frozen=True)
class RunResult:
    ran: Ran
    next_at: datetime | None = None
    error: str | None = None
    channel_id: int | None = None


Publisher = Callable[[int, int], Awaitable[Attempt]]


def job_key(publish_id: int) -> str:
    return f"{PUBLISH}:{publish_id}"


async def _lock_channel(session: AsyncSession, channel_id: int) -> None:
    """Serialise planners and claimers of one channel until the transaction ends. SQLite
    transactions here begin IMMEDIATE (one writer at a time); PostgreSQL takes an advisory lock
    on the channel (row locks taken in scan order deadlocked two claimers)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock(_LOCK_SPACE, channel_id % 2**31)))


async def _recent_starts(
    session: AsyncSession, channel_id: int, *, since: datetime, exclude: int | None = None
) -> list[datetime]:
    """Start times of publishes that count against the channel's hour, newest first."""
    statement = (
        select(AnnouncePublish.started_at)
        .where(
            AnnouncePublish.channel_id == channel_id,
            AnnouncePublish.state.in_(_COUNTED),
            AnnouncePublish.started_at > since,
        )
        .order_by(AnnouncePublish.started_at.desc())
        .limit(LIMIT)
    )
    if exclude is not None:
        statement = statement.where(AnnouncePublish.id != exclude)
    return [when for when in (await session.scalars(statement)).all() if when is not None]


async def _planned(session: AsyncSession, channel_id: int, *, since: datetime) -> list[datetime]:
    """Every publish of the channel that takes a place in an hour from ``since`` on, newest first:
    started ones at their start, queued ones at their planned slot."""
    when = func.coalesce(AnnouncePublish.started_at, AnnouncePublish.slot_at)
    statement = (
        select(when)
        .where(
            AnnouncePublish.channel_id == channel_id,
            AnnouncePublish.state != PublishState.FAILED.value,
            when > since,
        )
        .order_by(when.desc())
        .limit(LIMIT)
    )
    return list((await session.scalars(statement)).all())


def first_free(taken: list[datetime], now: datetime) -> datetime:
    """The earliest moment from ``now`` at which one more publish keeps every hour within the
    limit, given the ``taken`` places (newest first, at most LIMIT of them): the tenth newest
    place plus an hour, when there are ten."""
    if len(taken) < LIMIT:
        return now
    return max(now, taken[LIMIT - 1] + WINDOW)


def _notify_after_commit(session: AsyncSession, scheduler: JobScheduler, due: datetime) -> None:
    """Wake the scheduler for ``due`` once the caller's transaction commits (never before: the
    job is not visible until then)."""

    def after_commit(_session: object) -> None:
        task = asyncio.get_running_loop().create_task(scheduler.notify(due))
        _background.add(task)
        task.add_done_callback(_background.discard)

    event.listen(session.sync_session, "after_commit", after_commit, once=True)


async def enqueue_publish(
    session: AsyncSession,
    scheduler: JobScheduler,
    clock: Clock,
    *,
    guild_id: int,
    channel_id: int,
    message_id: int,
) -> datetime:
    """Queue the publish of ``message_id`` in the caller's transaction; returns when it is planned.

    At most LIMIT per channel in any rolling hour, counted from the recorded publishes and those
    already queued. Queuing the same message again changes nothing and returns its slot.
    """
    now = clock.now()
    existing = (
        await session.scalars(select(AnnouncePublish).where(AnnouncePublish.message_id == message_id))
    ).one_or_none()
    if existing is not None:
        return existing.slot_at
    await _lock_channel(session, channel_id)
    slot = first_free(await _planned(session, channel_id, since=now - WINDOW), now)
    row = AnnouncePublish(
        guild_id=guild_id,
        channel_id=channel_id,
        message_id=message_id,
        state=PublishState.QUEUED.value,
        slot_at=slot,
        attempts=0,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    await store.schedule(
        session,
        PUBLISH,
        {"publish_id": row.id},
        slot,
        now=now,
        dedupe_key=job_key(row.id),
        guild_id=guild_id,
    )
    _notify_after_commit(session, scheduler, slot)
    return slot


class PublishQueue:
    """Runs queued publishes: one call of :meth:`run` per job."""

    def __init__(self, database: Database, clock: Clock, scheduler: JobScheduler) -> None:
        self.database = database
        self.clock = clock
        self.scheduler = scheduler

    async def run(self, publish_id: int, publisher: Publisher) -> RunResult:
        claimed = await self._claim(publish_id)
        if isinstance(claimed, RunResult):
            return claimed
        channel_id, message_id = claimed
        attempt = await publisher(channel_id, message_id)
        return await self._settle(publish_id, attempt)

    async def _claim(self, publish_id: int) -> tuple[int, int] | RunResult:
        """The row marked as publishing now (counted from now), or why not."""
        now = self.clock.now()
        async with self.database.session() as session:
            row = await session.get(AnnouncePublish, publish_id)
            if row is None or row.state in {PublishState.PUBLISHED, PublishState.FAILED}:
                return RunResult(Ran.NOTHING)
            await _lock_channel(session, row.channel_id)
            await session.refresh(row)
            starts = await _recent_starts(session, row.channel_id, since=now - WINDOW, exclude=row.id)
            free = first_free(starts, now)
            if free > now:
                await self._replan(session, row, free, now)
                return RunResult(Ran.DEFERRED, free)
            row.state = PublishState.PUBLISHING.value
            row.started_at = now
            row.attempts += 1
            return row.channel_id, row.message_id

    async def _settle(self, publish_id: int, attempt: Attempt) -> RunResult:
        now = self.clock.now()
        async with self.database.session() as session:
            row = await session.get(AnnouncePublish, publish_id)
            if row is None:
                return RunResult(Ran.NOTHING)
            if attempt.outcome in {Outcome.PUBLISHED, Outcome.ALREADY}:
                row.state = PublishState.PUBLISHED.value
                row.published_at = now
                row.last_error = None
                return RunResult(Ran.PUBLISHED)
            row.last_error = (attempt.error or attempt.outcome.value)[:200]
            if attempt.outcome is Outcome.REFUSED or (
                attempt.outcome is Outcome.FAILED and row.attempts >= MAX_ATTEMPTS
            ):
                # Not published: it takes no place in the hour.
                row.state = PublishState.FAILED.value
                row.started_at = None
                return RunResult(Ran.FAILED, error=row.last_error, channel_id=row.channel_id)
            if attempt.outcome is Outcome.RATE_LIMITED:
                # Discord counted no publish for this attempt.
                row.started_at = None
                retry = attempt.retry_after or DEFAULT_RETRY
            else:
                # It may have gone through before the error: keep counting it, to be safe.
                retry = min(timedelta(seconds=30) * (1 << min(row.attempts, 10)), WINDOW)
            retry_at = now + retry
            await self._replan(session, row, retry_at, now)
            return RunResult(Ran.DEFERRED, retry_at, row.last_error)

    async def _replan(
        self, session: AsyncSession, row: AnnouncePublish, when: datetime, now: datetime
    ) -> None:
        row.state = PublishState.QUEUED.value
        row.slot_at = when
        await session.flush()
        # A new job (the running one finishes normally). No key: a second job for the same row is
        # harmless, since a claim finds it published or Discord answers "already crossposted".
        await store.schedule(session, PUBLISH, {"publish_id": row.id}, when, now=now, guild_id=row.guild_id)
        _notify_after_commit(session, self.scheduler, when)

    async def pending(self, channel_id: int) -> list[AnnouncePublish]:
        """Queued or running publishes of a channel, soonest first."""
        async with self.database.session() as session:
            statement = (
                select(AnnouncePublish)
                .where(
                    AnnouncePublish.channel_id == channel_id,
                    AnnouncePublish.state.in_((PublishState.QUEUED.value, PublishState.PUBLISHING.value)),
                )
                .order_by(AnnouncePublish.slot_at, AnnouncePublish.id)
            )
            return list((await session.scalars(statement)).all())

    async def state_of(self, message_ids: list[int]) -> dict[int, AnnouncePublish]:
        if not message_ids:
            return {}
        async with self.database.session() as session:
            rows = await session.scalars(
                select(AnnouncePublish).where(AnnouncePublish.message_id.in_(message_ids))
            )
            return {row.message_id: row for row in rows}

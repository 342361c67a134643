"""The pen-pal job kinds, their keys, and writing jobs in the caller's transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_
from bot.scheduler import JobScheduler, JobState, store

NOTICE = "penpal.notice"
ROUND = "penpal.round"
INTRO = "penpal.intro"
UNMATCHED = "penpal.unmatched"
CHECKIN = "penpal.checkin"
CLOSE = "penpal.close"
RESUME = "penpal.resume"

# What /jobs shows for each kind (translated when shown).
LABELS = {
    NOTICE: N_("pen-pal round notice"),
    ROUND: N_("pen-pal round"),
    INTRO: N_("pen-pal introduction"),
    UNMATCHED: N_('pen-pal "no partner" notes'),
    CHECKIN: N_("pen-pal check-in"),
    CLOSE: N_("pen-pal round closing"),
    RESUME: N_("pen-pal pause ending"),
}
# How late a job may still run after downtime before it is skipped as pointless.
MAX_LATENESS: dict[str, timedelta | None] = {
    NOTICE: timedelta(hours=12),
    # The round job always runs: it carries the chain of rounds on (RoundService skips a
    # round that came too late, and schedules the next).
    ROUND: None,
    INTRO: timedelta(days=2),
    UNMATCHED: timedelta(days=2),
    CHECKIN: timedelta(days=3),
    CLOSE: timedelta(days=7),
    RESUME: None,
}


def _utc(when: datetime) -> str:
    # Keys are built from UTC only: a time read back from the database is UTC, and a key built
    # from a local time would never match it (a cancel would silently miss).
    return when.astimezone(UTC).isoformat()


def round_key(kind: str, guild_id: int, generation: int, round_at: datetime) -> str:
    return f"{kind}:{guild_id}:{generation}:{_utc(round_at)}"


def resume_key(guild_id: int, user_id: int, until: datetime) -> str:
    return f"{RESUME}:{guild_id}:{user_id}:{_utc(until)}"


def intro_key(group_id: int) -> str:
    return f"{INTRO}:{group_id}"


def round_part_key(kind: str, round_id: int) -> str:
    return f"{kind}:{round_id}"


class JobBatch:
    """Jobs written in the caller's session, so they commit (or not) with the state they belong
    to; :meth:`notify` then tells the scheduler, after the commit."""

    def __init__(self, session: AsyncSession, now: datetime) -> None:
        self.session = session
        self.now = now
        self.due: list[datetime] = []

    async def add(
        self, kind: str, payload: dict[str, Any], due_at: datetime, *, key: str, guild_id: int | None
    ) -> None:
        job = await store.schedule(
            self.session, kind, payload, due_at, now=self.now, dedupe_key=key, guild_id=guild_id
        )
        if job is not None and job.state == JobState.PENDING:
            self.due.append(job.due_at)

    async def cancel(self, key: str) -> bool:
        return await store.cancel(self.session, key, now=self.now)

    async def notify(self, scheduler: JobScheduler) -> None:
        if self.due:
            await scheduler.notify(min(self.due))

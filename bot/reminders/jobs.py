"""The reminder job kind, its keys, and writing jobs in the caller's transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_
from bot.scheduler import JobScheduler, JobState, store

DUE = "reminder.due"
LABELS = {DUE: N_("personal reminder")}
# A reminder is still worth delivering late (after downtime): it always runs.
MAX_LATENESS: dict[str, timedelta | None] = {DUE: None}


def _utc(when: datetime) -> str:
    return when.astimezone(UTC).isoformat()


def due_key(reminder_id: int, at: datetime) -> str:
    """One job per reminder and time: a repeat, a snooze and a retry never deliver twice."""
    return f"{DUE}:{reminder_id}:{_utc(at)}"


def payload(reminder_id: int, at: datetime) -> dict[str, object]:
    return {"reminder": reminder_id, "at": _utc(at)}


class JobWrites:
    """Jobs written in the caller's session, committed with the reminder they belong to;
    :meth:`notify` wakes the scheduler after the commit."""

    def __init__(self, session: AsyncSession, now: datetime) -> None:
        self.session, self.now = session, now
        self.due: list[datetime] = []

    async def schedule(self, reminder_id: int, at: datetime, guild_id: int | None) -> None:
        job = await store.schedule(
            self.session,
            DUE,
            payload(reminder_id, at),
            at,
            now=self.now,
            dedupe_key=due_key(reminder_id, at),
            guild_id=guild_id,
        )
        if job is not None and job.state == JobState.PENDING:
            self.due.append(job.due_at)

    async def cancel(self, reminder_id: int, at: datetime | None) -> None:
        if at is not None:
            await store.cancel(self.session, due_key(reminder_id, at), now=self.now)

    async def notify(self, scheduler: JobScheduler) -> None:
        if self.due:
            await scheduler.notify(min(self.due))

"""Personal reminders as outcomes: no Discord here, and no translated text.

Each method is one unit of work: one session, and the jobs it writes commit with the reminder
they belong to. A reminder's job carries the time it is for; a job whose time is no longer the
reminder's (cancelled, snoozed elsewhere, done) does nothing, so a stale job never delivers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db import Database
from bot.members.timezone import (
    MemberZone,
    effective_timezone,
    erase_member_settings,
    member_timezone,
    set_member_timezone,
)
from bot.reminders import repository as repo
from bot.reminders.jobs import JobWrites
from bot.reminders.models import ACTIVE_STATES, Reminder, ReminderState
from bot.reminders.when import When, WhenError, parse_when
from bot.scheduler import JobScheduler, next_occurrence, resolve_local

MAX_ACTIVE = 25
WHAT_MAX = 500


class Outcome(StrEnum):
    SAVED = "saved"
    NOT_FOUND = "not_found"  # no such reminder (or not this member's, for cancel)
    NOT_YOURS = "not_yours"  # a button only the owner may press
    FINISHED = "finished"  # done or cancelled already
    TOO_MANY = "too_many"
    ALREADY_YOURS = "already_yours"  # "Remind me too" on one's own reminder
    ALREADY_COPIED = "already_copied"
    PASSED = "passed"  # nothing left to copy: a one-off whose time has gone
    ALREADY_SNOOZED = "already_snoozed"  # a second snooze still pending: every time promised holds


class Snooze(StrEnum):
    MINUTES_10 = "10m"
    HOUR = "1h"
    TOMORROW = "tomorrow"


@dataclass(frozen=True)
class Created:
    outcome: Outcome
    zone: MemberZone
    reminder: Reminder | None = None
    when: When | None = None


@dataclass(frozen=True)
class Changed:
    outcome: Outcome
    reminder: Reminder | None = None
    # When it comes next (after a snooze: the snooze; a repeating one after Done: the next repeat).
    next_at: datetime | None = None


@dataclass(frozen=True)
class Due:
    """A delivery to make: the reminder, and whether it is a snoozed repeat of a recurring one."""

    reminder: Reminder
    at: datetime
    snoozed: bool


class ReminderService:
    def __init__(
        self, database: Database, clock: Clock, scheduler: JobScheduler, *, default_timezone: str = "UTC"
    ) -> None:
        self.database = database
        self.clock = clock
        self.scheduler = scheduler
        self.default_timezone = default_timezone
        # SQLite takes one writer at a time: queue this process's reminder writes here, in order,
        # rather than have a burst of commands poll for the lock until busy_timeout runs out.
        self._sqlite_writes = asyncio.Lock() if database.is_sqlite else None

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncSession]:
        """One unit of work that writes reminders."""
        if self._sqlite_writes is None:
            async with self.database.session() as session:
                yield session
            return
        async with self._sqlite_writes, self.database.session() as session:
            yield session

    # -- the member's time zone ---------------------------------------------------------------

    async def zone(self, guild_id: int | None, user_id: int) -> MemberZone:
        async with self.database.session() as session:
            return await effective_timezone(session, guild_id, user_id, self.default_timezone)

    async def set_timezone(self, guild_id: int | None, user_id: int, timezone: str | None) -> MemberZone:
        """Save the member's own zone (an IANA name the caller checked), or forget it with None."""
        async with self.database.session() as session:
            await set_member_timezone(session, user_id, timezone, self.clock.now())
            return await effective_timezone(session, guild_id, user_id, self.default_timezone)

    # -- setting, listing, cancelling ---------------------------------------------------------

    async def create(
        self, guild_id: int, user_id: int, channel_id: int | None, when_text: str, what: str, locale: str
    ) -> Created:
        """Raises :class:`WhenError` when ``when_text`` cannot be used; nothing is saved then."""
        now = self.clock.now()
        async with self._write() as session:
            zone = await effective_timezone(session, guild_id, user_id, self.default_timezone)
            when = parse_when(when_text, zone.timezone, now)
            if await self._full(session, user_id):
                return Created(Outcome.TOO_MANY, zone, when=when)
            reminder = Reminder(
                guild_id=guild_id,
                user_id=user_id,
                channel_id=channel_id,
                what=what[:WHAT_MAX],
                due_at=when.at,
                rule=when.rule,
                timezone=zone.timezone,
                locale=locale,
                state=ReminderState.SCHEDULED,
                deliveries=0,
                created_at=now,
                updated_at=now,
            )
            session.add(reminder)
            await session.flush()
            jobs = JobWrites(session, now)
            await jobs.schedule(reminder.id, reminder.due_at, guild_id)
        await jobs.notify(self.scheduler)
        return Created(Outcome.SAVED, zone, reminder, when)

    async def active(self, user_id: int, guild_id: int | None = None) -> list[Reminder]:
        async with self.database.session() as session:
            return list(await repo.active(session, user_id, guild_id))

    async def cancel(self, user_id: int, reminder_id: int) -> Changed:
        now = self.clock.now()
        async with self._write() as session:
            reminder = await repo.get(session, reminder_id, for_update=True)
            if reminder is None or reminder.user_id != user_id:
                return Changed(Outcome.NOT_FOUND)
            if reminder.state in {ReminderState.DONE, ReminderState.CANCELLED}:
                return Changed(Outcome.FINISHED, reminder)
            jobs = JobWrites(session, now)
            await self._cancel_jobs(jobs, reminder)
            reminder.state, reminder.snoozed_until, reminder.updated_at = ReminderState.CANCELLED, None, now
        return Changed(Outcome.SAVED, reminder)

    # -- the buttons on a delivered reminder --------------------------------------------------

    async def snooze(self, reminder_id: int, user_id: int, option: Snooze) -> Changed:
        now = self.clock.now()
        async with self._write() as session:
            reminder = await repo.get(session, reminder_id, for_update=True)
            if reminder is None:
                return Changed(Outcome.NOT_FOUND)
            if reminder.user_id != user_id:
                return Changed(Outcome.NOT_YOURS, reminder)
            if reminder.state in {ReminderState.DONE, ReminderState.CANCELLED}:
                return Changed(Outcome.FINISHED, reminder)
            until = snooze_until(option, now, reminder.timezone)
            jobs = JobWrites(session, now)
            pending = _pending_snooze(reminder, now)
            if until in {pending, reminder.due_at if reminder.state == ReminderState.SCHEDULED else None}:
                return Changed(Outcome.SAVED, reminder, until)  # the same button twice: one time
            if pending is not None:  # a double click: both times promised hold; a third waits
                return Changed(Outcome.ALREADY_SNOOZED, reminder, pending)
            if reminder.rule is None and reminder.state != ReminderState.SCHEDULED:
                if await self._full(session, user_id):
                    return Changed(Outcome.TOO_MANY, reminder)
                reminder.due_at, reminder.state = until, ReminderState.SCHEDULED
            else:
                # One extra delivery: a repeating one goes on repeating, and a one-off snoozed a
                # moment ago (two Snooze buttons pressed together) keeps the time it was given.
                reminder.snoozed_until = until
            reminder.updated_at = now
            await jobs.schedule(reminder.id, until, reminder.guild_id)
        await jobs.notify(self.scheduler)
        return Changed(Outcome.SAVED, reminder, until)

    async def done(self, reminder_id: int, user_id: int) -> Changed:
        """A one-off is finished; a repeating one drops a pending snooze and goes on repeating."""
        now = self.clock.now()
        async with self._write() as session:
            reminder = await repo.get(session, reminder_id, for_update=True)
            if reminder is None:
                return Changed(Outcome.NOT_FOUND)
            if reminder.user_id != user_id:
                return Changed(Outcome.NOT_YOURS, reminder)
            if reminder.state in {ReminderState.DONE, ReminderState.CANCELLED}:
                return Changed(Outcome.FINISHED, reminder)
            jobs = JobWrites(session, now)
            await jobs.cancel(reminder.id, reminder.snoozed_until)
            reminder.snoozed_until, reminder.updated_at = None, now
            if reminder.rule is None:
                await jobs.cancel(reminder.id, reminder.due_at)
                reminder.state = ReminderState.DONE
                return Changed(Outcome.SAVED, reminder)
            reminder.missed_at = None
        return Changed(Outcome.SAVED, reminder, reminder.due_at)

    async def copy(self, reminder_id: int, user_id: int, channel_id: int | None, locale: str) -> Changed:
        """ "Remind me too": the same reminder, at the same time(s), in the presser's list."""
        now = self.clock.now()
        async with self._write() as session:
            # First: two presses at once must not both find no copy yet (PostgreSQL).
            await repo.lock_member(session, user_id)
            source = await repo.get(session, reminder_id)
            if source is None:
                return Changed(Outcome.NOT_FOUND)
            if source.user_id == user_id:
                return Changed(Outcome.ALREADY_YOURS, source)
            existing = await repo.copy_of(session, source.id, user_id)
            if existing is not None:
                return Changed(Outcome.ALREADY_COPIED, existing, existing.due_at)
            upcoming = source.rule is not None or source.state == ReminderState.SCHEDULED
            if not upcoming or source.state == ReminderState.CANCELLED or source.due_at <= now:
                return Changed(Outcome.PASSED, source)
            if await self._full(session, user_id):
                return Changed(Outcome.TOO_MANY, source)
            copy = Reminder(
                guild_id=source.guild_id,
                user_id=user_id,
                channel_id=channel_id,
                what=source.what,
                due_at=source.due_at,
                rule=source.rule,
                timezone=source.timezone,
                locale=locale,
                state=ReminderState.SCHEDULED,
                deliveries=0,
                copied_from=source.id,
                created_at=now,
                updated_at=now,
            )
            session.add(copy)
            await session.flush()
            jobs = JobWrites(session, now)
            await jobs.schedule(copy.id, copy.due_at, copy.guild_id)
        await jobs.notify(self.scheduler)
        return Changed(Outcome.SAVED, copy, copy.due_at)

    # -- delivery (the job handler calls these around sending) -------------------------------

    async def due(self, reminder_id: int, at: datetime) -> Due | None:
        """What to deliver for the job at ``at``, or None when the job is stale."""
        async with self.database.session() as session:
            reminder = await repo.get(session, reminder_id)
        if reminder is None or reminder.state in {ReminderState.DONE, ReminderState.CANCELLED}:
            return None
        if reminder.state == ReminderState.SCHEDULED and reminder.due_at == at:
            return Due(reminder, at, snoozed=False)
        if reminder.snoozed_until == at:
            return Due(reminder, at, snoozed=True)
        return None

    async def delivered(self, due: Due, *, reached: bool) -> Reminder | None:
        """Record a delivery (``reached``: by DM or in its channel; else it is parked) and, for a
        repeating reminder, schedule the next time on its wall clock."""
        now = self.clock.now()
        async with self._write() as session:
            reminder = await repo.get(session, due.reminder.id, for_update=True)
            if reminder is None:
                return None
            jobs = JobWrites(session, now)
            reminder.updated_at = now
            reminder.deliveries += 1 if reached else 0
            if not reached:
                reminder.missed_at = due.at
            if due.snoozed:
                if reminder.snoozed_until == due.at:
                    reminder.snoozed_until = None
            elif reminder.state == ReminderState.SCHEDULED and reminder.due_at == due.at:
                if reminder.rule is None:
                    reminder.state = ReminderState.DELIVERED if reached else ReminderState.PARKED
                else:
                    after = max(now, due.at)
                    reminder.due_at = next_occurrence(reminder.rule, reminder.timezone, after, anchor=due.at)
                    await jobs.schedule(reminder.id, reminder.due_at, reminder.guild_id)
        await jobs.notify(self.scheduler)
        return reminder

    async def member_left(self, guild_id: int, user_id: int) -> int:
        """Cancel the member's reminders in a server they left (its channel can no longer be
        theirs); returns how many. Their time zone stays: it is theirs, not the server's."""
        now = self.clock.now()
        async with self.database.session() as session:
            jobs = JobWrites(session, now)
            cancelled = 0
            for reminder in await repo.active(session, user_id, guild_id):
                await self._cancel_jobs(jobs, reminder)
                reminder.state, reminder.snoozed_until, reminder.updated_at = (
                    ReminderState.CANCELLED,
                    None,
                    now,
                )
                cancelled += 1
        return cancelled

    # -- member data (the registry's hooks) ---------------------------------------------------

    async def export_member(self, guild_id: int, user_id: int) -> dict[str, Any]:
        async with self.database.session() as session:
            reminders = await repo.of_member(session, guild_id, user_id)
            timezone = await member_timezone(session, user_id)
        return {
            "timezone": timezone,
            "reminders": [
                {
                    "id": reminder.id,
                    "what": reminder.what,
                    "due_at": reminder.due_at.isoformat(),
                    "repeats": reminder.rule,
                    "timezone": reminder.timezone,
                    "state": reminder.state,
                    "channel_id": reminder.channel_id,
                    "created_at": reminder.created_at.isoformat(),
                }
                for reminder in reminders
            ],
        }

    async def erase_member(self, guild_id: int, user_id: int) -> int:
        """Delete the member's reminders in this server (their jobs cancelled) and their time zone."""
        now = self.clock.now()
        async with self.database.session() as session:
            jobs = JobWrites(session, now)
            for reminder in await repo.of_member(session, guild_id, user_id):
                if reminder.state in ACTIVE_STATES or reminder.snoozed_until is not None:
                    await self._cancel_jobs(jobs, reminder)
            erased = await repo.delete_member(session, guild_id, user_id)
            erased += await erase_member_settings(session, user_id)
        return erased

    async def count_member(self, guild_id: int, user_id: int) -> int:
        async with self.database.session() as session:
            return len(await repo.of_member(session, guild_id, user_id))

    @staticmethod
    async def _full(session: AsyncSession, user_id: int) -> bool:
        await repo.lock_member(session, user_id)
        return await repo.count_active(session, user_id) >= MAX_ACTIVE

    @staticmethod
    async def _cancel_jobs(jobs: JobWrites, reminder: Reminder) -> None:
        await jobs.cancel(reminder.id, reminder.due_at)
        await jobs.cancel(reminder.id, reminder.snoozed_until)


def _pending_snooze(reminder: Reminder, now: datetime) -> datetime | None:
    """The extra delivery a snooze already promised and not yet made, if any."""
    if reminder.snoozed_until is not None and reminder.snoozed_until > now:
        return reminder.snoozed_until
    return None


def snooze_until(option: Snooze, now: datetime, timezone: str) -> datetime:
    """10 minutes or an hour from now (exact); tomorrow: this time of day tomorrow, wall clock."""
    if option == Snooze.MINUTES_10:
        return now + timedelta(minutes=10)
    if option == Snooze.HOUR:
        return now + timedelta(hours=1)
    local = now.astimezone(ZoneInfo(timezone)).replace(tzinfo=None, second=0, microsecond=0)
    return resolve_local(local + timedelta(days=1), timezone).astimezone(UTC)


__all__ = [
    "MAX_ACTIVE",
    "WHAT_MAX",
    "Changed",
    "Created",
    "Due",
    "Outcome",
    "ReminderService",
    "Snooze",
    "WhenError",
    "snooze_until",
]

"""The check-in service: subjects opened and ended by features, check-ins posted on a cadence,
members' answers, quiet subjects. No Discord: the cog says what these outcomes mean.

Each regular check-in is a one-off job keyed by its subject and due time; the run that posts
one writes the next in the same transaction, so the chain survives restarts and a retried run
finds its check-in already written (and posts with the same nonce).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.checkins import jobs, rules
from bot.checkins import repository as repo
from bot.checkins.models import (
    AnswerKind,
    Checkin,
    CheckinAnswer,
    CheckinSettings,
    CheckinState,
    CheckinSubject,
)
from bot.checkins.subjects import Subject, SubjectProvider
from bot.clock import Clock
from bot.db import Database
from bot.db.core_repo import get_guild_settings
from bot.db.rows import insert_or_lock
from bot.scheduler import JobScheduler, JobState, next_occurrence, resolve_local, store
from bot.scheduler.recurrence import get_zone

log = logging.getLogger("bot.checkins")


class Outcome(StrEnum):
    SAVED = "saved"
    NOT_MEMBER = "not_member"
    ENDED = "ended"
    GONE = "gone"
    ALREADY_DONE = "already_done"
    HELP_ALREADY = "help_already"
    NOT_IN_THREAD = "not_in_thread"


@dataclass(frozen=True)
class PostPlan:
    """One check-in to post now."""

    checkin_id: int
    guild_id: int
    thread_id: int | None
    locale: str
    title: str
    label: str
    prompt: str | None
    went_quiet: bool  # this check-in found the subject quiet: tell moderators (once)
    missed_in_row: int


@dataclass(frozen=True)
class HelpAlert:
    guild_id: int
    thread_id: int | None
    title: str
    label: str
    locale: str


@dataclass(frozen=True)
class Answered:
    outcome: Outcome
    again_at: datetime | None = None  # a snooze: when the check-in comes back
    help: HelpAlert | None = None  # Need help, the first time for this check-in


@dataclass(frozen=True)
class CadenceChanged:
    outcome: Outcome
    every_weeks: int | None = None  # the subject's own choice; None: the server's
    next_at: datetime | None = None
    timezone: str = "UTC"


@dataclass(frozen=True)
class Counts:
    done: int
    missed: int
    quiet: int


@dataclass(frozen=True)
class SettingsView:
    every_weeks: int
    missed_before_quiet: int
    hour: int
    timezone: str


class CheckinService:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        scheduler: JobScheduler,
        *,
        default_timezone: str = "UTC",
        default_locale: str = "en",
    ) -> None:
        self.database = database
        self.clock = clock
        self.scheduler = scheduler
        self.default_timezone = default_timezone
        self.default_locale = default_locale
        self._providers: dict[str, SubjectProvider] = {}

    # -- features declaring their subjects ---------------------------------------------------

    def register_provider(self, provider: SubjectProvider) -> None:
        if not provider.kind or len(provider.kind) > 32:
            raise ValueError("a subject kind is 1 to 32 characters")
        self._providers[provider.kind] = provider

    def unregister_provider(self, kind: str) -> None:
        self._providers.pop(kind, None)

    async def _describe(self, kind: str, subject_id: int) -> Subject | None:
        provider = self._providers.get(kind)
        if provider is None:  # the feature is not loaded: leave its subjects alone
            raise LookupError(f"no check-in provider for {kind!r}")
        return await provider.describe(subject_id)

    async def open_subject(
        self,
        kind: str,
        subject_id: int,
        guild_id: int,
        *,
        first_due: datetime | None = None,
        thread_id: int | None = None,
    ) -> datetime | None:
        """Start checking in with a feature's group: the first check-in at ``first_due`` (default:
        one cadence from now at the server's check-in hour). Opening it again changes nothing.
        Returns when the first check-in is due (None when the server has check-ins off)."""
        now = self.clock.now()
        async with self.database.session() as session:
            found = await repo.subject(session, kind, subject_id)
            if found is not None:
                return found.next_due_at
            settings = await repo.settings_or_default(session, guild_id, now)
            timezone = await self._timezone(session, guild_id)
            if first_due is None:
                first_due = self._default_first(settings, timezone, now)
            row = CheckinSubject(
                guild_id=guild_id,
                kind=kind,
                subject_id=subject_id,
                thread_id=thread_id,
                every_weeks=None,
                anchor_at=first_due,
                next_due_at=first_due if settings.every_weeks else None,
                missed_in_row=0,
                created_at=now,
            )
            session.add(row)
            await session.flush()
            if row.next_due_at is not None:
                await self._schedule_post(session, row, now)
        if row.next_due_at is not None:
            await self.scheduler.notify(row.next_due_at)
        return row.next_due_at

    async def end_subject(self, kind: str, subject_id: int) -> bool:
        """Stop checking in: nothing more is posted; answers to its check-ins are refused."""
        async with self.database.session() as session:
            row = await repo.subject(session, kind, subject_id)
            if row is None or row.ended_at is not None:
                return False
            await self._end(session, row, self.clock.now())
        return True

    async def _end(self, session: AsyncSession, row: CheckinSubject, now: datetime) -> None:
        row.ended_at = now
        if row.next_due_at is not None:
            await store.cancel(session, jobs.post_key(row.id, row.next_due_at), now=now)
            row.next_due_at = None
        for checkin in await repo.pending_of(session, row.id):
            if checkin.state == CheckinState.SNOOZED:
                await store.cancel(session, jobs.repost_key(checkin.id, checkin.snoozes), now=now)
                checkin.state = CheckinState.ENDED
            else:
                checkin.state = CheckinState.MISSED
            checkin.closed_at = now

    # -- posting -------------------------------------------------------------------------------

    async def post_due(self, subject_row_id: int, due_at: datetime) -> PostPlan | None:
        """The regular check-in due at ``due_at``, written with the next one; None when there is
        nothing to post (the subject ended, or the check-in moved since the job was written)."""
        async with self.database.session() as session:
            row = await session.get(CheckinSubject, subject_row_id)
            if row is None or row.ended_at is not None:
                return None
            kind, subject_id = row.kind, row.subject_id
            retried = await repo.checkin_at(session, row.id, due_at) is not None
            if not retried and row.next_due_at != due_at:
                return None  # moved by a cadence change that could not cancel this job
        subject = await self._describe(kind, subject_id)
        now = self.clock.now()
        async with self.database.session() as session:
            row = await session.get(CheckinSubject, subject_row_id)
            if row is None or row.ended_at is not None:
                return None
            if subject is None or not subject.active:
                await self._end(session, row, now)
                return None
            row.thread_id = subject.thread_id
            checkin = await repo.checkin_at(session, row.id, due_at)
            if checkin is None:
                checkin = Checkin(
                    subject_row_id=row.id,
                    guild_id=row.guild_id,
                    due_at=due_at,
                    state=CheckinState.OPEN,
                    snoozes=0,
                )
                session.add(checkin)
                await session.flush()
                settings = await repo.settings_or_default(session, row.guild_id, now)
                await self._close_earlier(session, row, checkin, settings, now)
                row.next_due_at = await self._following(session, row, settings, after=max(now, due_at))
                if subject.ends_at is not None and row.next_due_at and row.next_due_at >= subject.ends_at:
                    row.next_due_at = None
                if row.next_due_at is not None:
                    await self._schedule_post(session, row, now)
            locale = await self._locale(session, row.guild_id)
            plan = PostPlan(
                checkin_id=checkin.id,
                guild_id=row.guild_id,
                thread_id=row.thread_id,
                locale=locale,
                title=subject.title,
                label=subject.label,
                prompt=subject.prompt,
                went_quiet=row.quiet_checkin_id == checkin.id,
                missed_in_row=row.missed_in_row,
            )
            next_due = row.next_due_at
        if next_due is not None:
            await self.scheduler.notify(next_due)
        return plan

    async def _close_earlier(
        self,
        session: AsyncSession,
        row: CheckinSubject,
        checkin: Checkin,
        settings: CheckinSettings,
        now: datetime,
    ) -> None:
        """Earlier check-ins nobody answered are missed; a subject missing enough in a row goes
        quiet, marked with the check-in that found it so (whose job tells moderators)."""
        for earlier in await repo.unanswered_before(session, row.id, checkin.id):
            if earlier.state == CheckinState.SNOOZED:  # answered with a snooze: not missed
                await store.cancel(session, jobs.repost_key(earlier.id, earlier.snoozes), now=now)
                earlier.state = CheckinState.ENDED
            else:
                earlier.state = CheckinState.MISSED
                row.missed_in_row += 1
            earlier.closed_at = now
        if row.missed_in_row >= settings.missed_before_quiet and row.quiet_checkin_id is None:
            row.quiet_checkin_id = checkin.id

    async def repost_due(self, checkin_id: int, snoozes: int) -> PostPlan | None:
        """A snoozed check-in coming back; None if it was answered, moved again or ended."""
        async with self.database.session() as session:
            checkin = await session.get(Checkin, checkin_id)
            if checkin is None or checkin.snoozes != snoozes:
                return None
            if checkin.state not in (CheckinState.SNOOZED, CheckinState.OPEN):
                return None
            row = await session.get(CheckinSubject, checkin.subject_row_id)
            if row is None or row.ended_at is not None:
                return None
            kind, subject_id = row.kind, row.subject_id
        subject = await self._describe(kind, subject_id)
        async with self.database.session() as session:
            checkin = await session.get(Checkin, checkin_id)
            row = await session.get(CheckinSubject, checkin.subject_row_id) if checkin else None
            if checkin is None or row is None or row.ended_at is not None:
                return None
            if subject is None or not subject.active:
                await self._end(session, row, self.clock.now())
                return None
            checkin.state = CheckinState.OPEN  # (already OPEN on a retry)
            row.thread_id = subject.thread_id
            return PostPlan(
                checkin_id=checkin.id,
                guild_id=row.guild_id,
                thread_id=row.thread_id,
                locale=await self._locale(session, row.guild_id),
                title=subject.title,
                label=subject.label,
                prompt=subject.prompt,
                went_quiet=False,
                missed_in_row=row.missed_in_row,
            )

    # -- answers -------------------------------------------------------------------------------

    async def may_answer(self, checkin_id: int, user_id: int) -> Outcome:
        """Whether this member may answer this check-in now (before opening the note form)."""
        found = await self._answerable(checkin_id, user_id)
        return found if isinstance(found, Outcome) else Outcome.SAVED

    async def _answerable(self, checkin_id: int, user_id: int) -> Outcome | Subject:
        async with self.database.session() as session:
            checkin = await session.get(Checkin, checkin_id)
            row = await session.get(CheckinSubject, checkin.subject_row_id) if checkin else None
            if checkin is None or row is None:
                return Outcome.GONE
            if row.ended_at is not None or checkin.state == CheckinState.ENDED:
                return Outcome.ENDED
            kind, subject_id = row.kind, row.subject_id
        subject = await self._describe(kind, subject_id)
        if subject is None or not subject.active:
            await self.end_subject(kind, subject_id)
            return Outcome.ENDED
        if user_id not in subject.member_ids:
            return Outcome.NOT_MEMBER
        return subject

    async def answer(
        self, checkin_id: int, user_id: int, answer: AnswerKind, note: str | None = None
    ) -> Answered:
        found = await self._answerable(checkin_id, user_id)
        if isinstance(found, Outcome):
            return Answered(found)
        subject = found
        now = self.clock.now()
        again_at: datetime | None = None
        help_alert: HelpAlert | None = None
        async with self.database.session() as session:
            checkin = await session.get(Checkin, checkin_id)
            row = await session.get(CheckinSubject, checkin.subject_row_id) if checkin else None
            if checkin is None or row is None:
                return Answered(Outcome.GONE)
            if row.ended_at is not None or checkin.state == CheckinState.ENDED:
                return Answered(Outcome.ENDED)
            if answer == AnswerKind.DONE:
                earlier = await repo.done_answer(session, checkin.id, user_id)
                if earlier is not None:  # pressed again: the newest note counts
                    earlier.note, earlier.answered_at = note, now
                else:
                    session.add(self._answer_row(checkin, user_id, answer, note, now))
                if checkin.state == CheckinState.SNOOZED:
                    await store.cancel(session, jobs.repost_key(checkin.id, checkin.snoozes), now=now)
                checkin.state, checkin.snoozed_until = CheckinState.DONE, None
                checkin.closed_at = checkin.closed_at or now
            elif answer in rules.SNOOZES:
                if checkin.state == CheckinState.DONE:
                    return Answered(Outcome.ALREADY_DONE)
                if checkin.state == CheckinState.SNOOZED:
                    await store.cancel(session, jobs.repost_key(checkin.id, checkin.snoozes), now=now)
                checkin.snoozes += 1
                checkin.state, checkin.snoozed_until = CheckinState.SNOOZED, now + rules.SNOOZES[answer]
                checkin.closed_at = None
                again_at = checkin.snoozed_until
                await store.schedule(
                    session,
                    jobs.REPOST,
                    {"checkin_id": checkin.id, "snoozes": checkin.snoozes},
                    again_at,
                    now=now,
                    dedupe_key=jobs.repost_key(checkin.id, checkin.snoozes),
                    guild_id=row.guild_id,
                )
                session.add(self._answer_row(checkin, user_id, answer, None, now))
            else:
                if checkin.help_requested_at is not None:
                    return Answered(Outcome.HELP_ALREADY)
                checkin.help_requested_at = now
                session.add(self._answer_row(checkin, user_id, answer, None, now))
                help_alert = HelpAlert(
                    guild_id=row.guild_id,
                    thread_id=subject.thread_id,
                    title=subject.title,
                    label=subject.label,
                    locale=await self._locale(session, row.guild_id),
                )
            if checkin.state == CheckinState.MISSED:  # answered late: no longer missed
                checkin.state = CheckinState.OPEN
            # Any answer shows the group is there: the count of misses starts again.
            row.missed_in_row, row.quiet_checkin_id = 0, None
            kind, subject_id = row.kind, row.subject_id
        if again_at is not None:
            await self.scheduler.notify(again_at)
        await self._providers[kind].answered(subject_id, user_id, answer)
        return Answered(Outcome.SAVED, again_at=again_at, help=help_alert)

    async def help_not_delivered(self, checkin_id: int) -> None:
        """The moderators could not be reached: the next Need help press tries again."""
        async with self.database.session() as session:
            checkin = await session.get(Checkin, checkin_id)
            if checkin is not None:
                checkin.help_requested_at = None

    @staticmethod
    def _answer_row(
        checkin: Checkin, user_id: int, answer: AnswerKind, note: str | None, now: datetime
    ) -> CheckinAnswer:
        return CheckinAnswer(
            checkin_id=checkin.id,
            guild_id=checkin.guild_id,
            user_id=user_id,
            answer=answer,
            note=note,
            answered_at=now,
        )

    # -- cadence -------------------------------------------------------------------------------

    async def set_subject_cadence(
        self, thread_id: int, user_id: int, every_weeks: int | None
    ) -> CadenceChanged:
        """A group's own cadence, chosen by one of its members in its thread (None: the server's)."""
        if every_weeks is not None:
            rules.check_every_weeks(every_weeks, allow_off=False)
        async with self.database.session() as session:
            row = await repo.subject_in_thread(session, thread_id)
            if row is None:
                return CadenceChanged(Outcome.NOT_IN_THREAD)
            kind, subject_id, row_id = row.kind, row.subject_id, row.id
        subject = await self._describe(kind, subject_id)
        if subject is None or not subject.active:
            await self.end_subject(kind, subject_id)
            return CadenceChanged(Outcome.ENDED)
        if user_id not in subject.member_ids:
            return CadenceChanged(Outcome.NOT_MEMBER)
        now = self.clock.now()
        async with self.database.session() as session:
            row = await session.get(CheckinSubject, row_id)
            assert row is not None
            row.every_weeks = every_weeks
            settings = await repo.settings_or_default(session, row.guild_id, now)
            await self._reschedule(session, row, settings, now, ends_at=subject.ends_at)
            timezone = await self._timezone(session, row.guild_id)
            next_at = row.next_due_at
        if next_at is not None:
            await self.scheduler.notify(next_at)
        return CadenceChanged(Outcome.SAVED, every_weeks, next_at, timezone)

    async def settings(self, guild_id: int) -> SettingsView:
        async with self.database.session() as session:
            found = await repo.settings_or_default(session, guild_id, self.clock.now())
            return SettingsView(
                found.every_weeks,
                found.missed_before_quiet,
                found.hour,
                await self._timezone(session, guild_id),
            )

    async def save_settings(
        self,
        guild_id: int,
        *,
        every_weeks: int | None = None,
        missed: int | None = None,
        hour: int | None = None,
    ) -> SettingsView:
        """Change the server's check-in settings; every running subject follows the new cadence."""
        if every_weeks is not None:
            rules.check_every_weeks(every_weeks, allow_off=True)
        if missed is not None:
            rules.check_missed(missed)
        if hour is not None:
            rules.check_hour(hour)
        now = self.clock.now()
        async with self.database.session() as session:
            default = await repo.settings_or_default(session, guild_id, now)
            found, _created = await insert_or_lock(
                session,
                CheckinSettings,
                {"guild_id": guild_id},
                {
                    "every_weeks": default.every_weeks,
                    "missed_before_quiet": default.missed_before_quiet,
                    "hour": default.hour,
                    "updated_at": now,
                },
            )
            cadence_changed = every_weeks is not None and every_weeks != found.every_weeks
            for name, value in (
                ("every_weeks", every_weeks),
                ("missed_before_quiet", missed),
                ("hour", hour),
            ):
                if value is not None:
                    setattr(found, name, value)
            found.updated_at = now
            if cadence_changed:
                await self._reschedule_guild(session, guild_id, found, now)
            view = SettingsView(
                found.every_weeks,
                found.missed_before_quiet,
                found.hour,
                await self._timezone(session, guild_id),
            )
        due = await self.scheduler.next_due_at()
        if due is not None:
            await self.scheduler.notify(due)
        return view

    async def timezone_changed(self, guild_id: int) -> None:
        """The server's time zone changed: check-ins keep their local weekday and time."""
        now = self.clock.now()
        async with self.database.session() as session:
            settings = await repo.settings_or_default(session, guild_id, now)
            await self._reschedule_guild(session, guild_id, settings, now)
        due = await self.scheduler.next_due_at()
        if due is not None:
            await self.scheduler.notify(due)

    async def _reschedule_guild(
        self, session: AsyncSession, guild_id: int, settings: CheckinSettings, now: datetime
    ) -> None:
        for row in await repo.active_subjects(session, guild_id):
            await self._reschedule(session, row, settings, now, ends_at=None)

    async def _reschedule(
        self,
        session: AsyncSession,
        row: CheckinSubject,
        settings: CheckinSettings,
        now: datetime,
        *,
        ends_at: datetime | None,
    ) -> None:
        every = row.every_weeks if row.every_weeks is not None else settings.every_weeks
        if every and row.next_due_at is not None and row.next_due_at == row.anchor_at > now:
            return  # the first check-in, at the time its feature chose, is still ahead: it stays
        if row.next_due_at is not None:
            await store.cancel(session, jobs.post_key(row.id, row.next_due_at), now=now)
        row.next_due_at = await self._following(session, row, settings, after=now)
        if ends_at is not None and row.next_due_at is not None and row.next_due_at >= ends_at:
            row.next_due_at = None
        if row.next_due_at is not None:
            await self._schedule_post(session, row, now)

    async def _following(
        self, session: AsyncSession, row: CheckinSubject, settings: CheckinSettings, *, after: datetime
    ) -> datetime | None:
        every = row.every_weeks if row.every_weeks is not None else settings.every_weeks
        if not every:
            return None
        timezone = await self._timezone(session, row.guild_id)
        rule = rules.rule_for(row.anchor_at, every, timezone)
        return next_occurrence(rule, timezone, after, anchor=row.anchor_at)

    async def _schedule_post(self, session: AsyncSession, row: CheckinSubject, now: datetime) -> None:
        assert row.next_due_at is not None
        job = await store.schedule(
            session,
            jobs.POST,
            {"subject": row.id, "due_at": row.next_due_at.astimezone(UTC).isoformat()},
            row.next_due_at,
            now=now,
            dedupe_key=jobs.post_key(row.id, row.next_due_at),
            guild_id=row.guild_id,
        )
        if job is None or job.state != JobState.PENDING:
            log.warning("check-in job %s was not written as pending", jobs.post_key(row.id, row.next_due_at))

    def _default_first(self, settings: CheckinSettings, timezone: str, now: datetime) -> datetime:
        local = (now + timedelta(weeks=max(settings.every_weeks, 1))).astimezone(get_zone(timezone))
        wall = local.replace(hour=settings.hour, minute=0, second=0, microsecond=0, tzinfo=None)
        return resolve_local(wall, timezone)

    async def _timezone(self, session: AsyncSession, guild_id: int) -> str:
        settings = await get_guild_settings(session, guild_id)
        return settings.timezone if settings is not None else self.default_timezone

    async def _locale(self, session: AsyncSession, guild_id: int) -> str:
        settings = await get_guild_settings(session, guild_id)
        return settings.locale if settings is not None else self.default_locale

    # -- the dashboard and the member's data -------------------------------------------------------

    async def counts(self, guild_id: int) -> Counts:
        async with self.database.session() as session:
            found = await repo.counts(session, guild_id)
        return Counts(**found)

    async def export_member(self, guild_id: int, user_id: int) -> dict[str, Any]:
        async with self.database.session() as session:
            return {"answers": await repo.member_answers(session, guild_id, user_id)}

    async def erase_member(self, guild_id: int, user_id: int) -> int:
        async with self.database.session() as session:
            return await repo.erase_member(session, guild_id, user_id)

    async def count_member(self, guild_id: int, user_id: int) -> int:
        return len((await self.export_member(guild_id, user_id))["answers"])

"""What members and moderators do with surveys, as outcomes: no Discord, no translated text.

Each method is one unit of work: one session; the jobs it creates commit with the state they
belong to, and the scheduler is told after the commit.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from fractions import Fraction
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db import Database
from bot.db.core_repo import get_guild_settings
from bot.db.rows import insert_or_lock
from bot.scheduler import JobScheduler, JobState, store
from bot.surveys import jobs, rules
from bot.surveys import repository as repo
from bot.surveys.models import (
    InviteState,
    Survey,
    SurveyAnswer,
    SurveyInvite,
    SurveyMember,
    SurveyPartnershipAnswer,
    SurveySettings,
)

log = logging.getLogger("bot.surveys")


@dataclass(frozen=True)
class PartnershipRef:
    """A partnership the member belongs to, as the partnership question names it."""

    id: int
    name: str


# ``partnerships_of(guild_id, user_id)``: the member's active partnerships. Pluggable: without
# one, nobody gets the partnership question.
PartnershipLookup = Callable[[int, int], Awaitable[Sequence[PartnershipRef]]]


async def no_partnerships(_guild_id: int, _user_id: int) -> Sequence[PartnershipRef]:
    return ()


class Answer(StrEnum):
    SAVED = "saved"
    REPLACED = "replaced"  # a second answer: it replaced the first
    CLOSED = "closed"  # too late: the survey closed
    NOT_INVITED = "not_invited"  # no such survey, or not sent to this member
    NEEDS_SCORE = "needs_score"  # a comment before any score


@dataclass(frozen=True)
class Answered:
    outcome: Answer
    closes_at: datetime | None = None


@dataclass(frozen=True)
class SettingsView:
    every_months: int  # 0: no surveys
    window_days: int
    next_survey_at: datetime | None
    timezone: str
    opted_in: int
    configured: bool


@dataclass(frozen=True)
class OptedIn:
    already: bool
    next_survey_at: datetime | None
    timezone: str


@dataclass(frozen=True)
class Opened:
    survey_id: int
    number: int
    invited: int
    closes_at: datetime


@dataclass(frozen=True)
class Skipped:
    """The bot was down for the whole window: no survey; the next one is scheduled."""

    missed_at: datetime
    next_survey_at: datetime


@dataclass(frozen=True)
class InvitePlan:
    survey_id: int
    guild_id: int
    number: int
    user_id: int
    locale: str
    closes_at: datetime
    partnerships: Sequence[PartnershipRef]


@dataclass(frozen=True)
class SurveyFigures:
    number: int
    opens_at: datetime
    closes_at: datetime
    is_open: bool
    invited: int
    unreached: int  # direct messages closed, or never sent before it closed
    nps: rules.Nps
    partnership_answers: int
    partnership_average: Fraction | None
    comments: list[str] = field(default_factory=list)

    @property
    def answered(self) -> int:
        return self.nps.answers

    @property
    def response_rate(self) -> int | None:
        """Answers per member invited (reached or not), in percent."""
        return rules.percent(self.answered, self.invited)

    @property
    def shown(self) -> bool:
        """Enough answers that the figures do not point at anyone."""
        return self.answered >= rules.MIN_ANSWERS_SHOWN


@dataclass(frozen=True)
class Results:
    settings: SettingsView
    surveys: list[SurveyFigures]  # newest first

    def trend(self) -> int | None:
        """NPS change from the survey before the newest (both with enough answers), else None."""
        shown = [s for s in self.surveys if s.shown]
        if len(self.surveys) < 2 or len(shown) < 2 or shown[0] is not self.surveys[0]:
            return None
        newest, previous = shown[0].nps.score, shown[1].nps.score
        return None if newest is None or previous is None else newest - previous


class SurveyService:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        scheduler: JobScheduler,
        *,
        default_timezone: str = "UTC",
        partnerships_of: PartnershipLookup = no_partnerships,
    ) -> None:
        self.database = database
        self.clock = clock
        self.scheduler = scheduler
        self.default_timezone = default_timezone
        self.partnerships_of = partnerships_of

    async def _timezone(self, session: AsyncSession, guild_id: int) -> str:
        guild = await get_guild_settings(session, guild_id)
        return guild.timezone if guild is not None and guild.timezone else self.default_timezone

    # -- members ----------------------------------------------------------------------------

    async def opt_in(self, guild_id: int, user_id: int, locale: str) -> OptedIn:
        async with self.database.session() as session:
            member, created = await insert_or_lock(
                session,
                SurveyMember,
                {"guild_id": guild_id, "user_id": user_id},
                {"locale": locale, "created_at": self.clock.now()},
            )
            already = not created
            member.locale = locale
            settings = await repo.get_settings(session, guild_id)
            timezone = await self._timezone(session, guild_id)
        return OptedIn(already, settings.next_survey_at if settings else None, timezone)

    async def opt_out(self, guild_id: int, user_id: int) -> bool:
        """False when the member was not opted in. Answers already given stay (anonymous in the
        figures); /privacy erases them."""
        async with self.database.session() as session:
            member = await repo.get_member(session, guild_id, user_id)
            if member is None:
                return False
            await session.delete(member)
        return True

    async def member_left(self, guild_id: int, user_id: int) -> bool:
        """A member who leaves the server is signed off: no invitation goes to them (one not sent
        yet is dropped, so they are not counted as unreached), and a return needs a new opt-in."""
        return await self.opt_out(guild_id, user_id)

    async def is_opted_in(self, guild_id: int, user_id: int) -> bool:
        async with self.database.session() as session:
            return await repo.get_member(session, guild_id, user_id) is not None

    # -- moderators' settings ---------------------------------------------------------------

    async def settings(self, guild_id: int) -> SettingsView:
        async with self.database.session() as session:
            return await self._view(session, guild_id, await repo.get_settings(session, guild_id))

    async def _view(
        self, session: AsyncSession, guild_id: int, settings: SurveySettings | None
    ) -> SettingsView:
        timezone = await self._timezone(session, guild_id)
        opted_in = await repo.count_members(session, guild_id)
        if settings is None:
            return SettingsView(0, rules.DEFAULT_WINDOW_DAYS, None, timezone, opted_in, configured=False)
        return SettingsView(
            settings.every_months, settings.window_days, settings.next_survey_at, timezone, opted_in, True
        )

    async def save_settings(
        self, guild_id: int, *, every_months: int | None = None, window_days: int | None = None
    ) -> SettingsView:
        """Change how often surveys go out and how long each stays open; the next survey is
        scheduled again from the new settings (a survey already open keeps its own window)."""
        if every_months is not None:
            rules.check_cadence(every_months)
        if window_days is not None:
            rules.check_window(window_days)
        now = self.clock.now()
        async with self.database.session() as session:
            # Only a cadence a moderator chose starts surveys (saving a window alone does not).
            settings, _created = await insert_or_lock(
                session,
                SurveySettings,
                {"guild_id": guild_id},
                {
                    "every_months": 0,
                    "window_days": rules.DEFAULT_WINDOW_DAYS,
                    "generation": 0,
                    "updated_at": now,
                },
            )
            if every_months is not None:
                settings.every_months = every_months
            if window_days is not None:
                settings.window_days = window_days
            due = await self._reschedule(session, settings, now)
            view = await self._view(session, guild_id, settings)
        if due is not None:
            await self.scheduler.notify(due)
        return view

    async def timezone_changed(self, guild_id: int) -> None:
        """The server's time zone moved: the next survey is at 10:00 in the new one."""
        now = self.clock.now()
        async with self.database.session() as session:
            settings = await repo.get_settings(session, guild_id)
            if settings is None or not settings.every_months:
                return
            due = await self._reschedule(session, settings, now)
        if due is not None:
            await self.scheduler.notify(due)

    async def _reschedule(
        self, session: AsyncSession, settings: SurveySettings, now: datetime
    ) -> datetime | None:
        if settings.next_survey_at is not None:
            await store.cancel(
                session,
                jobs.open_key(settings.guild_id, settings.generation, settings.next_survey_at),
                now=now,
            )
        settings.generation += 1
        settings.updated_at = now
        settings.next_survey_at = None
        if not settings.every_months:
            await session.flush()
            return None
        timezone = await self._timezone(session, settings.guild_id)
        return await self._schedule_open(
            session, settings, rules.next_survey_at(now, settings.every_months, timezone), now
        )

    async def _schedule_open(
        self, session: AsyncSession, settings: SurveySettings, at: datetime, now: datetime
    ) -> datetime | None:
        settings.next_survey_at = at
        payload = {"guild_id": settings.guild_id, "generation": settings.generation, "at": at.isoformat()}
        job = await store.schedule(
            session,
            jobs.OPEN,
            payload,
            at,
            now=now,
            dedupe_key=jobs.open_key(settings.guild_id, settings.generation, at),
            guild_id=settings.guild_id,
        )
        await session.flush()
        return job.due_at if job is not None and job.state == JobState.PENDING else None

    # -- a survey starts ----------------------------------------------------------------------

    async def open_survey(self, guild_id: int, generation: int, at: datetime) -> Opened | Skipped | None:
        """Record the survey due ``at`` and invite every opted-in member (one paced job each);
        schedule the next survey. None when the settings changed since this was scheduled."""
        now = self.clock.now()
        due: list[datetime] = []
        async with self.database.session() as session:
            settings = await repo.get_settings(session, guild_id)
            if settings is None or settings.generation != generation or not settings.every_months:
                return None
            existing = await repo.survey_at(session, guild_id, at)
            timezone = await self._timezone(session, guild_id)
            next_at = rules.next_survey_at(max(at, now), settings.every_months, timezone)
            if settings.next_survey_at == at and (
                scheduled := await self._schedule_open(session, settings, next_at, now)
            ):
                due.append(scheduled)
            if existing is not None:  # a retry after the survey was recorded: nothing twice
                opened: Opened | Skipped = Opened(
                    existing.id,
                    existing.number,
                    len(await repo.pending_invites(session, existing.id)),
                    existing.closes_at,
                )
            elif now >= at + timedelta(days=settings.window_days):
                opened = Skipped(at, next_at)
            else:
                opened = await self._open(session, settings, at, now, due)
        if due:
            await self.scheduler.notify(min(due))
        return opened

    async def _open(
        self,
        session: AsyncSession,
        settings: SurveySettings,
        at: datetime,
        now: datetime,
        due: list[datetime],
    ) -> Opened:
        guild_id = settings.guild_id
        survey = Survey(
            guild_id=guild_id,
            number=await repo.last_number(session, guild_id) + 1,
            opens_at=at,
            closes_at=at + timedelta(days=settings.window_days),
        )
        session.add(survey)
        await session.flush()
        members = list(await repo.members(session, guild_id))
        session.add_all(
            SurveyInvite(
                survey_id=survey.id,
                user_id=member.user_id,
                locale=member.locale,
                state=InviteState.PENDING,
                updated_at=now,
            )
            for member in members
        )
        await session.flush()  # one multi-row insert
        for batch, first in enumerate(range(0, len(members), jobs.INVITE_BATCH)):
            users = [member.user_id for member in members[first : first + jobs.INVITE_BATCH]]
            await store.schedule(
                session,
                jobs.INVITE,
                {"survey_id": survey.id, "guild_id": guild_id, "users": users},
                now,
                now=now,
                dedupe_key=jobs.invite_key(survey.id, batch),
                guild_id=guild_id,
            )
        invited = len(members)
        await store.schedule(
            session,
            jobs.CLOSE,
            {"survey_id": survey.id, "guild_id": guild_id},
            survey.closes_at,
            now=now,
            dedupe_key=jobs.close_key(survey.id),
            guild_id=guild_id,
        )
        if invited:
            due.append(now)
        due.append(survey.closes_at)
        await session.flush()
        return Opened(survey.id, survey.number, invited, survey.closes_at)

    async def invitation(self, survey_id: int, user_id: int) -> InvitePlan | None:
        """What one member's survey DM asks, or None when it should not go (sent already, the
        member opted out since, or the survey closed: then counted as not reached)."""
        now = self.clock.now()
        async with self.database.session() as session:
            invite = await repo.get_invite(session, survey_id, user_id)
            survey = await session.get(Survey, survey_id)
            if invite is None or survey is None or invite.state != InviteState.PENDING:
                return None
            if await repo.get_member(session, survey.guild_id, user_id) is None:
                await session.delete(invite)  # opted out before it went: not invited after all
                return None
            if now >= survey.closes_at:
                invite.state, invite.updated_at = InviteState.UNREACHED, now
                return None
            plan = InvitePlan(
                survey.id, survey.guild_id, survey.number, user_id, invite.locale, survey.closes_at, ()
            )
        try:
            partnerships = tuple(await self.partnerships_of(plan.guild_id, user_id))[:4]
        except Exception:  # the partnership question is optional: the survey goes anyway
            log.exception("partnerships_of failed for member %s; asking without it", user_id)
            partnerships = ()
        return InvitePlan(**{**plan.__dict__, "partnerships": partnerships})

    async def invite_done(self, survey_id: int, user_id: int, *, reached: bool) -> None:
        async with self.database.session() as session:
            invite = await repo.get_invite(session, survey_id, user_id)
            if invite is not None and invite.state == InviteState.PENDING:
                invite.state = InviteState.SENT if reached else InviteState.UNREACHED
                invite.updated_at = self.clock.now()

    # -- answers ----------------------------------------------------------------------------

    async def _answerable(self, session: AsyncSession, survey_id: int, user_id: int) -> Answered | Survey:
        survey = await session.get(Survey, survey_id)
        if survey is None or await repo.get_invite(session, survey_id, user_id) is None:
            return Answered(Answer.NOT_INVITED)
        if self.clock.now() >= survey.closes_at:
            return Answered(Answer.CLOSED, survey.closes_at)
        return survey

    async def refusal(self, survey_id: int, user_id: int) -> Answered | None:
        """Why this member may not answer this survey now, or None when they may."""
        async with self.database.session() as session:
            found = await self._answerable(session, survey_id, user_id)
        return found if isinstance(found, Answered) else None

    async def answer_score(self, survey_id: int, user_id: int, score: int) -> Answered:
        rules.check_score(score)
        now = self.clock.now()
        async with self.database.session() as session:
            survey = await self._answerable(session, survey_id, user_id)
            if isinstance(survey, Answered):
                return survey
            answer, created = await insert_or_lock(
                session,
                SurveyAnswer,
                {"survey_id": survey_id, "user_id": user_id},
                {"score": score, "answered_at": now},
            )
            if created:
                return Answered(Answer.SAVED, survey.closes_at)
            answer.score, answer.answered_at = score, now
            return Answered(Answer.REPLACED, survey.closes_at)

    async def answer_comment(self, survey_id: int, user_id: int, comment: str | None) -> Answered:
        """The optional comment of the member's answer; a new one replaces the old, an empty one
        removes it."""
        if comment is not None and len(comment) > rules.COMMENT_MAX:
            raise ValueError("comment too long")
        async with self.database.session() as session:
            survey = await self._answerable(session, survey_id, user_id)
            if isinstance(survey, Answered):
                return survey
            answer = await repo.get_answer(session, survey_id, user_id)
            if answer is None:
                return Answered(Answer.NEEDS_SCORE, survey.closes_at)
            replaced = answer.comment is not None
            answer.comment = comment or None
            answer.answered_at = self.clock.now()
            return Answered(Answer.REPLACED if replaced else Answer.SAVED, survey.closes_at)

    async def answer_partnership(
        self, survey_id: int, user_id: int, partnership_id: int, stars: int
    ) -> Answered:
        rules.check_stars(stars)
        now = self.clock.now()
        async with self.database.session() as session:
            survey = await self._answerable(session, survey_id, user_id)
            if isinstance(survey, Answered):
                return survey
            guild_id, closes_at = survey.guild_id, survey.closes_at
        if partnership_id not in {p.id for p in await self.partnerships_of(guild_id, user_id)}:
            return Answered(Answer.NOT_INVITED)
        async with self.database.session() as session:
            answer, created = await insert_or_lock(
                session,
                SurveyPartnershipAnswer,
                {"survey_id": survey_id, "user_id": user_id, "partnership_id": partnership_id},
                {"stars": stars, "answered_at": now},
            )
            if created:
                return Answered(Answer.SAVED, closes_at)
            answer.stars, answer.answered_at = stars, now
            return Answered(Answer.REPLACED, closes_at)

    # -- figures ----------------------------------------------------------------------------

    async def close_survey(self, survey_id: int) -> tuple[int, SurveyFigures] | None:
        """The window ended: DMs never sent count as not reached; the figures for moderators."""
        now = self.clock.now()
        async with self.database.session() as session:
            survey = await session.get(Survey, survey_id)
            if survey is None:
                return None
            # An invitation job still to run finds these settled and sends nothing.
            for invite in await repo.pending_invites(session, survey_id):
                invite.state, invite.updated_at = InviteState.UNREACHED, now
            await session.flush()
            return survey.guild_id, await self._figures(session, survey, now)

    async def _figures(self, session: AsyncSession, survey: Survey, now: datetime) -> SurveyFigures:
        states = await repo.invite_states(session, survey.id)
        answers = await repo.answers_of(session, survey.id)
        stars = await repo.stars_of(session, survey.id)
        # Comments without names, in an order that says nothing about who answered when.
        comments = sorted(a.comment for a in answers if a.comment)
        return SurveyFigures(
            number=survey.number,
            opens_at=survey.opens_at,
            closes_at=survey.closes_at,
            is_open=now < survey.closes_at,
            invited=sum(states.values()),
            unreached=states.get(InviteState.UNREACHED, 0),
            nps=rules.nps(a.score for a in answers),
            partnership_answers=len(stars),
            partnership_average=rules.average(stars),
            comments=comments,
        )

    async def results(self, guild_id: int, last: int = rules.TREND_SURVEYS) -> Results:
        now = self.clock.now()
        async with self.database.session() as session:
            view = await self._view(session, guild_id, await repo.get_settings(session, guild_id))
            surveys = [
                await self._figures(session, s, now)
                for s in await repo.latest_surveys(session, guild_id, last)
            ]
        return Results(view, surveys)

    async def figures(self, guild_id: int) -> dict[str, Any]:
        """For the moderators' dashboard: the newest survey's NPS and response rate (None while
        too few answered to show them)."""
        results = await self.results(guild_id, last=2)
        if not results.surveys:
            return {"survey": None, "nps": None, "response_rate": None, "answers": 0, "trend": None}
        newest = results.surveys[0]
        return {
            "survey": newest.number,
            "nps": newest.nps.score if newest.shown else None,
            "response_rate": newest.response_rate,
            "answers": newest.answered,
            "trend": results.trend(),
        }

    # -- a member's data (registry hooks) ----------------------------------------------------

    async def export_member(self, guild_id: int, user_id: int) -> dict[str, Any]:
        async with self.database.session() as session:
            return await repo.member_data(session, guild_id, user_id)

    async def erase_member(self, guild_id: int, user_id: int) -> int:
        # An invitation job still to run finds no invitation for them and sends nothing.
        async with self.database.session() as session:
            return await repo.erase_member(session, guild_id, user_id)

    async def count_member(self, guild_id: int, user_id: int) -> int:
        data = await self.export_member(guild_id, user_id)
        return (
            (data["opted_in"] is not None)
            + len(data["invitations"])
            + len(data["answers"])
            + len(data["partnership_answers"])
        )

"""Pen-pal rounds as durable units: the one chain of scheduled rounds, and starting a round.

No Discord here. A round is written in one transaction with every job that finishes it (one
introduction per group, the "no partner" notes, check-in, closing, and the next round), so a
crash at any point resumes from the database without doing anything twice. What those jobs then
do is in :mod:`bot.penpal.steps`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db import Database
from bot.db.core_repo import get_guild_settings
from bot.pairing.matching import Candidate, MatchResult, match_in_worker
from bot.penpal import jobs
from bot.penpal import repository as repo
from bot.penpal.models import (
    CrossBorder,
    PenpalProfile,
    PenpalSettings,
    RoundState,
)
from bot.penpal.schedule import RoundSchedule
from bot.scheduler import JobScheduler

CLOSE_BEFORE_NEXT_ROUND = timedelta(hours=2)
# A scheduled round this late (the bot was down) is skipped rather than opened days off its
# date; the chain still goes on to the next round after now.
ROUND_MAX_LATENESS = timedelta(days=2)
SCHEDULE_FIELDS = frozenset({"cadence", "weekday", "hour"})

Matcher = Callable[..., Awaitable[MatchResult]]


class Refusal(StrEnum):
    NO_CHANNEL = "no_channel"
    ROUND_OPEN = "round_open"
    MISSED = "missed"


@dataclass(frozen=True)
class RoundStarted:
    round_id: int
    groups: int
    unmatched: int


@dataclass(frozen=True)
class RoundRefused:
    reason: Refusal
    open_until: datetime | None = None
    next_round_at: datetime | None = None


@dataclass(frozen=True)
class SettingsSaved:
    channel_id: int | None
    next_round_at: datetime | None
    timezone: str


@dataclass(frozen=True)
class Preview:
    profiles: list[PenpalProfile]
    result: MatchResult


@dataclass(frozen=True)
class Notice:
    round_id: int
    round_at: datetime
    profiles: list[PenpalProfile]


def schedule_of(settings: PenpalSettings, timezone: str) -> RoundSchedule:
    return RoundSchedule(settings.cadence, settings.weekday, settings.hour, timezone)


def candidates(profiles: Sequence[PenpalProfile]) -> list[Candidate]:
    return [
        Candidate(
            id=str(profile.user_id),
            country=profile.country or "",
            languages=frozenset(profile.languages),
            interests=frozenset(profile.interests),
            timezone=profile.timezone or "UTC",
        )
        for profile in profiles
    ]


class RoundService:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        scheduler: JobScheduler,
        *,
        default_timezone: str = "UTC",
        default_locale: str = "en",
        matcher: Matcher = match_in_worker,
    ) -> None:
        self.database = database
        self.clock = clock
        self.scheduler = scheduler
        self.default_timezone = default_timezone
        self.default_locale = default_locale
        self.matcher = matcher

    async def _guild(self, session: AsyncSession, guild_id: int) -> tuple[str, str]:
        """The server's time zone and language, read once per unit of work."""
        settings = await get_guild_settings(session, guild_id)
        if settings is None:
            return self.default_timezone, self.default_locale
        return settings.timezone, settings.locale

    async def guild(self, guild_id: int) -> tuple[str, str]:
        """The server's time zone and language."""
        async with self.database.session() as session:
            return await self._guild(session, guild_id)

    async def close_now(self, guild_id: int) -> bool:
        """Close the open round now (a moderator asked): its closing job comes due at once."""
        now = self.clock.now()
        async with self.database.session() as session:
            round_ = await repo.open_round(session, guild_id)
            if round_ is None:
                return False
            batch = jobs.JobBatch(session, now)
            for kind in (jobs.CHECKIN, jobs.CLOSE):
                await batch.cancel(jobs.round_part_key(kind, round_.id))
            key = f"{jobs.round_part_key(jobs.CLOSE, round_.id)}:now"
            await batch.add(
                jobs.CLOSE, {"guild_id": guild_id, "round_id": round_.id}, now, key=key, guild_id=guild_id
            )
        await batch.notify(self.scheduler)
        return True

    # -- scheduling ---------------------------------------------------------------------------

    async def save_settings(self, guild_id: int, **changes: Any) -> SettingsSaved:
        """Save the round settings. The next round moves only when the schedule changed (or
        there was none): saving never adds a second chain of rounds."""
        now = self.clock.now()
        async with self.database.session() as session:
            before = await repo.get_settings(session, guild_id)
            had_channel = before is not None and before.channel_id is not None
            moved = before is None or any(
                getattr(before, key) != value for key, value in changes.items() if key in SCHEDULE_FIELDS
            )
            settings = await repo.save_settings(session, guild_id, now, **changes)
            timezone, _locale = await self._guild(session, guild_id)
            batch = jobs.JobBatch(session, now)
            if settings.channel_id is not None and (
                moved or not had_channel or settings.next_round_at is None
            ):
                await self._move_next_round(batch, settings, timezone, anchor=None)
            saved = SettingsSaved(settings.channel_id, settings.next_round_at, timezone)
        await batch.notify(self.scheduler)
        return saved

    async def timezone_changed(self, guild_id: int) -> datetime | None:
        """The server's time zone changed: the next round moves to its hour in the new zone."""
        now = self.clock.now()
        async with self.database.session() as session:
            settings = await repo.get_settings(session, guild_id)
            if settings is None or settings.channel_id is None or settings.next_round_at is None:
                return None
            timezone, _locale = await self._guild(session, guild_id)
            batch = jobs.JobBatch(session, now)
            await self._move_next_round(batch, settings, timezone, anchor=settings.next_round_at)
            moved_to = settings.next_round_at
        await batch.notify(self.scheduler)
        return moved_to

    async def _move_next_round(
        self, batch: jobs.JobBatch, settings: PenpalSettings, timezone: str, *, anchor: datetime | None
    ) -> None:
        if settings.next_round_at is not None:
            for kind in (jobs.NOTICE, jobs.ROUND):
                await batch.cancel(
                    jobs.round_key(
                        kind, settings.guild_id, settings.schedule_generation, settings.next_round_at
                    )
                )
        settings.schedule_generation += 1
        settings.next_round_at = schedule_of(settings, timezone).next_round(batch.now, anchor)
        await self._schedule_next_round(batch, settings, timezone)

    async def _schedule_next_round(
        self, batch: jobs.JobBatch, settings: PenpalSettings, timezone: str
    ) -> None:
        round_at = settings.next_round_at
        assert round_at is not None
        generation = settings.schedule_generation
        payload = {"guild_id": settings.guild_id, "round_at": round_at.isoformat(), "generation": generation}
        notice_at = max(schedule_of(settings, timezone).notice_time(round_at), batch.now)
        for kind, due in ((jobs.NOTICE, notice_at), (jobs.ROUND, round_at)):
            key = jobs.round_key(kind, settings.guild_id, generation, round_at)
            await batch.add(kind, payload, due, key=key, guild_id=settings.guild_id)

    @staticmethod
    def _current(settings: PenpalSettings | None, round_at: datetime, generation: int) -> bool:
        """Whether a round job belongs to the one chain of rounds (not a moved or stale one)."""
        return (
            settings is not None
            and settings.channel_id is not None
            and settings.next_round_at == round_at
            and settings.schedule_generation == generation
        )

    # -- the notice the day before -------------------------------------------------------------

    async def notice(self, guild_id: int, round_at: datetime, generation: int) -> Notice | None:
        async with self.database.session() as session:
            settings = await repo.get_settings(session, guild_id)
            if not self._current(settings, round_at, generation):
                return None
            assert settings is not None
            timezone, _locale = await self._guild(session, guild_id)
            ends_at = schedule_of(settings, timezone).round_after(round_at)
            round_ = await repo.get_or_create_round(
                session, guild_id, round_at, ends_at, seed=int(round_at.timestamp())
            )
            profiles = await repo.profiles_in_pool(session, guild_id, round_.id)
        return Notice(round_.id, round_at, profiles)

    # -- running a round ----------------------------------------------------------------------

    async def preview(self, guild_id: int) -> Preview:
        async with self.database.session() as session:
            settings = await repo.get_settings(session, guild_id)
            profiles = await repo.profiles_in_pool(session, guild_id, None)
            history = await repo.recent_history(
                session, guild_id, settings.no_repeat_rounds if settings else 3
            )
            avoid = await repo.avoid_pairs(session, guild_id)
        cross_border = settings.cross_border if settings else CrossBorder.STRICT
        return Preview(
            profiles, await self._match(profiles, history, avoid, seed=0, cross_border=cross_border)
        )

    async def _match(
        self,
        profiles: Sequence[PenpalProfile],
        history: Sequence[tuple[int, int]],
        avoid: Sequence[tuple[int, int]],
        seed: int,
        cross_border: str,
    ) -> MatchResult:
        return await self.matcher(
            candidates(profiles),
            history=[(str(a), str(b)) for a, b in history],
            avoid=[(str(a), str(b)) for a, b in avoid],
            seed=seed,
            now=self.clock.now(),
            cross_border=cross_border,
        )

    async def run_now(self, guild_id: int) -> RoundStarted | RoundRefused:
        """A round started by a moderator: refused while another round is open."""
        return await self._start(guild_id, self.clock.now(), chain=None)

    async def run_scheduled(
        self, guild_id: int, round_at: datetime, generation: int, *, occurrence: datetime | None = None
    ) -> RoundStarted | RoundRefused | None:
        """The round job. None: the job was for a round that has since moved (nothing to do).
        ``occurrence``: when the job's run came due; later than ``round_at`` when the server had
        paused pen pals over the round's date (the round was held, not missed)."""
        return await self._start(guild_id, round_at, chain=generation, occurrence=occurrence)

    async def _start(
        self, guild_id: int, round_at: datetime, *, chain: int | None, occurrence: datetime | None = None
    ) -> RoundStarted | RoundRefused | None:
        now = self.clock.now()
        async with self.database.session() as session:
            # Locked for the unit of work: two starts for one server take turns, and the second
            # sees the round the first one opened.
            settings = await session.get(PenpalSettings, guild_id, with_for_update=True)
            if chain is not None and not self._current(settings, round_at, chain):
                return None
            if settings is None or settings.channel_id is None:
                return RoundRefused(Refusal.NO_CHANNEL)
            timezone, _locale = await self._guild(session, guild_id)
            schedule = schedule_of(settings, timezone)
            batch = jobs.JobBatch(session, now)
            outcome: RoundStarted | RoundRefused
            if chain is not None and now - max(round_at, occurrence or round_at) > ROUND_MAX_LATENESS:
                outcome = RoundRefused(Refusal.MISSED)
            else:
                outcome = await self._open_round(
                    session, batch, settings, schedule, round_at, manual=chain is None
                )
            if chain is not None:
                # From now, not from the missed date: after a long downtime the next round of
                # the chain is still in the future, so the chain never ends in an expired job.
                settings.next_round_at = schedule.next_round(max(now, round_at), round_at)
                await self._schedule_next_round(batch, settings, timezone)
                if isinstance(outcome, RoundRefused):
                    outcome = replace(outcome, next_round_at=settings.next_round_at)
        await batch.notify(self.scheduler)
        return outcome

    async def _open_round(
        self,
        session: AsyncSession,
        batch: jobs.JobBatch,
        settings: PenpalSettings,
        schedule: RoundSchedule,
        round_at: datetime,
        *,
        manual: bool,
    ) -> RoundStarted | RoundRefused:
        guild_id = settings.guild_id
        open_round = await repo.open_round(session, guild_id)
        if open_round is not None:
            return RoundRefused(Refusal.ROUND_OPEN, open_round.ends_at)
        # A round started by hand ends when the next scheduled one begins.
        upcoming = settings.next_round_at
        ends_at = upcoming if manual and upcoming and upcoming > round_at else schedule.round_after(round_at)
        round_ = await repo.get_or_create_round(
            session, guild_id, round_at, ends_at, seed=int(round_at.timestamp())
        )
        if round_.ran_at is not None:  # this very round already ran (and has closed since)
            return RoundRefused(Refusal.ROUND_OPEN, round_.ends_at)
        profiles = await repo.profiles_in_pool(session, guild_id, round_.id)
        history = await repo.recent_history(session, guild_id, settings.no_repeat_rounds)
        avoid = await repo.avoid_pairs(session, guild_id)
        result = await self._match(
            profiles, history, avoid, seed=round_.seed, cross_border=settings.cross_border
        )
        for members in result.groups:
            group = await repo.create_group(session, round_, [int(user_id) for user_id in members])
            await batch.add(
                jobs.INTRO, {"group_id": group.id}, batch.now, key=jobs.intro_key(group.id), guild_id=guild_id
            )
        round_.unmatched = [[int(user_id), reason] for user_id, reason in result.unmatched]
        # A round that paired nobody has nothing to check in on or close: left open, it would
        # refuse every /penpal-rounds run until the next scheduled round.
        round_.ran_at = batch.now
        round_.state = RoundState.RAN if result.groups else RoundState.CLOSED
        payload = {"guild_id": guild_id, "round_id": round_.id}
        if round_.unmatched:
            key = jobs.round_part_key(jobs.UNMATCHED, round_.id)
            await batch.add(jobs.UNMATCHED, payload, batch.now, key=key, guild_id=guild_id)
        if not result.groups:
            return RoundStarted(round_.id, 0, len(result.unmatched))
        checkin_at = max(schedule.checkin_time(round_at, round_.ends_at), batch.now)
        close_at = max(round_.ends_at - CLOSE_BEFORE_NEXT_ROUND, checkin_at + timedelta(hours=1))
        for kind, due in ((jobs.CHECKIN, checkin_at), (jobs.CLOSE, close_at)):
            await batch.add(kind, payload, due, key=jobs.round_part_key(kind, round_.id), guild_id=guild_id)
        return RoundStarted(round_.id, len(result.groups), len(result.unmatched))

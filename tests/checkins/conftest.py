"""The check-in service on a real database, with a feature of its own ("club") as the subject."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.checkins import jobs
from bot.checkins.models import AnswerKind, Checkin, CheckinSubject
from bot.checkins.service import CheckinService
from bot.checkins.subjects import Subject
from bot.clock import ManualClock
from bot.db import Database
from bot.db.core_repo import upsert_guild_settings
from bot.scheduler import JobContext, JobScheduler, ScheduledJob, store

GUILD = 1
THREAD = 500
START = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)  # a Monday, before the US changes its clocks


@dataclass
class Clubs:
    """A stand-in feature: clubs 1, 2, ... with members 10 and 11, each with its thread."""

    kind: str = "club"
    subjects: dict[int, Subject] = field(default_factory=dict)
    answers: list[tuple[int, int, AnswerKind]] = field(default_factory=list)

    def add(self, club: int, *members: int) -> None:
        self.subjects[club] = Subject(
            guild_id=GUILD,
            thread_id=THREAD + club,
            member_ids=frozenset(members or (10, 11)),
            active=True,
            title=f"Club {club}",
        )

    def end(self, club: int) -> None:
        self.subjects[club] = replace(self.subjects[club], active=False)

    async def describe(self, subject_id: int) -> Subject | None:
        return self.subjects.get(subject_id)

    async def answered(self, subject_id: int, user_id: int, answer: AnswerKind) -> None:
        self.answers.append((subject_id, user_id, answer))


@dataclass
class World:
    database: Database
    clock: ManualClock
    scheduler: JobScheduler
    service: CheckinService
    clubs: Clubs
    posted: list[int] = field(default_factory=list)  # check-in ids, in posting order
    quiet_told: list[int] = field(default_factory=list)

    async def run(self, delta: timedelta = timedelta(0)) -> None:
        await self.scheduler.advance(self.clock, delta)

    async def checkins(self) -> list[Checkin]:
        async with self.database.session() as session:
            return list((await session.execute(select(Checkin).order_by(Checkin.id))).scalars())

    async def subject(self, club: int) -> CheckinSubject:
        async with self.database.session() as session:
            return (
                await session.execute(select(CheckinSubject).where(CheckinSubject.subject_id == club))
            ).scalar_one()

    async def pending(self, kind: str) -> list[ScheduledJob]:
        async with self.database.session() as session:
            return list(await store.upcoming_jobs(session, GUILD, kind=kind, limit=100))


@pytest.fixture
async def world(models_database_url: str) -> AsyncIterator[World]:
    database = Database(models_database_url)
    clock = ManualClock(START)
    async with database.session() as session:
        await upsert_guild_settings(
            session, GUILD, clock.now(), {"timezone": "America/New_York", "locale": "en"}
        )
    scheduler = JobScheduler(database, clock, owner="tests")
    service = CheckinService(database, clock, scheduler)
    clubs = Clubs()
    service.register_provider(clubs)
    here = World(database, clock, scheduler, service, clubs)

    # What the cog's handlers do, minus Discord: ask for the plan and note what would be posted.
    async def post(ctx: JobContext) -> None:
        plan = await service.post_due(
            int(ctx.payload["subject"]), datetime.fromisoformat(ctx.payload["due_at"])
        )
        if plan is not None:
            here.posted.append(plan.checkin_id)
            if plan.went_quiet:
                here.quiet_told.append(plan.checkin_id)

    async def repost(ctx: JobContext) -> None:
        plan = await service.repost_due(int(ctx.payload["checkin_id"]), int(ctx.payload["snoozes"]))
        if plan is not None:
            here.posted.append(plan.checkin_id)

    scheduler.register(jobs.POST, post)
    scheduler.register(jobs.REPOST, repost)
    try:
        yield here
    finally:
        await database.dispose()

"""The survey service tier: the real service and scheduler on a real database, without Discord.

The job handlers here stand in for the cog's: they ask the service exactly what the cog asks, and
"send" a DM by recording it (members in ``closed`` have their direct messages closed).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.db import Database
from bot.db.core_repo import upsert_guild_settings
from bot.scheduler import JobContext, JobScheduler, ScheduledJob, store
from bot.surveys import jobs
from bot.surveys.service import InvitePlan, PartnershipRef, SurveyService

GUILD = 1
START = datetime(2026, 3, 27, 9, 0, tzinfo=UTC)  # a Friday; the next quarter starts 1 April


@dataclass
class Surveys:
    database: Database
    clock: ManualClock
    scheduler: JobScheduler
    service: SurveyService
    partnerships: dict[int, list[PartnershipRef]] = field(default_factory=dict)
    closed: set[int] = field(default_factory=set)
    sent: list[InvitePlan] = field(default_factory=list)
    closings: list[Any] = field(default_factory=list)

    async def advance(self, delta: timedelta) -> None:
        await self.scheduler.advance(self.clock, delta)

    async def pending(self, kind: str | None = None) -> list[ScheduledJob]:
        async with self.database.session() as session:
            return list(await store.upcoming_jobs(session, GUILD, kind=kind, limit=10_000))

    async def members(self, *user_ids: int, locale: str = "en") -> None:
        for user_id in user_ids:
            await self.service.opt_in(GUILD, user_id, locale)

    # The handlers, as the cog's do it.
    async def on_open(self, ctx: JobContext) -> None:
        await self.service.open_survey(
            int(ctx.payload["guild_id"]),
            int(ctx.payload["generation"]),
            datetime.fromisoformat(ctx.payload["at"]),
        )

    async def on_invite(self, ctx: JobContext) -> None:
        for user_id in ctx.payload["users"]:
            plan = await self.service.invitation(int(ctx.payload["survey_id"]), int(user_id))
            if plan is None:
                continue
            reached = plan.user_id not in self.closed
            if reached:
                self.sent.append(plan)
            await self.service.invite_done(plan.survey_id, plan.user_id, reached=reached)

    async def on_close(self, ctx: JobContext) -> None:
        self.closings.append(await self.service.close_survey(int(ctx.payload["survey_id"])))


@pytest.fixture
async def sv(models_database_url: str) -> AsyncIterator[Surveys]:
    database = Database(models_database_url)
    clock = ManualClock(START)
    async with database.session() as session:
        await upsert_guild_settings(
            session, GUILD, clock.now(), {"timezone": "Europe/Berlin", "locale": "en"}
        )
    scheduler = JobScheduler(database, clock, owner="tests")
    holder: dict[str, Surveys] = {}

    async def lookup(guild_id: int, user_id: int) -> Sequence[PartnershipRef]:
        return holder["s"].partnerships.get(user_id, [])

    service = SurveyService(database, clock, scheduler, partnerships_of=lookup)
    surveys = Surveys(database, clock, scheduler, service)
    holder["s"] = surveys
    scheduler.register(jobs.OPEN, surveys.on_open)
    scheduler.register(jobs.INVITE, surveys.on_invite)
    scheduler.register(jobs.CLOSE, surveys.on_close)
    try:
        yield surveys
    finally:
        await database.dispose()

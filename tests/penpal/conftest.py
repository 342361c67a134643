"""The pen-pal service tier: the real services on a real database, without Discord.

Matching runs in-process (the bot uses a worker process), so these tests take milliseconds.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.db import Database
from bot.db.core_repo import upsert_guild_settings
from bot.pairing.matching import Candidate, MatchResult, match
from bot.penpal import repository as repo
from bot.penpal.models import PenpalProfile
from bot.penpal.rounds import RoundService
from bot.penpal.service import PenpalService
from bot.penpal.steps import RoundSteps
from bot.scheduler import JobScheduler, ScheduledJob, store

GUILD = 1
START = datetime(2026, 3, 27, 9, 0, tzinfo=UTC)  # a Friday


async def match_here(members: Sequence[Candidate], **options: Any) -> MatchResult:
    return match(members, **options)


@dataclass
class Pen:
    database: Database
    clock: ManualClock
    service: PenpalService
    rounds: RoundService
    steps: RoundSteps

    async def member(
        self, user_id: int, country: str = "US", languages: Sequence[str] = ("en",)
    ) -> PenpalProfile:
        async with self.database.session() as session:
            return await repo.save_profile(
                session,
                GUILD,
                user_id,
                self.clock.now(),
                display_name=f"Member {user_id}",
                library=f"Library {user_id}",
                country=country,
                languages=list(languages),
                timezone="Europe/Berlin",
            )

    async def pending(self, kind: str | None = None) -> list[ScheduledJob]:
        async with self.database.session() as session:
            return list(await store.upcoming_jobs(session, GUILD, kind=kind, limit=1000))


@pytest.fixture
async def pen(models_database_url: str) -> AsyncIterator[Pen]:
    database = Database(models_database_url)
    clock = ManualClock(START)
    async with database.session() as session:
        await upsert_guild_settings(
            session, GUILD, clock.now(), {"timezone": "Europe/Berlin", "locale": "en"}
        )
    scheduler = JobScheduler(database, clock, owner="tests")
    try:
        yield Pen(
            database,
            clock,
            PenpalService(database, clock, scheduler),
            RoundService(database, clock, scheduler, matcher=match_here),
            RoundSteps(database, clock),
        )
    finally:
        await database.dispose()

"""The seeking service on a real database, without Discord: milliseconds per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from bot.clock import ManualClock
from bot.db import Database
from bot.scheduler import JobScheduler, ScheduledJob, store
from bot.seeking.rules import PostText
from bot.seeking.service import Posted, SeekingService

GUILD = 1
START = datetime(2026, 3, 27, 9, 0, tzinfo=UTC)


@dataclass
class Seek:
    database: Database
    clock: ManualClock
    service: SeekingService

    async def post(
        self,
        user_id: int,
        country: str,
        languages: tuple[str, ...] = ("en",),
        offer: str = "A book exchange",
        hope: str = "Storytime ideas for children",
        library: str | None = None,
    ) -> Posted:
        text = PostText(library or f"Library {user_id}", country, languages, offer, hope)
        return await self.service.post(GUILD, user_id, "en", text)

    async def jobs(self) -> list[ScheduledJob]:
        async with self.database.session() as session:
            return list(await store.upcoming_jobs(session, GUILD, limit=1000))


@pytest.fixture
async def seek(models_database_url: str) -> AsyncIterator[Seek]:
    database = Database(models_database_url)
    clock = ManualClock(START)
    scheduler = JobScheduler(database, clock, owner="tests")
    try:
        yield Seek(database, clock, SeekingService(database, clock, scheduler))
    finally:
        await database.dispose()

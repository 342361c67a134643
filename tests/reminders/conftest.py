"""The reminder service on a real database, without Discord: milliseconds per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.db import Database
from bot.db.core_repo import upsert_guild_settings
from bot.reminders.jobs import DUE
from bot.reminders.service import Due, ReminderService
from bot.scheduler import JobContext, JobScheduler, ScheduledJob, store

GUILD = 1
CHANNEL = 10
START = datetime(2026, 3, 27, 9, 0, tzinfo=UTC)  # Friday, 10:00 in Berlin


@dataclass
class Rem:
    database: Database
    clock: ManualClock
    scheduler: JobScheduler
    service: ReminderService
    delivered: list[tuple[Due, bool]]
    reach: dict[int, bool]  # user id -> whether a delivery reaches them (default True)

    async def pending(self) -> list[ScheduledJob]:
        async with self.database.session() as session:
            return list(await store.upcoming_jobs(session, GUILD, kind=DUE, limit=1000))


@pytest.fixture
async def rem(models_database_url: str) -> AsyncIterator[Rem]:
    database = Database(models_database_url)
    clock = ManualClock(START)
    async with database.session() as session:
        await upsert_guild_settings(
            session, GUILD, clock.now(), {"timezone": "Europe/Berlin", "locale": "en"}
        )
    scheduler = JobScheduler(database, clock, owner="tests")
    service = ReminderService(database, clock, scheduler)
    state = Rem(database, clock, scheduler, service, [], {})

    async def handler(context: JobContext) -> None:
        payload: dict[str, Any] = context.payload
        due = await service.due(int(payload["reminder"]), datetime.fromisoformat(payload["at"]))
        if due is None:
            return
        reached = state.reach.get(due.reminder.user_id, True)
        state.delivered.append((due, reached))
        await service.delivered(due, reached=reached)

    scheduler.register(DUE, handler)
    try:
        yield state
    finally:
        await database.dispose()

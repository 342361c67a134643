"""The partnership service tier: the real service on a real database, without Discord."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from bot.clock import ManualClock
from bot.db import Database
from bot.db.core_repo import upsert_guild_settings
from bot.partners.models import Kind, Side
from bot.partners.posts import PartnerPosts
from bot.partners.service import PartnerService, ProposalText, Submitted
from bot.scheduler import JobScheduler, ScheduledJob, store

GUILD = 1
MOD = 100
START = datetime(2026, 3, 27, 9, 0, tzinfo=UTC)  # a Friday


@dataclass
class Partners:
    database: Database
    clock: ManualClock
    service: PartnerService
    posts: PartnerPosts

    async def propose(
        self,
        proposer: int = 1,
        *,
        partner: int | None = 2,
        start: date = date(2025, 4, 1),
        goals: str = "Swap books",
    ) -> int:
        draft = await self.service.start_draft(
            GUILD,
            proposer,
            "en",
            kind=Kind.FORMAL,
            partner_country="CN",
            our_country="DE",
            members=[(partner, Side.THEIRS)] if partner else [],
            photo_url=None,
        )
        submitted = await self.service.submit_form(
            draft,
            GUILD,
            proposer,
            ProposalText("Stadtbibliothek Köln", "上海图书馆", "上海", goals, start),
            is_moderator=False,
        )
        assert isinstance(submitted, Submitted)
        return draft

    async def jobs(self, kind: str | None = None) -> list[ScheduledJob]:
        async with self.database.session() as session:
            return list(await store.upcoming_jobs(session, GUILD, kind=kind, limit=1000))


@pytest.fixture
async def partners(models_database_url: str) -> AsyncIterator[Partners]:
    database = Database(models_database_url)
    clock = ManualClock(START)
    async with database.session() as session:
        await upsert_guild_settings(
            session, GUILD, clock.now(), {"timezone": "Europe/Berlin", "locale": "en", "mod_channel_id": 77}
        )
    scheduler = JobScheduler(database, clock, owner="tests")
    service = PartnerService(database, clock, scheduler)
    await service.save_settings(GUILD, announce_channel_id=88, quiet_days=30)
    try:
        yield Partners(database, clock, service, PartnerPosts(database, clock, scheduler))
    finally:
        await database.dispose()

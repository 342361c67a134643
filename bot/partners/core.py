"""What the partnership services share: the server's time zone and language, and the jobs that
follow a partnership through the year (its anniversaries, the server's daily quiet check).

No Discord here. The helpers write jobs into the caller's session, so they commit with the state
they belong to.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db import Database
from bot.db.core_repo import get_guild_settings
from bot.partners import jobs
from bot.partners import repository as repo
from bot.partners.models import Partnership
from bot.scheduler import JobScheduler, next_occurrence, store


class PartnerCore:
    def __init__(
        self, database: Database, clock: Clock, scheduler: JobScheduler, *, default_timezone: str = "UTC"
    ) -> None:
        self.database = database
        self.clock = clock
        self.scheduler = scheduler
        self.default_timezone = default_timezone

    async def _guild(self, session: AsyncSession, guild_id: int) -> tuple[str, str]:
        """The server's (time zone, locale)."""
        settings = await get_guild_settings(session, guild_id)
        if settings is None:
            return self.default_timezone, "en"
        return settings.timezone, settings.locale

    async def _ensure_quiet_check(
        self, session: AsyncSession, batch: jobs.JobBatch, guild_id: int, *, replace: bool
    ) -> None:
        """One daily check per server, at the morning hour of its time zone."""
        timezone, _locale = await self._guild(session, guild_id)
        key = jobs.quiet_key(guild_id)
        if replace:
            await batch.cancel(key)
        due = next_occurrence(jobs.QUIET_RULE, timezone, batch.now)
        job = await store.schedule(
            session,
            jobs.QUIET,
            {"guild_id": guild_id},
            due,
            now=batch.now,
            rule=jobs.QUIET_RULE,
            timezone=timezone,
            dedupe_key=key,
            guild_id=guild_id,
        )
        if job is not None:
            batch.due.append(job.due_at)

    async def _schedule_anniversary(
        self,
        session: AsyncSession,
        batch: jobs.JobBatch,
        partnership: Partnership,
        *,
        replace: bool,
        after_years: int | None = None,
    ) -> None:
        """The next anniversary's job: after now, or after the ``after_years`` one being celebrated."""
        if partnership.start_date is None:
            return
        timezone, _locale = await self._guild(session, partnership.guild_id)
        if replace:
            await self._cancel_anniversaries(session, batch, partnership)
        after = batch.now
        if after_years is not None:
            start = partnership.start_date
            after = max(after, jobs.anniversary_at(start, start.year + after_years, timezone))
        when, years = jobs.next_anniversary(partnership.start_date, after, timezone)
        await batch.add(
            jobs.ANNIVERSARY,
            {"partnership_id": partnership.id, "years": years},
            when,
            key=jobs.anniversary_key(partnership.id, partnership.start_date.year + years),
            guild_id=partnership.guild_id,
        )

    @staticmethod
    async def _cancel_anniversaries(
        session: AsyncSession, batch: jobs.JobBatch, partnership: Partnership
    ) -> None:
        if partnership.start_date is None:
            return
        # Keys name the year; the next one or two are all that can be waiting.
        year = batch.now.year
        for candidate in range(year - 1, year + 4):
            await batch.cancel(jobs.anniversary_key(partnership.id, candidate))

    async def timezone_changed(self, guild_id: int) -> None:
        """The server's morning moved: the quiet check and every anniversary follow it."""
        now = self.clock.now()
        async with self.database.session() as session:
            batch = jobs.JobBatch(session, now)
            if await repo.get_settings(session, guild_id) is not None:
                await self._ensure_quiet_check(session, batch, guild_id, replace=True)
            for partnership in await repo.active(session, guild_id):
                await self._schedule_anniversary(session, batch, partnership, replace=True)
        await batch.notify(self.scheduler)

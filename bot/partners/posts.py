"""What the partnership jobs need, as outcomes: what to post where and in which language, and
recording what was posted (queuing its publishing in an announcement channel in the same
transaction). No Discord here; the handlers in the cog package post through :mod:`bot.delivery`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.db.core_repo import get_guild_settings
from bot.partners import jobs
from bot.partners import repository as repo
from bot.partners.core import PartnerCore
from bot.partners.models import PartnerSettings, Partnership, PartnershipNews, Status

Publisher = Callable[..., Awaitable[datetime]]


def _publisher() -> Publisher | None:
    """The publish queue of scheduled announcements, when that feature is installed."""
    try:
        from bot.announcements.publish import enqueue_publish  # noqa: PLC0415
    except ImportError:
        return None
    return enqueue_publish  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Post:
    """What a job posts, and where, in which language."""

    partnership: Partnership
    channel_id: int
    locale: str
    news: PartnershipNews | None = None
    years: int = 0


@dataclass(frozen=True)
class Quiet:
    partnerships: list[Partnership]
    days: int
    locale: str


class PartnerPosts(PartnerCore):
    async def guild(self, guild_id: int) -> tuple[str, str]:
        async with self.database.session() as session:
            return await self._guild(session, guild_id)

    async def settings(self, guild_id: int) -> PartnerSettings | None:
        async with self.database.session() as session:
            return await repo.get_settings(session, guild_id)

    async def queue_item(self, partnership_id: int) -> tuple[Partnership, int | None, str] | None:
        """A pending proposal with the moderator channel and the server's language."""
        async with self.database.session() as session:
            found = await repo.get(session, partnership_id)
            if found is None or found.status != Status.PENDING:
                return None
            guild = await get_guild_settings(session, found.guild_id)
            _timezone, locale = await self._guild(session, found.guild_id)
            return found, guild.mod_channel_id if guild else None, locale

    async def moderator_channel(self, guild_id: int) -> int | None:
        async with self.database.session() as session:
            guild = await get_guild_settings(session, guild_id)
        return guild.mod_channel_id if guild else None

    async def record_queue_message(self, partnership_id: int, message_id: int) -> None:
        async with self.database.session() as session:
            found = await repo.get(session, partnership_id)
            if found is not None:
                found.queue_message_id = message_id

    async def decision(self, partnership_id: int) -> Partnership | None:
        async with self.database.session() as session:
            return await repo.get(session, partnership_id)

    async def announcement(self, partnership_id: int) -> Post | None:
        """The approved partnership to announce; None once announced (a retry after the post)."""
        async with self.database.session() as session:
            found = await repo.get(session, partnership_id)
            if found is None or found.announce_message_id is not None or found.announce_channel_id is None:
                return None
            if found.status not in repo.LISTED:
                return None
            _timezone, locale = await self._guild(session, found.guild_id)
            return Post(found, found.announce_channel_id, locale)

    async def record_post(
        self,
        *,
        guild_id: int,
        channel_id: int,
        message_id: int,
        publish: bool,
        partnership_id: int | None = None,
        news_id: int | None = None,
    ) -> datetime | None:
        """Remember the post and, in an announcement channel, queue its publishing in the same
        transaction. Returns when it will be published (None: not published)."""
        async with self.database.session() as session:
            if partnership_id is not None:
                found = await repo.get(session, partnership_id)
                if found is not None:
                    found.announce_message_id = message_id
            if news_id is not None:
                news = await session.get(PartnershipNews, news_id)
                if news is not None:
                    news.message_id = message_id
            publisher = _publisher() if publish else None
            if publisher is None:
                return None
            return await publisher(
                session,
                self.scheduler,
                self.clock,
                guild_id=guild_id,
                channel_id=channel_id,
                message_id=message_id,
            )

    async def news_item(self, news_id: int) -> Post | None:
        async with self.database.session() as session:
            news = await session.get(PartnershipNews, news_id)
            if news is None or news.message_id is not None:
                return None
            found = await repo.get(session, news.partnership_id)
            settings = await repo.get_settings(session, found.guild_id) if found else None
            if found is None or settings is None or settings.announce_channel_id is None:
                return None
            _timezone, locale = await self._guild(session, found.guild_id)
            return Post(found, settings.announce_channel_id, locale, news=news)

    async def anniversary(self, partnership_id: int, years: int) -> Post | None:
        """An active partnership's anniversary to announce; next year's is scheduled with it, even
        when this one came too late to be worth announcing."""
        now = self.clock.now()
        async with self.database.session() as session:
            found = await repo.get(session, partnership_id)
            if found is None or found.status != Status.ACTIVE or found.start_date is None:
                return None
            settings = await repo.get_settings(session, found.guild_id)
            batch = jobs.JobBatch(session, now)
            await self._schedule_anniversary(session, batch, found, replace=False, after_years=years)
            timezone, locale = await self._guild(session, found.guild_id)
            day = jobs.anniversary_at(found.start_date, found.start_date.year + years, timezone)
            # After a long downtime the chain goes on, but a week-old "happy anniversary" stays unsaid.
            post = (
                Post(found, settings.announce_channel_id, locale, years=years)
                if settings is not None
                and settings.announce_channel_id is not None
                and now - day <= jobs.ANNIVERSARY_LATE
                else None
            )
        await batch.notify(self.scheduler)
        return post

    async def quiet(self, guild_id: int) -> Quiet:
        """Active partnerships quiet for longer than the server allows, not yet flagged."""
        now = self.clock.now()
        async with self.database.session() as session:
            settings = await repo.get_settings(session, guild_id)
            days = settings.quiet_days if settings is not None else 90
            _timezone, locale = await self._guild(session, guild_id)
            if days <= 0:
                return Quiet([], days, locale)
            found = await repo.gone_quiet(session, guild_id, now - timedelta(days=days))
        return Quiet(list(found), days, locale)

    async def mark_quiet(self, partnership_ids: Sequence[int]) -> None:
        """Moderators were told: not again until there is news or a check-in."""
        now = self.clock.now()
        async with self.database.session() as session:
            for partnership_id in partnership_ids:
                found = await repo.get(session, partnership_id)
                if found is not None and found.quiet_flagged_at is None:
                    found.quiet_flagged_at = now

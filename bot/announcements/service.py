"""Scheduled announcements as outcomes: no Discord here, and no translated text.

A moderator schedules a message for a channel at a time read in a time zone; a durable job posts
it then (with a nonce, so a retried job posts once), and in an announcement channel the post is
published through :mod:`bot.announcements.publish`. Each change leaves an audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import text
from bot.announcements import publish
from bot.announcements.models import AnnouncementState, ScheduledAnnouncement
from bot.announcements.when import When, check_instant, parse_when
from bot.channels import ChannelUse
from bot.clock import Clock
from bot.db import Database
from bot.db.core_repo import get_guild_settings, record_audit
from bot.i18n import N_
from bot.inputs import InputError, check_timezone
from bot.scheduler import JobScheduler, store

POST = "announce.post"
LABELS = {POST: N_("scheduled announcement")}
TEXT_LIMIT = text.MESSAGE_CONTENT
LIST_UPCOMING = 15
LIST_RECENT = 5
RECENT_FOR = timedelta(days=30)


def post_key(announcement_id: int) -> str:
    return f"{POST}:{announcement_id}"


def check_text(value: str) -> str:
    """The announcement's text: something visible, within one Discord message."""
    if len(value) > TEXT_LIMIT:
        raise InputError(
            N_(
                "An announcement is one Discord message: at most {limit} characters; yours has "
                "{length}. Shorten it, or split it into two announcements."
            ),
            limit=TEXT_LIMIT,
            length=len(value),
        )
    if not text.has_visible_text(value):
        raise InputError(N_("The announcement has no visible text. Write what it should say."))
    return value.strip()


@dataclass(frozen=True)
class Scheduled:
    announcement: ScheduledAnnouncement
    when: When


@dataclass(frozen=True)
class Listing:
    upcoming: list[ScheduledAnnouncement]
    recent: list[ScheduledAnnouncement]
    # message id -> publish row, for the posted ones in announcement channels
    publishes: dict[int, Any]


class AnnouncementService:
    def __init__(self, database: Database, clock: Clock, scheduler: JobScheduler) -> None:
        self.database = database
        self.clock = clock
        self.scheduler = scheduler
        self.publishes = publish.PublishQueue(database, clock, scheduler)

    async def zone_for(self, guild_id: int, timezone: str | None) -> str:
        """The zone a moderator's time is read in: the one given, else the server's (from /setup)."""
        if timezone is not None:
            return check_timezone(timezone)
        async with self.database.session() as session:
            settings = await get_guild_settings(session, guild_id)
        return settings.timezone if settings is not None and settings.timezone else "UTC"

    async def schedule(
        self,
        guild_id: int,
        channel_id: int,
        author_id: int,
        when: str,
        content: str,
        timezone: str | None = None,
    ) -> Scheduled:
        """Check the input (InputError names what to fix, nothing stored), then store and plan it."""
        zone = await self.zone_for(guild_id, timezone)
        body = check_text(content)
        parsed = parse_when(when, zone, self.clock.now())
        return await self._create(guild_id, channel_id, author_id, parsed, body)

    async def check_when(self, guild_id: int, when: str, timezone: str | None = None) -> When:
        """The time read as :meth:`schedule` reads it, before the text is written (in a form)."""
        return parse_when(when, await self.zone_for(guild_id, timezone), self.clock.now())

    async def schedule_at(
        self, guild_id: int, channel_id: int, author_id: int, at: datetime, timezone: str, content: str
    ) -> Scheduled:
        """Schedule for an instant read earlier (:meth:`check_when`), checked again now."""
        zone = check_timezone(timezone)
        body = check_text(content)
        return await self._create(
            guild_id, channel_id, author_id, check_instant(at, zone, self.clock.now()), body
        )

    async def _create(
        self, guild_id: int, channel_id: int, author_id: int, parsed: When, body: str
    ) -> Scheduled:
        now = self.clock.now()
        zone = parsed.timezone
        async with self.database.session() as session:
            row = ScheduledAnnouncement(
                guild_id=guild_id,
                channel_id=channel_id,
                author_id=author_id,
                content=body,
                post_at=parsed.at,
                timezone=zone,
                state=AnnouncementState.SCHEDULED.value,
                version=1,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            await session.flush()
            await self._plan(session, row, now)
            await record_audit(
                session,
                guild_id=guild_id,
                actor_id=author_id,
                action="announce.schedule",
                at=now,
                announcement=row.id,
                channel=channel_id,
                post_at=parsed.at.isoformat(),
            )
        await self.scheduler.notify(parsed.at)
        return Scheduled(row, parsed)

    async def edit(
        self,
        guild_id: int,
        announcement_id: int,
        actor_id: int,
        *,
        when: str | None = None,
        content: str | None = None,
        channel_id: int | None = None,
        timezone: str | None = None,
    ) -> Scheduled:
        """Change what has not been posted yet (a failed one is planned again)."""
        if when is None and content is None and channel_id is None:
            raise InputError(N_("Give at least one of when, text or channel to change. Nothing was changed."))
        body = check_text(content) if content is not None else None
        now = self.clock.now()
        async with self.database.session() as session:
            row = await self._editable(session, guild_id, announcement_id)
            zone = check_timezone(timezone) if timezone is not None else row.timezone
            parsed = parse_when(when, zone, now) if when is not None else When(row.post_at, row.timezone)
            if parsed.at <= now:
                raise InputError(
                    N_("Its time has passed: give a new time with when. Nothing was changed."),
                )
            changes: dict[str, Any] = {}
            if body is not None:
                row.content, changes["text"] = body, True
            if channel_id is not None and channel_id != row.channel_id:
                row.channel_id, changes["channel"] = channel_id, channel_id
            if when is not None:
                row.post_at, row.timezone, changes["post_at"] = parsed.at, zone, parsed.at.isoformat()
            row.state = AnnouncementState.SCHEDULED.value
            row.error = None
            row.version += 1
            row.updated_at = now
            await store.cancel(session, post_key(row.id), now=now)
            await self._plan(session, row, now)
            await record_audit(
                session,
                guild_id=guild_id,
                actor_id=actor_id,
                action="announce.edit",
                at=now,
                announcement=row.id,
                **changes,
            )
        await self.scheduler.notify(row.post_at)
        return Scheduled(row, parsed)

    async def cancel(self, guild_id: int, announcement_id: int, actor_id: int) -> ScheduledAnnouncement:
        now = self.clock.now()
        async with self.database.session() as session:
            row = await self._editable(session, guild_id, announcement_id)
            row.state = AnnouncementState.CANCELLED.value
            row.updated_at = now
            await store.cancel(session, post_key(row.id), now=now)
            await record_audit(
                session,
                guild_id=guild_id,
                actor_id=actor_id,
                action="announce.cancel",
                at=now,
                announcement=row.id,
            )
        return row

    async def listing(self, guild_id: int) -> Listing:
        now = self.clock.now()
        async with self.database.session() as session:
            upcoming = (
                await session.scalars(
                    select(ScheduledAnnouncement)
                    .where(
                        ScheduledAnnouncement.guild_id == guild_id,
                        ScheduledAnnouncement.state == AnnouncementState.SCHEDULED.value,
                    )
                    .order_by(ScheduledAnnouncement.post_at, ScheduledAnnouncement.id)
                    .limit(LIST_UPCOMING)
                )
            ).all()
            recent = (
                await session.scalars(
                    select(ScheduledAnnouncement)
                    .where(
                        ScheduledAnnouncement.guild_id == guild_id,
                        ScheduledAnnouncement.state != AnnouncementState.SCHEDULED.value,
                        ScheduledAnnouncement.updated_at > now - RECENT_FOR,
                    )
                    .order_by(ScheduledAnnouncement.updated_at.desc(), ScheduledAnnouncement.id.desc())
                    .limit(LIST_RECENT)
                )
            ).all()
        posted = [row.message_id for row in recent if row.message_id is not None]
        return Listing(list(upcoming), list(recent), await self.publishes.state_of(posted))

    async def channel_uses(self, guild_id: int) -> list[ChannelUse]:
        """The channels upcoming announcements go to, for /setup and /config show to check."""
        async with self.database.session() as session:
            channels = (
                await session.scalars(
                    select(ScheduledAnnouncement.channel_id)
                    .where(
                        ScheduledAnnouncement.guild_id == guild_id,
                        ScheduledAnnouncement.state == AnnouncementState.SCHEDULED.value,
                    )
                    .distinct()
                    .order_by(ScheduledAnnouncement.channel_id)
                )
            ).all()
        return [
            ChannelUse(
                N_("Scheduled announcements"),
                channel_id,
                ("view_channel", "send_messages"),
                "announce edit",
                ("text", "announcement"),
            )
            for channel_id in channels
        ]

    # -- the post job -------------------------------------------------------------------------

    async def due(self, announcement_id: int, version: int) -> ScheduledAnnouncement | None:
        """The announcement the job is for, if it is still to be posted in this version."""
        async with self.database.session() as session:
            row = await session.get(ScheduledAnnouncement, announcement_id)
        if row is None or row.state != AnnouncementState.SCHEDULED or row.version != version:
            return None
        return row

    async def posted(self, announcement_id: int, message_id: int, *, publish_it: bool) -> datetime | None:
        """Record the post; in an announcement channel queue its publish in the same transaction.
        Returns when the publish is planned (None when not published)."""
        now = self.clock.now()
        async with self.database.session() as session:
            row = await session.get(ScheduledAnnouncement, announcement_id)
            if row is None:
                return None
            row.state = AnnouncementState.POSTED.value
            row.message_id = message_id
            row.posted_at = now
            row.updated_at = now
            if not publish_it:
                return None
            return await publish.enqueue_publish(
                session,
                self.scheduler,
                self.clock,
                guild_id=row.guild_id,
                channel_id=row.channel_id,
                message_id=message_id,
            )

    async def failed(self, announcement_id: int, reason: str) -> bool:
        """Record that it could not be posted; False when it was recorded already (alert once)."""
        now = self.clock.now()
        async with self.database.session() as session:
            result = await session.execute(
                update(ScheduledAnnouncement)
                .where(
                    ScheduledAnnouncement.id == announcement_id,
                    ScheduledAnnouncement.state == AnnouncementState.SCHEDULED.value,
                )
                .values(state=AnnouncementState.FAILED.value, error=reason[:64], updated_at=now)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    # -- member data (announcements are the server's: authorship is the member's) --------------

    async def export_member(self, guild_id: int, user_id: int) -> dict[str, Any]:
        async with self.database.session() as session:
            rows = (await session.scalars(self._authored(guild_id, user_id))).all()
        return {
            "announcements_written": [
                {
                    "id": row.id,
                    "channel_id": row.channel_id,
                    "text": row.content,
                    "post_at": row.post_at.isoformat(),
                    "state": row.state,
                }
                for row in rows
            ]
        }

    async def erase_member(self, guild_id: int, user_id: int) -> int:
        async with self.database.session() as session:
            result = await session.execute(
                update(ScheduledAnnouncement)
                .where(ScheduledAnnouncement.guild_id == guild_id, ScheduledAnnouncement.author_id == user_id)
                .values(author_id=None)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    async def count_member(self, guild_id: int, user_id: int) -> int:
        async with self.database.session() as session:
            return len((await session.scalars(self._authored(guild_id, user_id))).all())

    # -- helpers -------------------------------------------------------------------------------

    @staticmethod
    def _authored(guild_id: int, user_id: int) -> Any:
        return (
            select(ScheduledAnnouncement)
            .where(ScheduledAnnouncement.guild_id == guild_id, ScheduledAnnouncement.author_id == user_id)
            .order_by(ScheduledAnnouncement.id)
        )

    async def _editable(
        self, session: AsyncSession, guild_id: int, announcement_id: int
    ) -> ScheduledAnnouncement:
        row = await session.get(ScheduledAnnouncement, announcement_id, with_for_update=True)
        if row is None or row.guild_id != guild_id or row.state == AnnouncementState.CANCELLED:
            raise InputError(
                N_("There is no announcement {id} waiting here (see /announce list). Nothing was changed."),
                id=announcement_id,
            )
        if row.state == AnnouncementState.POSTED:
            raise InputError(
                N_("Announcement {id} was posted already; it can no longer be changed."), id=announcement_id
            )
        return row

    async def _plan(self, session: AsyncSession, row: ScheduledAnnouncement, now: datetime) -> None:
        await store.schedule(
            session,
            POST,
            {"announcement_id": row.id, "version": row.version},
            row.post_at,
            now=now,
            dedupe_key=post_key(row.id),
            guild_id=row.guild_id,
        )

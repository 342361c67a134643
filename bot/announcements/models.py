"""Announcement tables: messages moderators schedule, and the publishes queued per channel.

``announce_publishes`` is the record the publish limit is counted from: a row counts against its
channel's hour from the moment an attempt starts (``started_at``), so a restart in the middle of
an hour neither forgets what was published nor publishes a message twice.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base


class PublishState(StrEnum):
    QUEUED = "queued"  # waiting for its slot (job due at slot_at)
    PUBLISHING = "publishing"  # an attempt started at started_at; counts against the hour
    PUBLISHED = "published"
    FAILED = "failed"  # Discord refused for good (message gone, not an announcement channel)


class AnnouncementState(StrEnum):
    SCHEDULED = "scheduled"
    POSTED = "posted"
    FAILED = "failed"  # could not be posted (permissions, channel gone): moderators were told
    CANCELLED = "cancelled"


def _states(enum: type[StrEnum]) -> str:
    return ", ".join(f"'{state.value}'" for state in enum)


class AnnouncePublish(Base):
    __tablename__ = "announce_publishes"
    __table_args__ = (
        Index("ix_announce_publishes_channel_id_started_at", "channel_id", "started_at"),
        CheckConstraint(f"state IN ({_states(PublishState)})", name="state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    channel_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    state: Mapped[str] = mapped_column(String(16), default=PublishState.QUEUED)
    # The earliest moment the channel has room for it, as planned when queued (or re-planned).
    slot_at: Mapped[datetime]
    # The start of the latest attempt: what the hour is counted from.
    started_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]


class ScheduledAnnouncement(Base):
    __tablename__ = "scheduled_announcements"
    __table_args__ = (
        Index("ix_scheduled_announcements_guild_id_post_at", "guild_id", "post_at"),
        Index("ix_scheduled_announcements_author_id", "author_id"),
        CheckConstraint(f"state IN ({_states(AnnouncementState)})", name="state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    channel_id: Mapped[int] = mapped_column(BigInteger)
    # The moderator who wrote it; NULL once they asked for their data to be erased (the text is
    # the server's and stays).
    author_id: Mapped[int | None] = mapped_column(BigInteger)
    content: Mapped[str] = mapped_column(Text)
    post_at: Mapped[datetime]
    # The zone the moderator wrote the time in, to show it back the same way.
    timezone: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default=AnnouncementState.SCHEDULED)
    # Bumped by each edit of the time, so the job of an earlier time never posts.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    posted_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

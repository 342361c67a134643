"""Seeking-a-sister tables: each member's one open post per server, and the fits already told."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base


class SeekingPost(Base):
    """A library looking for a sister library. Posting again replaces it; withdrawing deletes it."""

    __tablename__ = "seeking_posts"
    __table_args__ = (
        UniqueConstraint("guild_id", "user_id"),
        Index("ix_seeking_posts_guild_id_country", "guild_id", "country"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    library: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    # ",en,zh,": the same languages in a form SQL can filter with LIKE on every database.
    language_key: Mapped[str] = mapped_column(String(64))
    offer: Mapped[str] = mapped_column(Text)
    hope: Mapped[str] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(16), default="en")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class SeekingFit(Base):
    """Two members whose posts fit, told once: the pair is never told again, whatever they post
    later. Only the two ids are kept (the lower first), and when each side was told."""

    __tablename__ = "seeking_fits"
    __table_args__ = (UniqueConstraint("guild_id", "user_a", "user_b"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    user_a: Mapped[int] = mapped_column(BigInteger, index=True)
    user_b: Mapped[int] = mapped_column(BigInteger, index=True)
    created_at: Mapped[datetime]
    # When the job that tells both sides ran: a side not told by then (closed direct messages)
    # hears of the fit at their next /seeking command.
    attempted_at: Mapped[datetime | None]
    # Set when that side's message went out (by DM, or shown in a /seeking reply when DMs were
    # closed); None while it waits.
    told_a_at: Mapped[datetime | None]
    told_b_at: Mapped[datetime | None]

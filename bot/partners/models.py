"""Partnership tables: per-server settings, partnerships (proposals included), members and news."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db.base import Base


class Status(StrEnum):
    DRAFT = "draft"  # the command ran; its form was not sent yet
    PENDING = "pending"  # in the moderators' queue
    CHANGES = "changes"  # moderators asked for changes; the proposer may send it again
    REJECTED = "rejected"
    ACTIVE = "active"
    ENDED = "ended"


class Kind(StrEnum):
    FORMAL = "formal"
    INFORMAL = "informal"


class Side(StrEnum):
    OURS = "ours"
    THEIRS = "theirs"


class PartnerSettings(Base):
    __tablename__ = "partner_settings"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    announce_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    # A partnership with no news or check-in for this many days is flagged to moderators.
    quiet_days: Mapped[int] = mapped_column(Integer, default=90)
    updated_at: Mapped[datetime]


class Partnership(Base):
    __tablename__ = "partnerships"
    __table_args__ = (Index("ix_partnerships_guild_id_status", "guild_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default=Status.DRAFT)
    kind: Mapped[str] = mapped_column(String(16), default=Kind.INFORMAL)
    our_library: Mapped[str] = mapped_column(String(200), default="")
    our_country: Mapped[str | None] = mapped_column(String(2))
    partner_library: Mapped[str] = mapped_column(String(200), default="")
    partner_country: Mapped[str] = mapped_column(String(2))
    partner_city: Mapped[str] = mapped_column(String(100), default="")
    goals: Mapped[str] = mapped_column(Text, default="")
    start_date: Mapped[date | None] = mapped_column(Date)
    photo_url: Mapped[str | None] = mapped_column(String(1024))
    # NULL once the proposer erased their data; the partnership stays.
    proposer_id: Mapped[int | None] = mapped_column(BigInteger)
    locale: Mapped[str] = mapped_column(String(16), default="en")  # the proposer's language
    queue_message_id: Mapped[int | None] = mapped_column(BigInteger)
    decided_by: Mapped[int | None] = mapped_column(BigInteger)
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)
    announce_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    announce_message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_activity_at: Mapped[datetime | None]
    # Set when moderators were told the partnership went quiet; cleared by news or a check-in.
    quiet_flagged_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    ended_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    members: Mapped[list[PartnershipMember]] = relationship(
        back_populates="partnership", cascade="all, delete-orphan", lazy="selectin"
    )

    def member_ids(self, side: str | None = None) -> list[int]:
        return [m.user_id for m in self.members if side is None or m.side == side]


class PartnershipMember(Base):
    __tablename__ = "partnership_members"
    __table_args__ = (UniqueConstraint("partnership_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    side: Mapped[str] = mapped_column(String(8), default=Side.OURS)

    partnership: Mapped[Partnership] = relationship(back_populates="members")


class PartnershipNews(Base):
    __tablename__ = "partnership_news"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text)
    photo_url: Mapped[str | None] = mapped_column(String(1024))
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]

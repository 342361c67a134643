"""Pen-pal tables: profiles, avoid lists, per-server round settings, rounds, groups and answers."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db.base import Base


class ProfileStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    LEFT = "left"


class Cadence(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"


class CrossBorder(StrEnum):
    """How hard matching pushes for partners in another country (see bot.pairing.matching)."""

    STRICT = "strict"  # as many cross-border groups as possible, before interests and hours
    PREFERRED = "preferred"  # one weight among interests and waking hours


class RoundState(StrEnum):
    ANNOUNCED = "announced"
    RAN = "ran"
    CLOSED = "closed"


class GroupState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    DISSOLVED = "dissolved"


class CheckIn(StrEnum):
    YES = "yes"
    NOT_YET = "not_yet"
    COULD_NOT = "could_not"


class PenpalProfile(Base):
    __tablename__ = "penpal_profiles"
    __table_args__ = (
        UniqueConstraint("guild_id", "user_id"),
        Index("ix_penpal_profiles_guild_id_status", "guild_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    display_name: Mapped[str] = mapped_column(String(80))
    library: Mapped[str] = mapped_column(String(200))
    intro: Mapped[str] = mapped_column(Text, default="")
    interests: Mapped[list[str]] = mapped_column(JSON, default=list)
    country: Mapped[str | None] = mapped_column(String(2))
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    timezone: Mapped[str | None] = mapped_column(String(64))
    availability: Mapped[str | None] = mapped_column(String(32))
    locale: Mapped[str] = mapped_column(String(16), default="en")
    status: Mapped[str] = mapped_column(String(16), default=ProfileStatus.ACTIVE)
    paused_until: Mapped[datetime | None]
    # Rounds in a row in which this member answered none of the check-ins.
    silent_rounds: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    @property
    def is_complete(self) -> bool:
        return bool(self.country and self.languages and self.timezone)


class PenpalAvoid(Base):
    """A private "never pair us"; only the member who made it can see or undo it."""

    __tablename__ = "penpal_avoids"
    __table_args__ = (UniqueConstraint("guild_id", "user_id", "avoided_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    avoided_user_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class PenpalSettings(Base):
    __tablename__ = "penpal_settings"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    channel_id: Mapped[int | None] = mapped_column(BigInteger)
    cadence: Mapped[str] = mapped_column(String(16), default=Cadence.BIWEEKLY)
    weekday: Mapped[int] = mapped_column(Integer, default=0)  # Monday
    hour: Mapped[int] = mapped_column(Integer, default=9)
    no_repeat_rounds: Mapped[int] = mapped_column(Integer, default=3)
    cross_border: Mapped[str] = mapped_column(String(16), default=CrossBorder.STRICT)
    next_round_at: Mapped[datetime | None]
    # Bumped whenever the next round is moved. Round jobs carry it, so a job for a round that
    # has since moved (say, one a crash kept from being cancelled) does nothing.
    schedule_generation: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]


class PenpalRound(Base):
    __tablename__ = "penpal_rounds"
    __table_args__ = (UniqueConstraint("guild_id", "scheduled_for"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    scheduled_for: Mapped[datetime]
    ends_at: Mapped[datetime]
    ran_at: Mapped[datetime | None]
    seed: Mapped[int] = mapped_column(Integer, default=0)
    # announced (notice sent), ran (groups open), closed (answers counted)
    state: Mapped[str] = mapped_column(String(16), default=RoundState.ANNOUNCED)
    # [user_id, reason code] for each member the round could not pair, for their notice job.
    unmatched: Mapped[list[list[int | str]]] = mapped_column(JSON, default=list)

    groups: Mapped[list[PenpalGroup]] = relationship(back_populates="round", cascade="all, delete-orphan")


class PenpalRoundSkip(Base):
    __tablename__ = "penpal_round_skips"
    __table_args__ = (UniqueConstraint("round_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("penpal_rounds.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger)


class PenpalGroup(Base):
    __tablename__ = "penpal_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("penpal_rounds.id", ondelete="CASCADE"), index=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    thread_id: Mapped[int | None] = mapped_column(BigInteger)
    # Set before the thread is asked for: a retry that finds it set but no thread id looks for
    # the thread a crashed run may have created before creating one.
    thread_requested_at: Mapped[datetime | None]
    # open, closed (the round ended), dissolved (a member left and nobody else remains)
    state: Mapped[str] = mapped_column(String(16), default=GroupState.OPEN)

    round: Mapped[PenpalRound] = relationship(back_populates="groups")
    members: Mapped[list[PenpalGroupMember]] = relationship(
        back_populates="group", cascade="all, delete-orphan", lazy="selectin"
    )


class PenpalGroupMember(Base):
    __tablename__ = "penpal_group_members"
    __table_args__ = (UniqueConstraint("group_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("penpal_groups.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    connected: Mapped[str | None] = mapped_column(String(16))
    rating: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None]
    left_at: Mapped[datetime | None]

    group: Mapped[PenpalGroup] = relationship(back_populates="members")

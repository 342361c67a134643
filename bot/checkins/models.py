"""Check-in tables: per-server settings, the subjects features declared, each check-in, each answer."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base


class CheckinState(StrEnum):
    OPEN = "open"  # posted, nobody answered yet
    SNOOZED = "snoozed"  # moved: posted again at snoozed_until
    DONE = "done"  # a member pressed Done
    MISSED = "missed"  # the next check-in came (or the subject ended) with no answer at all
    ENDED = "ended"  # the subject ended while it was snoozed


class AnswerKind(StrEnum):
    DONE = "done"
    SNOOZE_DAY = "snooze_day"
    SNOOZE_WEEK = "snooze_week"
    HELP = "help"


class CheckinSettings(Base):
    __tablename__ = "checkin_settings"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # Weeks between check-ins; 0 turns new check-ins off.
    every_weeks: Mapped[int] = mapped_column(Integer, default=1)
    # Check-ins missed in a row before a subject is marked quiet and moderators are told.
    missed_before_quiet: Mapped[int] = mapped_column(Integer, default=2)
    # Local hour (server time zone) of a subject's first check-in when its feature names none.
    hour: Mapped[int] = mapped_column(Integer, default=10)
    updated_at: Mapped[datetime]


class CheckinSubject(Base):
    """One group that is checked in with: a feature's ``kind`` and its own id for it."""

    __tablename__ = "checkin_subjects"
    __table_args__ = (
        UniqueConstraint("kind", "subject_id"),
        Index("ix_checkin_subjects_thread_id", "thread_id"),
        Index("ix_checkin_subjects_guild_id_ended_at", "guild_id", "ended_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(BigInteger)
    thread_id: Mapped[int | None] = mapped_column(BigInteger)
    # Weeks between check-ins chosen by the subject's members; None follows the server.
    every_weeks: Mapped[int | None] = mapped_column(Integer)
    # The first check-in: it fixes the weekday and local time of the following ones.
    anchor_at: Mapped[datetime]
    next_due_at: Mapped[datetime | None]
    missed_in_row: Mapped[int] = mapped_column(Integer, default=0)
    # Set when the subject went quiet, to the check-in that made it so (moderators are told
    # once, by that check-in's job); cleared by the next answer.
    quiet_checkin_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class Checkin(Base):
    __tablename__ = "checkins"
    __table_args__ = (UniqueConstraint("subject_row_id", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_row_id: Mapped[int] = mapped_column(
        ForeignKey("checkin_subjects.id", ondelete="CASCADE"), index=True
    )
    guild_id: Mapped[int] = mapped_column(BigInteger, index=True)
    due_at: Mapped[datetime]  # the regular occurrence it was posted for
    state: Mapped[str] = mapped_column(String(16), default=CheckinState.OPEN)
    snoozed_until: Mapped[datetime | None]
    snoozes: Mapped[int] = mapped_column(Integer, default=0)
    help_requested_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]


class CheckinAnswer(Base):
    """A member's press. Erasing a member deletes their notes and forgets who answered."""

    __tablename__ = "checkin_answers"
    __table_args__ = (Index("ix_checkin_answers_guild_id_user_id", "guild_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkins.id", ondelete="CASCADE"), index=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int | None] = mapped_column(BigInteger)
    answer: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime]

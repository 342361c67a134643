"""Personal reminders: one row per reminder, its next time, and what became of it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base


class ReminderState(StrEnum):
    SCHEDULED = "scheduled"  # waiting for due_at (a repeating reminder stays here)
    DELIVERED = "delivered"  # a one-off that reached the member; snoozing schedules it again
    PARKED = "parked"  # a one-off that could reach the member neither by DM nor in its channel
    DONE = "done"
    CANCELLED = "cancelled"


# What counts towards a member's limit and shows in /remind list.
ACTIVE_STATES = (ReminderState.SCHEDULED, ReminderState.PARKED)
_STATES = ", ".join(f"'{state.value}'" for state in ReminderState)


class Reminder(Base):
    __tablename__ = "reminders"
    __table_args__ = (
        Index("ix_reminders_user_id_state", "user_id", "state"),
        Index("ix_reminders_guild_id_user_id", "guild_id", "user_id"),
        CheckConstraint(f"state IN ({_STATES})", name="state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    # Where it was set: the fallback when the member's DMs are closed.
    channel_id: Mapped[int | None] = mapped_column(BigInteger)
    what: Mapped[str] = mapped_column(String(500))
    # The next time it is due (a one-off: its time, moved by a snooze).
    due_at: Mapped[datetime]
    rule: Mapped[str | None] = mapped_column(String(200))  # a bot.scheduler recurrence rule
    timezone: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default=ReminderState.SCHEDULED)
    # A repeating reminder snoozed: one extra delivery at this time, the repeats unchanged.
    snoozed_until: Mapped[datetime | None]
    # The last time it could not be delivered at all (shown in /remind list).
    missed_at: Mapped[datetime | None]
    deliveries: Mapped[int] = mapped_column(Integer, default=0)
    # "Remind me too": the reminder this one was copied from.
    copied_from: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

"""The ``scheduled_jobs`` table: the single source of truth for everything the bot does later.

APScheduler only wakes the dispatcher; if the process dies, nothing is lost because every job,
its next due time and its progress live here.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Index,
    Integer,
    String,
    Text,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base


class JobState(StrEnum):
    PENDING = "pending"  # waiting for due_at
    RUNNING = "running"  # claimed by lease_owner until lease_expires_at
    DONE = "done"  # a one-off job that ran
    FAILED = "failed"  # parked after max attempts (or a permanent error); moderators can retry
    EXPIRED = "expired"  # a one-off job that came due too late for its kind; never ran
    CANCELLED = "cancelled"


_STATES = ", ".join(f"'{state.value}'" for state in JobState)


class ScheduledJob(Base):
    __tablename__ = "scheduled_jobs"
    __table_args__ = (
        # The dispatcher's two questions: "what is pending and due?" and "whose lease ran out?"
        # both start with the state.
        Index("ix_scheduled_jobs_state_due_at", "state", "due_at"),
        # Moderator views: failed jobs of one server.
        Index("ix_scheduled_jobs_guild_id_state", "guild_id", "state"),
        CheckConstraint(f"state IN ({_STATES})", name="state"),
        CheckConstraint("attempts >= 0", name="attempts"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # When to attempt next: the occurrence itself, or a later retry after a failure.
    due_at: Mapped[datetime]
    # The occurrence being worked on. Unlike due_at it does not move on retries, so the nonce and
    # the lateness of an occurrence stay the same across attempts.
    occurrence_at: Mapped[datetime]
    rule: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    state: Mapped[str] = mapped_column(String(16), default=JobState.PENDING, server_default="pending")
    # Claims so far for the current occurrence; also the fencing token of the current lease.
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_expires_at: Mapped[datetime | None]
    # Creating a job with a key that exists is a no-op; cancelling frees the key.
    dedupe_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    guild_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    last_run_at: Mapped[datetime | None]
    # Whether the last run started later than the service's lateness threshold (e.g. downtime).
    late: Mapped[bool] = mapped_column(default=False, server_default=false())

    def __repr__(self) -> str:
        return (
            f"<ScheduledJob id={self.id} kind={self.kind!r} state={self.state} due_at={self.due_at} "
            f"attempts={self.attempts}>"
        )

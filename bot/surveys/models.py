"""Survey tables: per-server settings, who opted in, each survey, its invitations and answers.

Answers are private: only aggregates leave the service (see :mod:`bot.surveys.rules`).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base


class InviteState(StrEnum):
    PENDING = "pending"  # the DM is a job not run yet
    SENT = "sent"
    UNREACHED = "unreached"  # direct messages closed, or the survey closed before the DM went


class SurveySettings(Base):
    __tablename__ = "survey_settings"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # 0: no surveys. Otherwise 1, 2, 3, 4, 6 or 12: on the 1st of every such month.
    every_months: Mapped[int] = mapped_column(Integer, default=0)
    window_days: Mapped[int] = mapped_column(Integer, default=14)
    # Bumped on every change, so a survey job of older settings knows it is stale.
    generation: Mapped[int] = mapped_column(Integer, default=0)
    next_survey_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class SurveyMember(Base):
    """A member who opted in (the row goes when they opt out)."""

    __tablename__ = "survey_members"
    __table_args__ = (UniqueConstraint("guild_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    locale: Mapped[str] = mapped_column(String(16), default="en")
    created_at: Mapped[datetime]


class Survey(Base):
    __tablename__ = "surveys"
    # One survey per start time: a retried start job never records it twice.
    __table_args__ = (UniqueConstraint("guild_id", "number"), UniqueConstraint("guild_id", "opens_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, 3 ... within the server
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]


class SurveyInvite(Base):
    __tablename__ = "survey_invites"
    __table_args__ = (
        UniqueConstraint("survey_id", "user_id"),
        Index("ix_survey_invites_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger)
    locale: Mapped[str] = mapped_column(String(16), default="en")
    state: Mapped[str] = mapped_column(String(16), default=InviteState.PENDING)
    updated_at: Mapped[datetime]


class SurveyAnswer(Base):
    """One answer per member per survey: a second one replaces the first."""

    __tablename__ = "survey_answers"
    __table_args__ = (UniqueConstraint("survey_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger)
    score: Mapped[int] = mapped_column(Integer)  # 0-10
    comment: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime]


class SurveyPartnershipAnswer(Base):
    """ "How is the partnership going?" 1-5, one per member, survey and partnership."""

    __tablename__ = "survey_partnership_answers"
    __table_args__ = (UniqueConstraint("survey_id", "user_id", "partnership_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger)
    partnership_id: Mapped[int] = mapped_column(BigInteger)  # no foreign key: partnerships are pluggable
    stars: Mapped[int] = mapped_column(Integer)  # 1-5
    answered_at: Mapped[datetime]

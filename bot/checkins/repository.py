"""Reading and writing check-in rows inside the caller's session."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.checkins import rules
from bot.checkins.models import (
    AnswerKind,
    Checkin,
    CheckinAnswer,
    CheckinSettings,
    CheckinState,
    CheckinSubject,
)


async def get_settings(session: AsyncSession, guild_id: int) -> CheckinSettings | None:
    return await session.get(CheckinSettings, guild_id)


async def settings_or_default(session: AsyncSession, guild_id: int, now: datetime) -> CheckinSettings:
    found = await session.get(CheckinSettings, guild_id)
    if found is not None:
        return found
    return CheckinSettings(
        guild_id=guild_id,
        every_weeks=rules.DEFAULT_EVERY_WEEKS,
        missed_before_quiet=rules.DEFAULT_MISSED_BEFORE_QUIET,
        hour=rules.DEFAULT_HOUR,
        updated_at=now,
    )


async def subject(session: AsyncSession, kind: str, subject_id: int) -> CheckinSubject | None:
    return (
        await session.execute(
            select(CheckinSubject).where(CheckinSubject.kind == kind, CheckinSubject.subject_id == subject_id)
        )
    ).scalar_one_or_none()


async def subject_in_thread(session: AsyncSession, thread_id: int) -> CheckinSubject | None:
    return (
        await session.execute(
            select(CheckinSubject)
            .where(CheckinSubject.thread_id == thread_id, CheckinSubject.ended_at.is_(None))
            .order_by(CheckinSubject.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


async def active_subjects(session: AsyncSession, guild_id: int) -> Sequence[CheckinSubject]:
    return (
        (
            await session.execute(
                select(CheckinSubject).where(
                    CheckinSubject.guild_id == guild_id, CheckinSubject.ended_at.is_(None)
                )
            )
        )
        .scalars()
        .all()
    )


async def checkin_at(session: AsyncSession, subject_row_id: int, due_at: datetime) -> Checkin | None:
    return (
        await session.execute(
            select(Checkin).where(Checkin.subject_row_id == subject_row_id, Checkin.due_at == due_at)
        )
    ).scalar_one_or_none()


async def unanswered_before(session: AsyncSession, subject_row_id: int, checkin_id: int) -> Sequence[Checkin]:
    """The subject's earlier check-ins still open or snoozed."""
    return (
        (
            await session.execute(
                select(Checkin).where(
                    Checkin.subject_row_id == subject_row_id,
                    Checkin.id < checkin_id,
                    Checkin.state.in_((CheckinState.OPEN, CheckinState.SNOOZED)),
                )
            )
        )
        .scalars()
        .all()
    )


async def pending_of(session: AsyncSession, subject_row_id: int) -> Sequence[Checkin]:
    return (
        (
            await session.execute(
                select(Checkin).where(
                    Checkin.subject_row_id == subject_row_id,
                    Checkin.state.in_((CheckinState.OPEN, CheckinState.SNOOZED)),
                )
            )
        )
        .scalars()
        .all()
    )


async def done_answer(session: AsyncSession, checkin_id: int, user_id: int) -> CheckinAnswer | None:
    return (
        await session.execute(
            select(CheckinAnswer).where(
                CheckinAnswer.checkin_id == checkin_id,
                CheckinAnswer.user_id == user_id,
                CheckinAnswer.answer == AnswerKind.DONE,
            )
        )
    ).scalar_one_or_none()


async def counts(session: AsyncSession, guild_id: int) -> dict[str, int]:
    by_state = dict(
        (
            await session.execute(
                select(Checkin.state, func.count())
                .where(Checkin.guild_id == guild_id)
                .group_by(Checkin.state)
            )
        ).all()
    )
    quiet = await session.scalar(
        select(func.count()).where(
            CheckinSubject.guild_id == guild_id,
            CheckinSubject.ended_at.is_(None),
            CheckinSubject.quiet_checkin_id.is_not(None),
        )
    )
    return {
        "done": int(by_state.get(CheckinState.DONE, 0)),
        "missed": int(by_state.get(CheckinState.MISSED, 0)),
        "quiet": int(quiet or 0),
    }


async def member_answers(session: AsyncSession, guild_id: int, user_id: int) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(CheckinAnswer, Checkin, CheckinSubject)
        .join(Checkin, Checkin.id == CheckinAnswer.checkin_id)
        .join(CheckinSubject, CheckinSubject.id == Checkin.subject_row_id)
        .where(CheckinAnswer.guild_id == guild_id, CheckinAnswer.user_id == user_id)
        .order_by(CheckinAnswer.id)
    )
    return [
        {
            "subject": f"{subject.kind}:{subject.subject_id}",
            "check_in_due": checkin.due_at.isoformat(),
            "answer": answer.answer,
            "note": answer.note,
            "answered_at": answer.answered_at.isoformat(),
        }
        for answer, checkin, subject in rows.all()
    ]


async def erase_member(session: AsyncSession, guild_id: int, user_id: int) -> int:
    """Notes deleted, answers kept without who gave them (the counts stay right)."""
    result = await session.execute(
        update(CheckinAnswer)
        .where(CheckinAnswer.guild_id == guild_id, CheckinAnswer.user_id == user_id)
        .values(user_id=None, note=None)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]

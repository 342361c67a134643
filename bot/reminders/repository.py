"""Repository functions for reminders. Each takes the session of the caller's unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.reminders.models import ACTIVE_STATES, Reminder


async def get(session: AsyncSession, reminder_id: int, *, for_update: bool = False) -> Reminder | None:
    """``for_update``: lock the row until the transaction ends (PostgreSQL), so two buttons pressed
    together see each other's change instead of both acting on the same old row."""
    return await session.get(Reminder, reminder_id, populate_existing=True, with_for_update=for_update)


async def lock_member(session: AsyncSession, user_id: int) -> None:
    """Serialise a member's reminder writes until the transaction ends, so two quick commands
    cannot both pass the limit. SQLite's write transactions are serial already."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": user_id})


async def count_active(session: AsyncSession, user_id: int) -> int:
    statement = select(func.count()).where(Reminder.user_id == user_id, Reminder.state.in_(ACTIVE_STATES))
    return int(await session.scalar(statement) or 0)


async def active(session: AsyncSession, user_id: int, guild_id: int | None = None) -> Sequence[Reminder]:
    """A member's active reminders, soonest first (all servers, or one)."""
    statement = select(Reminder).where(Reminder.user_id == user_id, Reminder.state.in_(ACTIVE_STATES))
    if guild_id is not None:
        statement = statement.where(Reminder.guild_id == guild_id)
    return (await session.scalars(statement.order_by(Reminder.due_at, Reminder.id))).all()


async def copy_of(session: AsyncSession, source_id: int, user_id: int) -> Reminder | None:
    statement = select(Reminder).where(
        Reminder.copied_from == source_id, Reminder.user_id == user_id, Reminder.state.in_(ACTIVE_STATES)
    )
    return (await session.scalars(statement.limit(1))).first()


async def of_member(session: AsyncSession, guild_id: int, user_id: int) -> Sequence[Reminder]:
    statement = select(Reminder).where(Reminder.guild_id == guild_id, Reminder.user_id == user_id)
    return (await session.scalars(statement.order_by(Reminder.id))).all()


async def delete_member(session: AsyncSession, guild_id: int, user_id: int) -> int:
    statement = delete(Reminder).where(Reminder.guild_id == guild_id, Reminder.user_id == user_id)
    result: Any = await session.execute(statement)
    return int(result.rowcount or 0)

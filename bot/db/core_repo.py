"""Repository functions for the core tables. Each takes the session of the caller's unit of work."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import AuditEntry, BotState, DmChannel, GuildSettings
from bot.db.rows import insert_or_lock


async def get_guild_settings(session: AsyncSession, guild_id: int) -> GuildSettings | None:
    return await session.get(GuildSettings, guild_id)


async def upsert_guild_settings(
    session: AsyncSession, guild_id: int, now: datetime, defaults: dict[str, Any], **changes: Any
) -> GuildSettings:
    settings = await session.get(GuildSettings, guild_id)
    if settings is None:
        settings = GuildSettings(guild_id=guild_id, created_at=now, updated_at=now, **defaults)
        session.add(settings)
    for key, value in changes.items():
        setattr(settings, key, value)
    settings.updated_at = now
    await session.flush()
    return settings


async def record_audit(
    session: AsyncSession,
    *,
    guild_id: int | None,
    actor_id: int | None,
    action: str,
    at: datetime,
    **details: Any,
) -> None:
    session.add(AuditEntry(guild_id=guild_id, actor_id=actor_id, action=action, details=details, at=at))


async def get_state(session: AsyncSession, key: str) -> str | None:
    state = await session.get(BotState, key)
    return None if state is None else state.value


async def set_state(session: AsyncSession, key: str, value: str, now: datetime) -> None:
    state = await session.get(BotState, key)
    if state is None:
        session.add(BotState(key=key, value=value, updated_at=now))
    else:
        state.value, state.updated_at = value, now


async def audit_entries(
    session: AsyncSession,
    guild_id: int,
    *,
    actor_id: int | None = None,
    action: str | None = None,
    limit: int = 20,
) -> tuple[list[AuditEntry], int]:
    """A server's newest entries and how many match; ``action`` matches whole or as a dotted prefix."""
    conditions = [AuditEntry.guild_id == guild_id]
    if actor_id is not None:
        conditions.append(AuditEntry.actor_id == actor_id)
    if action is not None:
        conditions.append(
            or_(AuditEntry.action == action, AuditEntry.action.startswith(f"{action}.", autoescape=True))
        )
    rows = await session.execute(
        select(AuditEntry)
        .where(*conditions)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    total = await session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions))
    return list(rows.scalars()), int(total or 0)


async def audit_actions_used(session: AsyncSession, guild_id: int) -> list[str]:
    rows = await session.execute(
        select(AuditEntry.action)
        .where(AuditEntry.guild_id == guild_id)
        .distinct()
        .order_by(AuditEntry.action)
    )
    return list(rows.scalars())


async def get_dm_channel(session: AsyncSession, user_id: int) -> int | None:
    row = await session.get(DmChannel, user_id)
    return row.channel_id if row is not None else None


async def save_dm_channel(session: AsyncSession, user_id: int, channel_id: int, now: datetime) -> None:
    """Keeps the member's DM channel. Two deliveries to one member may open it at once (two jobs
    due together): the second one's insert finds the row and updates it instead of failing."""
    row, created = await insert_or_lock(
        session, DmChannel, {"user_id": user_id}, {"channel_id": channel_id, "updated_at": now}
    )
    if not created:
        row.channel_id, row.updated_at = channel_id, now

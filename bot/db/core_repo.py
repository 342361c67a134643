"""Repository functions for the core tables. Each takes the session of the caller's unit of work."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import AuditEntry, BotState, GuildSettings


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

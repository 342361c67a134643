"""The member's time zone: their own setting, else their pen-pal profile's, else the server's.

Every feature that shows or reads a time for a member asks here, so one ``/timezone set`` is
used everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.core_repo import get_guild_settings
from bot.db.rows import insert_or_lock
from bot.members.models import MemberSettings


class ZoneSource(StrEnum):
    OWN = "own"  # /timezone set
    PENPAL = "penpal"  # the pen-pal profile in this server
    SERVER = "server"  # the server's time zone from /setup
    DEFAULT = "default"  # the bot's default: the server has none yet


@dataclass(frozen=True)
class MemberZone:
    timezone: str
    source: ZoneSource


async def member_timezone(session: AsyncSession, user_id: int) -> str | None:
    """The member's own setting, or None."""
    settings = await session.get(MemberSettings, user_id)
    return None if settings is None else settings.timezone


async def set_member_timezone(
    session: AsyncSession, user_id: int, timezone: str | None, now: datetime
) -> None:
    """Save (or with None, forget) the member's time zone; the caller checked the name.

    One setting for every feature: a zone chosen here is also written to the member's pen-pal
    profiles, and a zone chosen in a pen-pal profile comes here (``PenpalService.save``), so the
    two never disagree."""
    values = {"timezone": timezone, "created_at": now, "updated_at": now}
    settings, created = await insert_or_lock(session, MemberSettings, {"user_id": user_id}, values)
    if not created:
        settings.timezone, settings.updated_at = timezone, now
    if timezone is not None:
        # Imported here: the pen-pal feature itself calls this function.
        from bot.penpal.models import PenpalProfile  # noqa: PLC0415

        await session.execute(
            update(PenpalProfile)
            .where(PenpalProfile.user_id == user_id)
            .values(timezone=timezone, updated_at=now)
        )
    await session.flush()


async def erase_member_settings(session: AsyncSession, user_id: int) -> int:
    result = await session.execute(delete(MemberSettings).where(MemberSettings.user_id == user_id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def effective_timezone(
    session: AsyncSession, guild_id: int | None, user_id: int, default: str = "UTC"
) -> MemberZone:
    """The zone to read and show this member's times in, and where it came from."""
    own = await member_timezone(session, user_id)
    if own:
        return MemberZone(own, ZoneSource.OWN)
    if guild_id is not None:
        # Imported here: the pen-pal feature may itself ask for a member's zone from this module.
        from bot.penpal import repository as penpal_repo  # noqa: PLC0415
        from bot.penpal.models import ProfileStatus  # noqa: PLC0415

        profile = await penpal_repo.get_profile(session, guild_id, user_id)
        if profile is not None and profile.status != ProfileStatus.LEFT and profile.timezone:
            return MemberZone(profile.timezone, ZoneSource.PENPAL)
        settings = await get_guild_settings(session, guild_id)
        if settings is not None and settings.timezone:
            return MemberZone(settings.timezone, ZoneSource.SERVER)
    return MemberZone(default, ZoneSource.DEFAULT)

"""A member's own data, gathered from every feature or erased from every feature.

No Discord here. The features' hooks (:class:`bot.features.MemberData`) do the work; this module
turns what they export into one JSON document a member can read, and sums what an erase removed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any

from bot.db.core_repo import get_guild_settings
from bot.db.models import GuildSettings
from bot.i18n import N_

if TYPE_CHECKING:
    from bot.clock import Clock
    from bot.db import Database
    from bot.scheduler import JobScheduler

EXPORT_FORMAT = 1


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def export_document(
    *, guild_id: int, user_id: int, generated_at: datetime, features: Mapping[str, Mapping[str, Any]]
) -> bytes:
    """What the bot keeps about one member of one server, as UTF-8 JSON (Chinese kept readable)."""
    document = {
        "format": EXPORT_FORMAT,
        "server_id": str(guild_id),
        "member_id": str(user_id),
        "generated_at": generated_at.isoformat(),
        "features": dict(sorted(features.items())),
    }
    return json.dumps(document, ensure_ascii=False, indent=2, default=_plain).encode()


def export_filename(guild_id: int, user_id: int, generated_at: datetime) -> str:
    return f"sisterlib-{guild_id}-{user_id}-{generated_at:%Y%m%d}.json"


def items_kept(counts: Mapping[str, int]) -> int:
    return sum(counts.values())


# A departed member's data: erased some days after they leave, unless they come back first.
ERASE_LEAVER = "privacy.erase_leaver"
LABELS = {ERASE_LEAVER: N_("erase a departed member's data")}
MAX_LEAVER_DAYS = 365


def erase_key(guild_id: int, user_id: int) -> str:
    return f"{ERASE_LEAVER}:{guild_id}:{user_id}"


class Retention:
    """Keeps the server's promise about departed members' data (``/setup leaver_days``)."""

    def __init__(self, database: Database, clock: Clock, scheduler: JobScheduler) -> None:
        self.database = database
        self.clock = clock
        self.scheduler = scheduler

    async def member_left(self, guild_id: int, user_id: int) -> datetime:
        """Schedule the erase; returns when it will happen."""
        async with self.database.session() as session:
            settings = await get_guild_settings(session, guild_id)
        days = settings.leaver_retention_days if settings is not None else GuildSettings.DEFAULT_LEAVER_DAYS
        due = self.clock.now() + timedelta(days=days)
        await self.scheduler.schedule(
            ERASE_LEAVER,
            {"guild_id": guild_id, "user_id": user_id},
            due,
            dedupe_key=erase_key(guild_id, user_id),
            guild_id=guild_id,
        )
        return due

    async def member_returned(self, guild_id: int, user_id: int) -> bool:
        """A member who rejoins before the erase keeps their data."""
        return await self.scheduler.cancel(erase_key(guild_id, user_id))

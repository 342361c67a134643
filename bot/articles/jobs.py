"""The article job kinds, their keys, and the weekly digest's schedule (pure: no Discord)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_
from bot.scheduler import store
from bot.scheduler.recurrence import first_occurrence

DIGEST = "articles.digest"
LABELS = {DIGEST: N_("weekly article digest")}
# A digest a day late still tells members what they missed; later, the next one will.
MAX_LATENESS: dict[str, timedelta | None] = {DIGEST: timedelta(days=1)}
WEEKDAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DIGEST_SIZE = 5


def digest_key(guild_id: int) -> str:
    return f"{DIGEST}:{guild_id}"


def digest_rule(weekday: int, hour: int) -> str:
    return f"weekly {WEEKDAY_CODES[weekday]} {hour:02d}:00"


async def reschedule_digest(
    session: AsyncSession, guild_id: int, weekday: int | None, hour: int, timezone: str, now: datetime
) -> datetime | None:
    """Replaces the server's digest job (none when ``weekday`` is None); returns when it is due,
    for the caller to pass to the scheduler after its commit."""
    await store.cancel(session, digest_key(guild_id), now=now)
    if weekday is None:
        return None
    rule = digest_rule(weekday, hour)
    due = first_occurrence(rule, timezone, now)
    await store.schedule(
        session,
        DIGEST,
        {"guild_id": guild_id},
        due,
        now=now,
        rule=rule,
        timezone=timezone,
        dedupe_key=digest_key(guild_id),
        guild_id=guild_id,
    )
    return due

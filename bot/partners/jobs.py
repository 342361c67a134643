"""The partnership job kinds, their keys, and when anniversaries and quiet checks come due."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.i18n import N_
from bot.partners.rules import anniversary_on
from bot.penpal.jobs import JobBatch
from bot.scheduler.recurrence import resolve_local

__all__ = ["JobBatch"]

QUEUE = "partners.queue"
TELL = "partners.tell"
ANNOUNCE = "partners.announce"
NEWS = "partners.news"
ANNIVERSARY = "partners.anniversary"
QUIET = "partners.quiet"

LABELS = {
    QUEUE: N_("partnership proposal for moderators"),
    TELL: N_("partnership decision for the proposer"),
    ANNOUNCE: N_("partnership announcement"),
    NEWS: N_("partnership news"),
    ANNIVERSARY: N_("partnership anniversary"),
    QUIET: N_("quiet partnerships check"),
}
MAX_LATENESS: dict[str, timedelta | None] = {
    QUEUE: None,
    TELL: timedelta(days=7),
    ANNOUNCE: None,
    NEWS: timedelta(days=7),
    # Always runs: each anniversary schedules the next (the service skips a stale greeting).
    ANNIVERSARY: None,
    QUIET: timedelta(days=1),
}
# Anniversaries and quiet checks come at this local hour of the server's time zone.
MORNING_HOUR = 9
QUIET_RULE = f"daily {MORNING_HOUR:02d}:00"
# An anniversary greeting later than this (the bot was down) is not posted.
ANNIVERSARY_LATE = timedelta(days=2)


def queue_key(partnership_id: int, sent_at: datetime, submission: str) -> str:
    """One queue post per sending: ``submission`` tells apart two sendings at the same instant."""
    return f"{QUEUE}:{partnership_id}:{sent_at.astimezone(UTC).isoformat()}:{submission}"


def queue_prefix(partnership_id: int) -> str:
    return f"{QUEUE}:{partnership_id}:"


def tell_key(partnership_id: int, decision: str, at: datetime) -> str:
    return f"{TELL}:{partnership_id}:{decision}:{at.astimezone(UTC).isoformat()}"


def announce_key(partnership_id: int) -> str:
    return f"{ANNOUNCE}:{partnership_id}"


def news_key(news_id: int) -> str:
    return f"{NEWS}:{news_id}"


def anniversary_key(partnership_id: int, year: int) -> str:
    return f"{ANNIVERSARY}:{partnership_id}:{year}"


def anniversary_prefix(partnership_id: int) -> str:
    return f"{ANNIVERSARY}:{partnership_id}:"


def quiet_key(guild_id: int) -> str:
    return f"{QUIET}:{guild_id}"


def anniversary_at(start: date, year: int, timezone: str) -> datetime:
    """The morning of ``start``'s anniversary in ``year``, in local wall-clock time of ``timezone``:
    a DST change between now and then moves nothing; an hour a DST gap skips moves forward."""
    day = anniversary_on(start, year)
    return resolve_local(datetime(day.year, day.month, day.day, MORNING_HOUR), timezone)  # noqa: DTZ001


def next_anniversary(start: date, after: datetime, timezone: str) -> tuple[datetime, int]:
    """The first anniversary of ``start`` (one year or more) after ``after``, and its years."""
    year = max(start.year + 1, after.year - 1)
    while (when := anniversary_at(start, year, timezone)) <= after:
        year += 1
    return when, year - start.year

"""Reading the time a moderator typed: "YYYY-MM-DD HH:MM", or "HH:MM" for the next time that
clock time comes, in a time zone, with the daylight-saving changes decided on purpose.

- A time the clocks skip (spring forward) does not exist: refused, naming the first time after
  the jump, rather than moved silently.
- A time that happens twice (fall back) is taken the first time; the outcome says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from bot.i18n import N_
from bot.inputs import InputError
from bot.scheduler.recurrence import get_zone
from bot.text import quote

WHEN_MAX = 40
MAX_AHEAD = timedelta(days=731)  # two years
_WHEN = re.compile(
    r"^\s*(?:(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})(?:\s+|\s*T\s*))?(\d{1,2})\s*[:：]\s*(\d{2})\s*$"
)


class Fold(StrEnum):
    PLAIN = "plain"
    AMBIGUOUS = "ambiguous"  # happened twice: the first was taken


@dataclass(frozen=True)
class When:
    at: datetime  # the instant, aware UTC
    timezone: str
    fold: Fold = Fold.PLAIN

    @property
    def local(self) -> datetime:
        return self.at.astimezone(get_zone(self.timezone))


def local_text(when: datetime, timezone: str) -> str:
    """ "2026-03-30 09:00" in ``timezone``: the form the moderator types, for examples."""
    return when.astimezone(get_zone(timezone)).strftime("%Y-%m-%d %H:%M")


def example(now: datetime, timezone: str) -> str:
    """Tomorrow at 09:00 in the zone: a time that is always valid as an example."""
    tomorrow = now.astimezone(get_zone(timezone)).date() + timedelta(days=1)
    return f"{tomorrow.isoformat()} 09:00"


def parse_when(value: str, timezone: str, now: datetime) -> When:
    """The instant for what the moderator typed, read in ``timezone``; InputError says what to fix."""
    hint = example(now, timezone)
    if len(value) > WHEN_MAX:
        raise InputError(
            N_("“{value}” is too long for a time: write it as YYYY-MM-DD HH:MM, e.g. {example}."),
            value=quote(value),
            example=hint,
        )
    match = _WHEN.match(value)
    if match is None:
        raise InputError(
            N_(
                "“{value}” is not a time I can read: write YYYY-MM-DD HH:MM, e.g. {example}, "
                "or HH:MM for the next time the clock shows it."
            ),
            value=quote(value),
            example=hint,
        )
    year, month, day, hour, minute = match.groups()
    try:
        clock_time = time(int(hour), int(minute))
        day_given = date(int(year), int(month), int(day)) if year else None
    except ValueError:
        raise InputError(
            N_("“{value}” is not a real date and time; e.g. {example}."), value=quote(value), example=hint
        ) from None
    zone = get_zone(timezone)
    if day_given is None:
        today = now.astimezone(zone).date()
        candidate = _resolve(datetime.combine(today, clock_time), timezone)
        if candidate.at <= now:
            candidate = _resolve(datetime.combine(today + timedelta(days=1), clock_time), timezone)
    else:
        candidate = _resolve(datetime.combine(day_given, clock_time), timezone)
    check_instant(candidate.at, timezone, now)
    return candidate


def _resolve(wall: datetime, timezone: str) -> When:
    zone = get_zone(timezone)
    first = wall.replace(tzinfo=zone, fold=0)
    second = wall.replace(tzinfo=zone, fold=1)
    at = first.astimezone(UTC)
    if at.astimezone(zone).replace(tzinfo=None) != wall:
        # The clocks jump over this wall time: the first moment after the jump is the instant
        # itself, read back on the new side of the change.
        after = at.astimezone(zone).replace(second=0, microsecond=0)
        raise InputError(
            N_(
                "{time} does not exist in {zone}: the clocks jump forward over it that night. "
                "Pick {after} or another time."
            ),
            time=wall.strftime("%Y-%m-%d %H:%M"),
            zone=timezone,
            after=after.strftime("%Y-%m-%d %H:%M"),
        )
    fold = Fold.AMBIGUOUS if first.utcoffset() != second.utcoffset() else Fold.PLAIN
    return When(at, timezone, fold)


def fold_of(at: datetime, timezone: str) -> Fold:
    """Whether the wall-clock time of ``at`` in ``timezone`` happens twice that day."""
    zone = get_zone(timezone)
    wall = at.astimezone(zone).replace(tzinfo=None)
    first, second = wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1)
    return Fold.AMBIGUOUS if first.utcoffset() != second.utcoffset() else Fold.PLAIN


def check_instant(at: datetime, timezone: str, now: datetime) -> When:
    """An instant chosen earlier (a form opened a while ago): still ahead, and not too far."""
    hint = example(now, timezone)
    if at <= now:
        raise InputError(
            N_("{time} ({zone}) has already passed; pick a later time, e.g. {example}."),
            time=local_text(at, timezone),
            zone=timezone,
            example=hint,
        )
    if at - now > MAX_AHEAD:
        raise InputError(
            N_("{time} is more than two years ahead; pick a time before {limit}, e.g. {example}."),
            time=local_text(at, timezone),
            limit=local_text(now + MAX_AHEAD, timezone),
            example=hint,
        )
    return When(at, timezone, fold_of(at, timezone))

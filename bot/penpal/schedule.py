"""When rounds happen and what a new group is offered to talk about. Pure: no Discord, no database."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import N_
from bot.scheduler.recurrence import next_occurrence, resolve_local

WEEKDAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NOTICE_BEFORE = timedelta(days=1)

# The sister-library activities a new group is invited to try.
CONVERSATION_STARTERS = (
    N_("Exchange newsletters: send each other your library's latest newsletter and pick one idea to borrow."),
    N_("Share an article: each of you shares one article about libraries that changed how you work."),
    N_("Swap a reading list: five books your patrons love this season, and why."),
    N_("Describe a local custom: a holiday, festival or tradition your library celebrates."),
    N_("Plan a joint display: a book display on one theme, shown in both libraries at the same time."),
)
STARTERS_PER_GROUP = 3


@dataclass(frozen=True)
class RoundSchedule:
    cadence: str  # weekly, biweekly, monthly
    weekday: int  # 0 = Monday
    hour: int
    timezone: str

    @property
    def rule(self) -> str:
        day = WEEKDAY_CODES[self.weekday]
        at = f"{self.hour:02d}:00"
        if self.cadence == "weekly":
            return f"weekly {day} {at}"
        if self.cadence == "biweekly":
            return f"every 2 weeks {day} {at}"
        return f"monthly first {day} {at}"

    def next_round(self, after: datetime, previous: datetime | None = None) -> datetime:
        return next_occurrence(self.rule, self.timezone, after, anchor=previous)

    def round_after(self, round_at: datetime) -> datetime:
        return next_occurrence(self.rule, self.timezone, round_at, anchor=round_at)

    def checkin_time(self, round_at: datetime, ends_at: datetime | None = None) -> datetime:
        """Halfway through the round, at the hour rounds start (local time), not in the night."""
        ends_at = ends_at or self.round_after(round_at)
        zone = ZoneInfo(self.timezone)
        local = round_at.astimezone(zone).replace(tzinfo=None)
        # Count calendar days in local time: across a DST change a week is 167 or 169 hours.
        half_days = max((ends_at.astimezone(zone).date() - local.date()).days // 2, 1)
        return resolve_local(local + timedelta(days=half_days), self.timezone)

    def notice_time(self, round_at: datetime) -> datetime:
        return round_at - NOTICE_BEFORE


def conversation_starters(seed: int, count: int = STARTERS_PER_GROUP) -> list[str]:
    """Untranslated starters for one group, different from group to group but stable for a seed."""
    return random.Random(seed).sample(CONVERSATION_STARTERS, count)

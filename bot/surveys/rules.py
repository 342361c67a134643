"""Survey arithmetic and calendar: no database, no Discord.

NPS (Net Promoter Score) = % promoters (9-10) - % detractors (0-6), from -100 to 100; passives
(7-8) count in the total only. Percentages are rounded half away from zero, so 12.5 shows as 13
and -12.5 as -13 (Python's ``round`` would give 12 for both signs' halves toward even).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

from bot.i18n import N_
from bot.inputs import InputError

SCORE_MIN, SCORE_MAX = 0, 10
PROMOTER_MIN = 9
DETRACTOR_MAX = 6
STARS_MIN, STARS_MAX = 1, 5
COMMENT_MAX = 1000
WINDOW_MIN, WINDOW_MAX = 1, 60
DEFAULT_WINDOW_DAYS = 14
# Months between surveys: divisors of 12, so surveys fall on the same months each year.
CADENCES = (1, 2, 3, 4, 6, 12)
SURVEY_HOUR = 10  # local time of the server, on the 1st of the month
# Below this many answers a survey's figures would point at individual members: not shown.
MIN_ANSWERS_SHOWN = 3
TREND_SURVEYS = 4


def percent(part: int, whole: int) -> int | None:
    """``part`` of ``whole`` in whole percent, halves away from zero; None when ``whole`` is 0."""
    if whole <= 0:
        return None
    return round_half_away(Fraction(100 * part, whole))


def round_half_away(value: Fraction) -> int:
    sign = -1 if value < 0 else 1
    magnitude = abs(value)
    whole = int(magnitude)
    if magnitude - whole >= Fraction(1, 2):
        whole += 1
    return sign * whole


@dataclass(frozen=True)
class Nps:
    answers: int
    promoters: int
    passives: int
    detractors: int

    @property
    def score(self) -> int | None:
        """-100 to 100; None without answers (no score is not the same as a score of 0)."""
        if self.answers == 0:
            return None
        return round_half_away(Fraction(100 * (self.promoters - self.detractors), self.answers))


def nps(scores: Iterable[int]) -> Nps:
    promoters = passives = detractors = 0
    for score in scores:
        if not SCORE_MIN <= score <= SCORE_MAX:
            raise ValueError(f"a score is 0 to 10, not {score}")
        if score >= PROMOTER_MIN:
            promoters += 1
        elif score <= DETRACTOR_MAX:
            detractors += 1
        else:
            passives += 1
    return Nps(promoters + passives + detractors, promoters, passives, detractors)


def average(values: Iterable[int]) -> Fraction | None:
    items = list(values)
    return Fraction(sum(items), len(items)) if items else None


def check_score(score: int) -> int:
    if not SCORE_MIN <= score <= SCORE_MAX:
        raise ValueError(f"a score is 0 to 10, not {score}")
    return score


def check_stars(stars: int) -> int:
    if not STARS_MIN <= stars <= STARS_MAX:
        raise ValueError(f"a partnership rating is 1 to 5, not {stars}")
    return stars


def check_window(days: int) -> int:
    if not WINDOW_MIN <= days <= WINDOW_MAX:
        raise InputError(
            N_("A survey stays open {low} to {high} days, not {days}. Nothing was saved."),
            low=WINDOW_MIN,
            high=WINDOW_MAX,
            days=days,
        )
    return days


def check_cadence(every_months: int) -> int:
    if every_months != 0 and every_months not in CADENCES:
        raise InputError(N_("Pick how often from the list. Nothing was saved."))
    return every_months


def next_survey_at(after: datetime, every_months: int, timezone: str) -> datetime:
    """The first survey time strictly after ``after``: 10:00 server time on the 1st of a month
    that is a multiple of ``every_months`` from January (quarterly: January, April, July,
    October)."""
    if every_months not in CADENCES:
        raise ValueError(f"no survey cadence of {every_months} months")
    zone = ZoneInfo(timezone)
    local = after.astimezone(zone)
    year, month = local.year, local.month
    for _step in range(13 + 12):
        if (month - 1) % every_months == 0:
            candidate = datetime(year, month, 1, SURVEY_HOUR, tzinfo=zone).astimezone(UTC)
            if candidate > after:
                return candidate
        month += 1
        if month > 12:
            year, month = year + 1, 1
    raise AssertionError("unreachable: a cadence divides twelve months")

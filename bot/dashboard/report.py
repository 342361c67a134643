"""A dashboard's figures: the whole period, each bucket for the trend, and the period before."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from bot.dashboard.periods import Bucket, Period, buckets, span
from bot.stats import PeriodStats

StatsSource = Callable[[int, datetime, datetime], Awaitable[PeriodStats]]

# The measures, in the order the dashboard shows them. Each is computed from merged PeriodStats.
MEASURES = (
    "active_members",
    "new_members",
    "countries",
    "languages",
    "pairs_made",
    "connected_rate",
    "checkins_done",
    "partnerships_active",
    "partnerships_new",
    "seeking_posts",
    "seeking_fits",
    "articles_shared",
    "articles_saved",
    "nps",
    "survey_response_rate",
)
# Rates are percentages; None when there is nothing to divide by.
RATES = frozenset({"connected_rate", "survey_response_rate", "nps"})


def round_half_away(value: float) -> int:
    """12.5 -> 13 and -12.5 -> -13, as survey results show NPS (Python's round gives 12)."""
    return int(math.copysign(math.floor(abs(value) + 0.5), value))


def measures(stats: PeriodStats) -> dict[str, float | None]:
    figures = stats.figures

    def ratio(part: str, whole: str) -> float | None:
        total = figures.get(whole, 0)
        return round(100 * figures.get(part, 0) / total, 1) if total else None

    promoters, detractors = figures.get("nps_promoters", 0), figures.get("nps_detractors", 0)
    answers = figures.get("nps_answers", 0)
    return {
        "active_members": len(stats.active_members),
        "new_members": len(stats.new_members),
        "countries": len(stats.countries),
        "languages": len(stats.languages),
        "pairs_made": figures.get("pairs_made", 0),
        "connected_rate": ratio("pairs_connected", "pairs_made"),
        "checkins_done": figures.get("checkins_done", 0),
        "partnerships_active": figures.get("partnerships_active", 0),
        "partnerships_new": figures.get("partnerships_new", 0),
        "seeking_posts": figures.get("seeking_posts", 0),
        "seeking_fits": figures.get("seeking_fits", 0),
        "articles_shared": figures.get("articles_shared", 0),
        "articles_saved": figures.get("articles_saved", 0),
        "nps": round_half_away(100 * (promoters - detractors) / answers) if answers else None,
        "survey_response_rate": ratio("survey_answered", "survey_sent"),
    }


@dataclass(frozen=True)
class Report:
    period: Period
    timezone: str
    start: datetime
    end: datetime
    totals: dict[str, float | None]
    previous: dict[str, float | None]
    buckets: list[Bucket]
    series: dict[str, list[float | None]]
    countries: list[str]
    languages: list[str]


async def build_report(
    source: StatsSource, guild_id: int, period: Period, now: datetime, timezone: str
) -> Report:
    parts = buckets(period, now, timezone)
    start, end = span(parts)
    whole = await source(guild_id, start, end)
    before = await source(guild_id, start - (end - start), start)
    per_bucket = [measures(await source(guild_id, part.start, part.end)) for part in parts]
    return Report(
        period=period,
        timezone=timezone,
        start=start,
        end=end,
        totals=measures(whole),
        previous=measures(before),
        buckets=parts,
        series={name: [figures[name] for figures in per_bucket] for name in MEASURES},
        countries=sorted(whole.countries),
        languages=sorted(whole.languages),
    )

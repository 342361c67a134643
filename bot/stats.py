"""What a feature tells the dashboard about one period: figures, and who and where it reached.

No Discord here. Each feature's provider answers for a server and a half-open period
``[start, end)`` in UTC; the registry merges them. Member ids, countries and languages are sets so
a member active in two features counts once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class PeriodStats:
    # Named counts and rates, e.g. {"pairs_made": 12, "pairs_connected": 9}. Rates are never
    # summed across features: each name belongs to one feature.
    figures: Mapping[str, float] = field(default_factory=dict)
    active_members: frozenset[int] = frozenset()
    new_members: frozenset[int] = frozenset()
    countries: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()

    @staticmethod
    def merge(parts: Iterable[PeriodStats]) -> PeriodStats:
        figures: dict[str, float] = {}
        active: set[int] = set()
        new: set[int] = set()
        countries: set[str] = set()
        languages: set[str] = set()
        for part in parts:
            for name, value in part.figures.items():
                figures[name] = figures.get(name, 0) + value
            active |= part.active_members
            new |= part.new_members
            countries |= part.countries
            languages |= part.languages
        return PeriodStats(
            figures, frozenset(active), frozenset(new), frozenset(countries), frozenset(languages)
        )


StatsProvider = Callable[[int, datetime, datetime], Awaitable[PeriodStats]]

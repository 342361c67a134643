"""Reference lists members pick from: IANA time zones (and, later, countries and languages).

Pure functions with no Discord in them, shared by autocomplete and by validation.
"""

from __future__ import annotations

import difflib
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

AUTOCOMPLETE_LIMIT = 25


@cache
def timezone_names() -> tuple[str, ...]:
    # Only canonical Area/City names: "posixrules", "Etc/GMT+5" and friends only confuse people.
    names = {
        name for name in available_timezones() if "/" in name and not name.startswith(("Etc/", "SystemV/"))
    }
    names.add("UTC")
    return tuple(sorted(names))


@cache
def _lowercase_index() -> dict[str, str]:
    return {name.lower(): name for name in timezone_names()}


def resolve_timezone(value: str) -> str | None:
    """The canonical spelling of a time zone the member typed, or None when there is no such zone."""
    cleaned = value.strip().replace(" ", "_")
    found = _lowercase_index().get(cleaned.lower())
    if found is not None:
        return found
    try:
        ZoneInfo(cleaned)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return cleaned


def suggest_timezones(value: str, limit: int = 3) -> list[str]:
    cleaned = value.strip().replace(" ", "_").lower()
    index = _lowercase_index()
    by_city = {name.rsplit("/", 1)[-1].lower(): name for name in timezone_names()}
    close = difflib.get_close_matches(cleaned, list(index), n=limit, cutoff=0.6)
    close += [
        by_city[c].lower() for c in difflib.get_close_matches(cleaned, list(by_city), n=limit, cutoff=0.6)
    ]
    seen: list[str] = []
    for candidate in close:
        name = index[candidate]
        if name not in seen:
            seen.append(name)
    return seen[:limit]


def search_timezones(query: str, limit: int = AUTOCOMPLETE_LIMIT) -> list[str]:
    """Zones whose name contains the query, those starting with it (or with a city so named) first."""
    needle = query.strip().replace(" ", "_").lower()
    if not needle:
        return list(timezone_names()[:limit])
    starts, contains = [], []
    for name in timezone_names():
        lowered = name.lower()
        city = lowered.rsplit("/", 1)[-1]
        if lowered.startswith(needle) or city.startswith(needle):
            starts.append(name)
        elif needle in lowered:
            contains.append(name)
    return (starts + contains)[:limit]

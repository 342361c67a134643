"""Reference lists members pick from: IANA time zones, ISO 3166 countries, ISO 639 languages.

Pure functions with no Discord in them, shared by autocomplete and by validation.
"""

from __future__ import annotations

import difflib
import gettext
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import pycountry

from bot.i18n import AVAILABLE_LOCALES

AUTOCOMPLETE_LIMIT = 25
# The longest IANA name is 32 characters; anything much longer is not a zone, and the file system
# refuses such names with OSError rather than "not found".
TIMEZONE_MAX = 64
# What a suggestion looks like, "China (CN)" or "中文 (zh)": typed back, the code in brackets counts.
_LABEL = re.compile(r"^(?P<name>.+?)\s*[(（](?P<code>[A-Za-z]{2,3})[)）]$")


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
    if not cleaned or len(cleaned) > TIMEZONE_MAX:
        return None
    found = _lowercase_index().get(cleaned.lower())
    if found is not None:
        return found
    try:
        ZoneInfo(cleaned)
    except (ZoneInfoNotFoundError, ValueError, OSError):
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


# Countries (ISO 3166-1) and languages (ISO 639), with names in the member's language.


@dataclass(frozen=True)
class Entry:
    code: str
    name: str  # English
    aliases: tuple[str, ...] = ()


@cache
def _pycountry_translation(domain: str, locale: str) -> gettext.NullTranslations:
    if locale == "en":
        return gettext.NullTranslations()
    try:
        return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[locale])
    except OSError:
        return gettext.NullTranslations()


@cache
def countries() -> tuple[Entry, ...]:
    entries = []
    for country in pycountry.countries:
        name = getattr(country, "common_name", None) or country.name
        aliases = tuple(
            {country.name, getattr(country, "official_name", country.name), country.alpha_3} - {name}
        )
        entries.append(Entry(country.alpha_2, name, aliases))
    return tuple(sorted(entries, key=lambda entry: entry.name))


@cache
def languages() -> tuple[Entry, ...]:
    """Languages with a two-letter code (the ones people are likely to write in) come first."""
    entries = []
    for language in pycountry.languages:
        code = getattr(language, "alpha_2", None) or language.alpha_3
        aliases = (language.alpha_3,) if code != language.alpha_3 else ()
        entries.append(Entry(code, language.name, aliases))
    return tuple(sorted(entries, key=lambda entry: (len(entry.code) != 2, entry.name)))


def localized_country_name(code: str, locale: str) -> str:
    entry = _country_index().get(code.upper())
    if entry is None:
        return code
    country = pycountry.countries.get(alpha_2=entry.code)
    translated = _pycountry_translation("iso3166-1", locale).gettext(country.name) if country else entry.name
    return entry.name if translated == country.name and locale == "en" else translated


def localized_language_name(code: str, locale: str) -> str:
    entry = _language_index().get(code.lower())
    if entry is None:
        return code
    translated = _pycountry_translation("iso639-3", locale).gettext(entry.name)
    return translated.split(";")[0].strip()


@cache
def _country_index() -> dict[str, Entry]:
    return {entry.code: entry for entry in countries()}


@cache
def _language_index() -> dict[str, Entry]:
    index: dict[str, Entry] = {}
    for entry in languages():
        index.setdefault(entry.code.lower(), entry)
        for alias in entry.aliases:
            index.setdefault(alias.lower(), entry)
    return index


def _names(entries: tuple[Entry, ...], domain: str, locale: str) -> dict[str, Entry]:
    """Every spelling a member might type, lower-cased, mapped to its entry."""
    translation = _pycountry_translation(domain, locale)
    names: dict[str, Entry] = {}
    for entry in entries:
        spellings = [entry.code, entry.name, *entry.aliases]
        pycountry_name = entry.name if domain == "iso639-3" else _pycountry_name(entry.code)
        spellings += [part.strip() for part in translation.gettext(pycountry_name).split(";")]
        for spelling in spellings:
            names.setdefault(spelling.lower(), entry)
    return names


def _pycountry_name(alpha_2: str) -> str:
    country = pycountry.countries.get(alpha_2=alpha_2)
    return country.name if country else alpha_2


@cache
def _country_names(locale: str) -> dict[str, Entry]:
    return _names(countries(), "iso3166-1", locale)


@cache
def _language_names(locale: str) -> dict[str, Entry]:
    return _names(languages(), "iso639-3", locale)


def _resolve(value: str, locale: str, names_in: Callable[[str], dict[str, Entry]]) -> str | None:
    """The code for a name, code or suggestion label, in the member's language or any we speak.

    Whatever a suggestion shows must be accepted when typed back, whichever language it was in.
    """
    key = " ".join(value.split()).lower()
    if not key:
        return None
    label = _LABEL.match(key)
    candidates = [key] if label is None else [label.group("code"), label.group("name"), key]
    for locale_ in dict.fromkeys((locale, *AVAILABLE_LOCALES)):
        names = names_in(locale_)
        for candidate in candidates:
            entry = names.get(candidate)
            if entry is not None:
                return entry.code
    return None


def resolve_country(value: str, locale: str = "en") -> str | None:
    """The ISO 3166-1 alpha-2 code for a code or name in English or the member's language."""
    return _resolve(value, locale, _country_names)


def resolve_language(value: str, locale: str = "en") -> str | None:
    """The ISO 639 code (two letters where there are) for a code or name in any language we speak."""
    return _resolve(value, locale, _language_names)


def _suggest(value: str, names: dict[str, Entry], display: Callable[[str], str], limit: int) -> list[str]:
    found: list[str] = []
    for match in difflib.get_close_matches(value.strip().lower(), list(names), n=limit * 3, cutoff=0.6):
        label = display(names[match].code)
        if label not in found:
            found.append(label)
    return found[:limit]


def suggest_countries(value: str, locale: str = "en", limit: int = 3) -> list[str]:
    return _suggest(
        value,
        _country_names(locale) | _country_names("en"),
        lambda code: f"{localized_country_name(code, locale)} ({code})",
        limit,
    )


def suggest_languages(value: str, locale: str = "en", limit: int = 3) -> list[str]:
    common = {
        key: entry
        for key, entry in (_language_names(locale) | _language_names("en")).items()
        if len(entry.code) == 2
    }
    return _suggest(value, common, lambda code: f"{localized_language_name(code, locale)} ({code})", limit)


def _search(query: str, names: dict[str, Entry], limit: int) -> list[Entry]:
    needle = query.strip().lower()
    starts: list[Entry] = []
    contains: list[Entry] = []
    for spelling, entry in names.items():
        if needle and spelling.startswith(needle):
            starts.append(entry)
        elif needle in spelling:
            contains.append(entry)
    ordered: list[Entry] = []
    for entry in starts + contains:
        if entry not in ordered:
            ordered.append(entry)
        if len(ordered) == limit:
            break
    return ordered


def search_countries(
    query: str, locale: str = "en", limit: int = AUTOCOMPLETE_LIMIT
) -> list[tuple[str, str]]:
    """(code, label in the member's language) for autocomplete."""
    entries = _search(query, _country_names(locale) | _country_names("en"), limit)
    return [(entry.code, f"{localized_country_name(entry.code, locale)} ({entry.code})") for entry in entries]


def search_languages(
    query: str, locale: str = "en", limit: int = AUTOCOMPLETE_LIMIT
) -> list[tuple[str, str]]:
    names = _language_names(locale) | _language_names("en")
    if query.strip():
        entries = _search(query, names, limit * 4)
    else:
        entries = [entry for entry in languages() if len(entry.code) == 2]
    # Two-letter languages first: "Eng" should offer English before Middle English.
    entries.sort(key=lambda entry: len(entry.code) != 2)
    return [
        (entry.code, f"{localized_language_name(entry.code, locale)} ({entry.code})")
        for entry in entries[:limit]
    ]

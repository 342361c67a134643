"""The pen-pal input rules: what a member may type, and what each mistake says to fix.

No Discord here. A rule returns the clean value or raises :class:`InputError`, which carries a
message id and its parameters; the adapter translates it in the member's language. Every rule
checks the length first, so a hostile 5,000-character option costs nothing and a refusal quotes
at most :data:`bot.text.QUOTE_LIMIT` characters of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import N_
from bot.inputs import (
    MAX_LANGUAGES,
    CommandPath,
    InputError,
    check_country,
    check_languages,
    check_length,
    check_timezone,
)
from bot.reference import resolve_language
from bot.text import has_visible_text, quote, single_line

# What each field may hold. The profile form's text inputs use the same numbers as max_length,
# so Discord refuses longer text before it reaches us; the checks here are the second lock.
DISPLAY_NAME_MAX = 80
LIBRARY_MAX = 200
ABOUT_MAX = 1000
INTERESTS_MAX = 300
# A typed command option (Discord lets one run to 6,000 characters): "2027-03-01" or "3w".
UNTIL_MAX = 40

MAX_INTERESTS = 10
MAX_INTEREST_LENGTH = 40
MAX_PAUSE = timedelta(days=366)
AVAILABILITY_CODES = ("mornings", "afternoons", "evenings", "weekends", "flexible")

# Discord's limit for any custom_id, the profile form's included.
CUSTOM_ID_MAX = 100
FORM_PREFIX = "penpal:profile"
RATING_PREFIX = "penpal:rating"
RATING_COMMENT_MAX = 1000

_RELATIVE = re.compile(r"^(\d{1,3})\s*([dwm])$")
_INTEREST_SEPARATORS = re.compile(r"[,，、;\n]")
_FORM_ID = re.compile(
    r"^penpal:profile:(?P<country>[A-Z]{2})?:(?P<languages>[a-z]{2,3}(?:\.[a-z]{2,3})*)?"
    r":(?P<timezone>[A-Za-z0-9_+\-/]*):(?P<availability>[a-z]*)$"
)
_RATING_ID = re.compile(r"^penpal:rating:(?P<group_id>\d{1,20}):(?P<stars>[1-5])$")


@dataclass(frozen=True)
class ProfileChoices:
    """The options given with /penpal join or edit; None is "not given, keep what is stored"."""

    country: str | None = None
    languages: tuple[str, ...] | None = None
    timezone: str | None = None
    availability: str | None = None


@dataclass(frozen=True)
class ProfileText:
    """What the member wrote in the profile form, cleaned."""

    display_name: str
    library: str
    intro: str
    interests: list[str] = field(default_factory=list)


def check_availability(value: str) -> str:
    if value not in AVAILABILITY_CODES:
        raise InputError(N_("Pick when you usually have time from the list."))
    return value


def check_choices(
    locale: str, country: str | None, languages: str | None, timezone: str | None, availability: str | None
) -> ProfileChoices:
    """The options of /penpal join or edit; an empty option is not given."""
    return ProfileChoices(
        country=check_country(country, locale) if country else None,
        languages=check_languages(languages, locale) if languages else None,
        timezone=check_timezone(timezone) if timezone else None,
        availability=check_availability(availability) if availability else None,
    )


def parse_interests(value: str) -> list[str]:
    check_length(value, INTERESTS_MAX, N_("your interests"))
    interests: list[str] = []
    for part in _INTEREST_SEPARATORS.split(value):
        cleaned = single_line(part).lower()
        if not has_visible_text(cleaned):
            continue
        if len(cleaned) > MAX_INTEREST_LENGTH:
            raise InputError(
                N_("“{value}” is too long for an interest: keep each under {limit} characters."),
                value=quote(cleaned),
                limit=MAX_INTEREST_LENGTH,
            )
        if cleaned not in interests:
            interests.append(cleaned)
    if len(interests) > MAX_INTERESTS:
        raise InputError(N_("List at most {count} interests."), count=MAX_INTERESTS)
    return interests


def check_profile_text(display_name: str, library: str, about: str, interests: str) -> ProfileText:
    """The form's four fields: a name and a library that show on screen, each within its limit."""
    name, place = single_line(display_name), single_line(library)
    if not has_visible_text(name) or not has_visible_text(place):
        raise InputError(
            N_("Your display name and library cannot be blank. Nothing was saved; run the command again.")
        )
    check_length(name, DISPLAY_NAME_MAX, N_("your display name"))
    check_length(place, LIBRARY_MAX, N_("your library and city"))
    intro = about.strip() if has_visible_text(about) else ""
    check_length(intro, ABOUT_MAX, N_("your introduction"))
    return ProfileText(name, place, intro, parse_interests(interests))


def parse_pause_until(value: str, timezone: str, now: datetime) -> datetime:
    """ "2026-05-01", "10d", "3w" or "2m", in the member's time zone; resumes at the start of that day."""
    check_length(value, UNTIL_MAX, N_("a date"))
    text = value.strip().lower()
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    relative = _RELATIVE.match(text)
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2)
        day = today + timedelta(days=amount * {"d": 1, "w": 7, "m": 30}[unit])
    else:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise InputError(
                N_("“{value}” is not a date I understand. Write a date like 2026-05-01, or 10d, 3w, 2m."),
                value=quote(value),
            ) from None
    if day <= today:
        raise InputError(N_("Pick a date after today."))
    # A deliberate local midnight in the member's zone; zoneinfo resolves it to one instant.
    until = datetime(day.year, day.month, day.day, tzinfo=zone)
    if until - now > MAX_PAUSE:
        raise InputError(
            N_("A pause can last at most a year; use {command} to stop for longer."),
            command=CommandPath("penpal leave"),
        )
    return until


# -- the profile form's custom id ---------------------------------------------------------------


def form_id(choices: ProfileChoices) -> str:
    """The profile form's custom_id: it carries the options, so a submission needs no memory and
    survives a restart. Codes only (two-letter country, language codes, an IANA zone, a choice)."""
    custom_id = ":".join(
        (
            FORM_PREFIX,
            choices.country or "",
            ".".join(choices.languages) if choices.languages else "",
            choices.timezone or "",
            choices.availability or "",
        )
    )
    if len(custom_id) > CUSTOM_ID_MAX or read_form_id(custom_id) != choices:
        raise ValueError(f"these choices do not fit a custom_id: {choices}")
    return custom_id


def is_form_id(custom_id: str) -> bool:
    return custom_id.startswith(FORM_PREFIX + ":")


def read_form_id(custom_id: str) -> ProfileChoices | None:
    """The options a profile form carries, checked again; None when the id is not a valid one."""
    found = _FORM_ID.match(custom_id)
    if found is None:
        return None
    country, languages = found["country"], found["languages"]
    timezone, availability = found["timezone"], found["availability"]
    try:
        return ProfileChoices(
            country=check_country(country, "en") if country else None,
            languages=_known_languages(languages.split(".")) if languages else None,
            timezone=check_timezone(timezone) if timezone else None,
            availability=check_availability(availability) if availability else None,
        )
    except InputError:
        return None


def _known_languages(codes: list[str]) -> tuple[str, ...]:
    if len(codes) > MAX_LANGUAGES or any(resolve_language(code, "en") != code for code in codes):
        raise InputError(N_("Name at most {count} languages."), count=MAX_LANGUAGES)
    return tuple(codes)


def rating_form_id(group_id: int, stars: int) -> str:
    """The rating form's custom_id: the group and the stars clicked, so no memory is needed."""
    if not 1 <= stars <= 5:
        raise ValueError(f"a rating is 1 to 5 stars, not {stars}")
    return f"{RATING_PREFIX}:{group_id}:{stars}"


def read_rating_form_id(custom_id: str) -> tuple[int, int] | None:
    """(group id, stars) from a rating form's custom_id; None when it is not a valid one."""
    found = _RATING_ID.match(custom_id)
    return (int(found["group_id"]), int(found["stars"])) if found else None


def check_rating_comment(value: str) -> str | None:
    """A comment worth keeping, or None for an empty or invisible one."""
    check_length(value, RATING_COMMENT_MAX, N_("a comment"))
    return value.strip() if has_visible_text(value) else None

"""The partnership input rules: what a member may type or attach, and what each mistake says.

No Discord here. A rule returns the clean value or raises :class:`InputError` (a message id and
its parameters; the adapter translates it in the member's language). Every rule checks the
length first, so a hostile 5,000-character option costs nothing and a refusal quotes at most
:data:`bot.text.QUOTE_LIMIT` characters of it. Names are kept as typed (a partner library's own
spelling, in its own script); only surrounding white space goes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.i18n import N_
from bot.inputs import InputError, Term, check_country, check_length
from bot.text import has_visible_text, quote, single_line

__all__ = [
    "InputError",
    "check_country",
    "check_goals",
    "check_length",
    "check_name",
    "check_news",
    "check_note",
    "check_photo",
    "check_start_date",
    "flag",
]

LIBRARY_MAX = 200
CITY_MAX = 100
GOALS_MAX = 1000
NOTE_MAX = 1000  # a moderator's reason or requested changes
NEWS_MAX = 1500  # leaves room in a 2,000-character message for the partnership's name
DATE_MAX = 40
QUERY_MAX = 100
# Photos: the types every Discord client shows inline, and at most 8 MB.
PHOTO_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
PHOTO_MAX_BYTES = 8 * 1024 * 1024
# A start date this far back or ahead is a typo, not a plan.
EARLIEST_START = date(1900, 1, 1)
LATEST_AHEAD = timedelta(days=2 * 366)

CUSTOM_ID_MAX = 100
FORM_PREFIX = "partner:form"
_FORM_ID = re.compile(r"^partner:form:(?P<id>\d{1,20})$")
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def _required(value: str, what: str) -> None:
    if not has_visible_text(value):
        raise InputError(N_("Write {what}: it cannot be empty or only spaces."), what=Term(what))


def check_name(value: str, limit: int, what: str) -> str:
    """A library or city name on one line, as typed (its own script and spelling)."""
    check_length(value, limit, what)
    _required(value, what)
    return single_line(value)


def check_goals(value: str) -> str:
    check_length(value, GOALS_MAX, N_("the goals"))
    _required(value, N_("the goals"))
    return value.strip()


def check_note(value: str) -> str:
    """A moderator's reason or requested changes."""
    check_length(value, NOTE_MAX, N_("the note"))
    _required(value, N_("the note"))
    return value.strip()


def check_news(value: str) -> str:
    check_length(value, NEWS_MAX, N_("the news"))
    _required(value, N_("the news"))
    return value.strip()


def check_start_date(value: str, today: date) -> date:
    """A start date typed as YYYY-MM-DD, between 1900 and two years ahead."""
    check_length(value, DATE_MAX, N_("a date"))
    found = _DATE.match(value.strip())
    try:
        day = date(int(found[1]), int(found[2]), int(found[3])) if found else None
    except ValueError:
        day = None
    if day is None:
        raise InputError(
            N_("“{value}” is not a date; write it as YYYY-MM-DD, e.g. 2026-09-01."), value=quote(value)
        )
    if day < EARLIEST_START or day > today + LATEST_AHEAD:
        raise InputError(
            N_("{day} is too far away for a start date: pick one after 1900 and at most two years ahead."),
            day=day.isoformat(),
        )
    return day


@dataclass(frozen=True)
class Photo:
    url: str
    content_type: str
    size: int


def check_photo(url: str, content_type: str | None, size: int, filename: str) -> Photo:
    """A photo members may attach: PNG, JPEG, GIF or WebP, at most 8 MB."""
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind not in PHOTO_TYPES:
        raise InputError(
            N_("“{value}” is not a photo I can show: attach a PNG, JPEG, GIF or WebP image."),
            value=quote(filename),
        )
    if size > PHOTO_MAX_BYTES:
        raise InputError(
            N_("“{value}” is {size} MB; a photo may be at most 8 MB."),
            value=quote(filename),
            size=f"{size / (1024 * 1024):.1f}",
        )
    return Photo(url, kind, size)


def flag(country: str | None) -> str:
    """The flag emoji for an ISO 3166 alpha-2 code (two regional indicator letters)."""
    if not country or len(country) != 2 or not country.isascii() or not country.isalpha():
        return ""
    return "".join(chr(0x1F1E6 + ord(letter) - ord("A")) for letter in country.upper())


# -- the proposal form's custom id: the partnership it fills in, nothing held in memory ------------


def form_id(partnership_id: int) -> str:
    return f"{FORM_PREFIX}:{partnership_id}"


def read_form_id(custom_id: str) -> int | None:
    found = _FORM_ID.match(custom_id)
    return int(found["id"]) if found else None


def is_form_id(custom_id: str) -> bool:
    return custom_id.startswith(FORM_PREFIX + ":")


def anniversary_on(start: date, year: int) -> date:
    """The start date's anniversary in ``year``; a 29 February start is kept on 28 February."""
    try:
        return start.replace(year=year)
    except ValueError:
        return date(year, 2, 28)

"""What a member may type for a seeking post, and what each mistake says to fix.

No Discord here. A rule returns the clean value or raises :class:`InputError` (a message id and
its parameters, translated by the adapter in the member's language). Lengths are checked first,
so a hostile 5,000-character option costs nothing and a refusal quotes at most 50 characters.
Countries and languages are read exactly as the pen-pal profile reads them.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import N_
from bot.inputs import InputError, check_country, check_languages, check_length
from bot.text import has_visible_text, single_line

__all__ = [
    "HOPE_MAX",
    "LIBRARY_MAX",
    "OFFER_MAX",
    "InputError",
    "ListFilter",
    "PostText",
    "check_filter",
    "check_post",
]

LIBRARY_MAX = 200
OFFER_MAX = 500
HOPE_MAX = 500


@dataclass(frozen=True)
class PostText:
    """A post as the member gave it, cleaned: codes for the country and languages."""

    library: str
    country: str
    languages: tuple[str, ...]
    offer: str
    hope: str


@dataclass(frozen=True)
class ListFilter:
    country: str | None = None
    language: str | None = None


def _free_text(value: str, limit: int, what: str, blank: str) -> str:
    check_length(value, limit, what)
    if not has_visible_text(value):
        raise InputError(blank)
    return value.strip()


def check_post(library: str, country: str, languages: str, offer: str, hope: str, locale: str) -> PostText:
    """The five fields of /seeking post, each within its limit, read in the member's language."""
    check_length(library, LIBRARY_MAX, N_("your library"))
    name = single_line(library)
    if not has_visible_text(name):
        raise InputError(N_("Your library's name cannot be blank. Nothing was posted."))
    return PostText(
        library=name,
        country=check_country(country, locale),
        languages=check_languages(languages, locale),
        offer=_free_text(
            offer,
            OFFER_MAX,
            N_("what you offer"),
            N_("Say what your library offers in a few visible words. Nothing was posted."),
        ),
        hope=_free_text(
            hope,
            HOPE_MAX,
            N_("what you hope for"),
            N_("Say what your library hopes for in a few visible words. Nothing was posted."),
        ),
    )


def check_filter(country: str | None, language: str | None, locale: str) -> ListFilter:
    """The optional filters of /seeking list; an empty option is no filter."""
    code = None
    if language:
        codes = check_languages(language, locale)
        if len(codes) > 1:
            raise InputError(N_("Filter by one language at a time."))
        code = codes[0]
    return ListFilter(country=check_country(country, locale) if country else None, language=code)

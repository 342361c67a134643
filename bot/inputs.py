"""Input rules every feature shares: what a member may type, and what each mistake says to fix.

No Discord here. A rule returns the clean value or raises :class:`InputError`, which carries a
message id and its parameters; the one error handler translates it in the member's language.
Every rule checks the length first, so a hostile 5,000-character option costs nothing and a
refusal quotes at most :data:`bot.text.QUOTE_LIMIT` characters of it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from bot.i18n import AVAILABLE_LOCALES, N_, _, command_mention, join_list
from bot.reference import (
    TIMEZONE_MAX,
    resolve_country,
    resolve_language,
    resolve_timezone,
    suggest_countries,
    suggest_languages,
    suggest_timezones,
)
from bot.text import has_visible_text, quote

# Typed command options, which Discord lets run to 6,000 characters. The longest country name
# is about 60 characters, the longest time zone 32, six languages in words about 150.
COUNTRY_MAX = 100
LANGUAGES_MAX = 200
MAX_LANGUAGES = 6
# Our own row ids (partnerships, reminders, announcements, articles, feeds...) are PostgreSQL
# integers; a bigger number in a query is a database error, not "no such row".
ID_MAX = 2**31 - 1

_LANGUAGE_SEPARATORS = re.compile(r"[,，、;/]")


class Term(str):
    """A message id used as a parameter of another message: translated along with it."""

    __slots__ = ()


class CommandPath(str):
    """A command's default path used as a parameter: shown as a mention the reader can click."""

    __slots__ = ()


class InputError(ValueError):
    """What the member typed cannot be used: a message id, its parameters, close suggestions."""

    def __init__(self, message: str, suggestions: list[str] | None = None, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params
        self.suggestions = suggestions or []

    def render(self) -> str:
        """The message in the locale in force."""
        params = {key: _render_param(value) for key, value in self.params.items()}
        text = _(self.message).format(**params)
        if self.suggestions:
            text += " " + _("Did you mean: {suggestions}?").format(suggestions=join_list(self.suggestions))
        return text


def _render_param(value: Any) -> Any:
    if isinstance(value, Term):
        return _(value)
    if isinstance(value, CommandPath):
        return command_mention(value)
    return value


def check_length(value: str, limit: int, what: str) -> None:
    """Refuse ``value`` longer than ``limit``; ``what`` is an N_() phrase such as "a country"."""
    if len(value) > limit:
        raise InputError(
            N_("“{value}” is too long for {what}: use at most {limit} characters."),
            value=quote(value),
            what=Term(what),
            limit=limit,
        )


def _in_any_locale(resolve: Callable[[str, str], str | None], value: str, locale: str) -> str | None:
    """A name in the member's language first, then in every language the bot speaks: an English
    member may well write 中文 or 中国."""
    for candidate in (locale, *AVAILABLE_LOCALES):
        found = resolve(value, candidate)
        if found is not None:
            return found
    return None


def check_country(value: str, locale: str) -> str:
    """The ISO 3166 code of a country named in any language the bot speaks."""
    check_length(value, COUNTRY_MAX, N_("a country"))
    code = _in_any_locale(resolve_country, value, locale)
    if code is None:
        raise InputError(
            N_("“{value}” is not a country I know; pick one from the list."),
            suggestions=suggest_countries(value, locale) if has_visible_text(value) else [],
            value=quote(value),
        )
    return code


def check_languages(value: str, locale: str) -> tuple[str, ...]:
    """The language codes of a comma-separated list (any of , ， 、 ; /), each once."""
    check_length(value, LANGUAGES_MAX, N_("a list of languages"))
    codes: list[str] = []
    for part in (piece.strip() for piece in _LANGUAGE_SEPARATORS.split(value)):
        if not has_visible_text(part):
            continue
        code = _in_any_locale(resolve_language, part, locale)
        if code is None:
            raise InputError(
                N_("“{value}” is not a language I know; pick from the list, separated by commas."),
                suggestions=suggest_languages(part, locale),
                value=quote(part),
            )
        if code not in codes:
            codes.append(code)
    if not codes:
        raise InputError(N_("Name at least one language you can write in, e.g. “English, 中文”."))
    if len(codes) > MAX_LANGUAGES:
        raise InputError(N_("Name at most {count} languages."), count=MAX_LANGUAGES)
    return tuple(codes)


def check_timezone(value: str) -> str:
    """The canonical IANA name for what the member typed."""
    check_length(value, TIMEZONE_MAX, N_("a time zone"))
    if not has_visible_text(value):
        raise InputError(N_("Type a time zone name, or pick one from the list, e.g. Asia/Shanghai."))
    zone = resolve_timezone(value)
    if zone is None:
        raise InputError(
            N_("“{value}” is not a time zone I know; pick one from the list, e.g. Asia/Shanghai."),
            suggestions=suggest_timezones(value),
            value=quote(value),
        )
    return zone


def check_id(value: int | str, unknown: str, **params: Any) -> int:
    """The row id a member typed, or an option or autocomplete choice carried, from 1 to
    :data:`ID_MAX`; anything else (0, a sign, non-ASCII digits such as ², a number past the
    database's integer) raises ``unknown``, the feature's own "no such one" message, before any
    query. ``unknown`` may use ``{value}`` (quoted) and any of ``params``."""
    raw = str(value).strip()
    if raw.isascii() and raw.isdigit() and len(raw) <= len(str(ID_MAX)) and 1 <= int(raw) <= ID_MAX:
        return int(raw)
    raise InputError(unknown, value=quote(str(value)), **params)

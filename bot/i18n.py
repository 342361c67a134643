"""Every user-facing string goes through here.

Strings are English in the code and translated through gettext catalogs (Babel ``.po`` files in
``bot/locale``). The locale in force is a context variable: the command tree sets it from each
interaction, and code that posts to a channel sets the server's locale first.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN = "sisterlib"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DEFAULT_LOCALE = "en"
AVAILABLE_LOCALES = ("en", "zh_CN")

_current_locale: ContextVar[str] = ContextVar("sisterlib_locale", default=DEFAULT_LOCALE)


def normalise_locale(value: str | None) -> str:
    """Map a Discord or POSIX locale tag ("zh-CN", "zh_CN", "en-GB") to a catalog we have."""
    if not value:
        return DEFAULT_LOCALE
    tag = str(value).replace("-", "_")
    if tag in AVAILABLE_LOCALES:
        return tag
    if tag.lower().startswith("zh") and tag not in {"zh_TW", "zh_HK"}:
        return "zh_CN"
    return DEFAULT_LOCALE


@cache
def catalog(locale: str) -> gettext.NullTranslations:
    """The compiled catalog for a locale, read straight from its .po file.

    Compiling in memory keeps binary .mo files out of the repository and means a fresh checkout
    never runs with stale translations.
    """
    po_path = LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if locale == DEFAULT_LOCALE or not po_path.exists():
        return gettext.NullTranslations()
    with po_path.open("rb") as handle:
        messages = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, messages)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def current_locale() -> str:
    return _current_locale.get()


def set_locale(locale: str | None) -> None:
    _current_locale.set(normalise_locale(locale))


@contextmanager
def using_locale(locale: str | None) -> Iterator[str]:
    token = _current_locale.set(normalise_locale(locale))
    try:
        yield _current_locale.get()
    finally:
        _current_locale.reset(token)


def _(message: str) -> str:
    """Translate ``message`` into the locale in force."""
    return catalog(current_locale()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return catalog(current_locale()).ngettext(singular, plural, count)


def translate(message: str, locale: str | None) -> str:
    return catalog(normalise_locale(locale)).gettext(message)


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker
    """Mark a string for extraction without translating it yet (module-level constants)."""
    return message

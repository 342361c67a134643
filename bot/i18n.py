"""Every user-facing string goes through here.

Strings are English in the code and translated through gettext catalogs (Babel ``.po`` files in
``bot/locale``). The locale in force is a context variable: the command tree sets it from each
interaction, and code that posts to a channel sets the server's locale first.
"""

from __future__ import annotations

import gettext
import io
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
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
    """The form for ``count`` in the locale in force: ``ngettext("{n} group", "{n} groups", n)``.

    Extraction keeps both forms (keyword ``ngettext`` with arguments 1 and 2); Chinese has one.
    """
    return catalog(current_locale()).ngettext(singular, plural, count)


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker
    """Mark a string for extraction without translating it yet (module-level constants)."""
    return message


# -- lists --------------------------------------------------------------------------------------

_LIST_SEPARATORS = {"en": ", ", "zh_CN": "、"}


def join_list(items: Iterable[str]) -> str:
    """Items joined the way the locale in force writes a list: "a, b" or "a、b"."""
    return _LIST_SEPARATORS.get(current_locale(), ", ").join(items)


# -- command names and mentions -----------------------------------------------------------------


def is_valid_command_name(name: str) -> bool:
    """Discord's rule for names: 1-32 letters, numbers, '-' or '_', and lower case."""
    if not 1 <= len(name) <= 32 or name != name.lower():
        return False
    return all(ch in "-_" or unicodedata.category(ch)[0] in {"L", "N"} for ch in name)


def localized_name(name: str, locale: str | None = None) -> str:
    """A command or option name as a member with ``locale`` (default: in force) sees it."""
    translated = catalog(normalise_locale(locale or current_locale())).gettext(name)
    return translated if translated != name and is_valid_command_name(translated) else name


# Top-level command name -> its id on Discord, learnt when the bot syncs or fetches its commands.
_command_ids: dict[str, int] = {}


def remember_command_ids(ids: Mapping[str, int]) -> None:
    """Replace the known command ids (a bot starting, or a sync that gave new ones)."""
    _command_ids.clear()
    _command_ids.update(ids)


def command_mention(path: str) -> str:
    """A command for the reader: ``</penpal join:123>`` when its id is known, else its name as text.

    ``path`` is the command's default (English) path, e.g. ``"penpal join"``. Discord renders a
    mention with each reader's own localized names, so a mention carries the default path; the
    plain-text fallback translates each word into the locale in force.
    """
    words = path.strip().removeprefix("/").split()
    if not words:
        raise ValueError("a command path needs at least one name")
    command_id = _command_ids.get(words[0])
    if command_id is not None:
        return f"</{' '.join(words)}:{command_id}>"
    return command_name(path)


def command_name(path: str) -> str:
    """A command written out in the locale in force, e.g. "/笔友 加入": for places a mention cannot
    go (a group with subcommands is not clickable as a whole), such as Server Settings advice."""
    return "/" + " ".join(localized_name(word) for word in path.strip().removeprefix("/").split())


# -- scheduled job kinds as words ---------------------------------------------------------------

_job_labels: dict[str, str] = {}
_audit_labels: dict[str, str] = {}


def register_job_label(kind: str, label: str) -> None:
    """Name a job kind for /jobs. ``label`` is English, marked with ``N_`` so it is extracted."""
    _job_labels[kind] = label


def register_audit_label(action: str, label: str) -> None:
    """Name an audit action for /audit. ``label`` is English, marked with ``N_``."""
    _audit_labels[action] = label


def audit_label(action: str) -> str:
    """The audit action in the locale in force; an unnamed action shows as itself."""
    label = _audit_labels.get(action)
    return _(label) if label is not None else action


def audit_actions() -> dict[str, str]:
    """Every named audit action and its English label."""
    return dict(_audit_labels)


def job_label(kind: str) -> str:
    """The job kind in the locale in force; an unnamed kind shows as itself."""
    label = _job_labels.get(kind)
    return _(label) if label is not None else kind

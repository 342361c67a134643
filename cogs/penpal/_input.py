"""Checking what a member typed: each problem becomes a message that says what to fix."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.errors import UserFacingError
from bot.i18n import _
from bot.options import check_timezone, did_you_mean
from bot.reference import (
    resolve_country,
    resolve_language,
    suggest_countries,
    suggest_languages,
)

MAX_INTERESTS = 10
MAX_INTEREST_LENGTH = 40
MAX_LANGUAGES = 6
MAX_PAUSE = timedelta(days=366)
_RELATIVE = re.compile(r"^(\d{1,3})\s*([dwm])$")


@dataclass(frozen=True)
class ProfileChoices:
    country: str | None = None
    languages: tuple[str, ...] | None = None
    timezone: str | None = None
    availability: str | None = None


def check_country(value: str, locale: str) -> str:
    code = resolve_country(value, locale)
    if code is None:
        raise UserFacingError(
            _("“{value}” is not a country I know; pick one from the list.").format(value=value)
            + did_you_mean(suggest_countries(value, locale))
        )
    return code


def check_languages(value: str, locale: str) -> tuple[str, ...]:
    codes: list[str] = []
    for part in (piece.strip() for piece in re.split(r"[,，、;/]", value)):
        if not part:
            continue
        code = resolve_language(part, locale)
        if code is None:
            raise UserFacingError(
                _("“{value}” is not a language I know; pick from the list, separated by commas.").format(
                    value=part
                )
                + did_you_mean(suggest_languages(part, locale))
            )
        if code not in codes:
            codes.append(code)
    if not codes:
        raise UserFacingError(_("Name at least one language you can write in, e.g. “English, 中文”."))
    if len(codes) > MAX_LANGUAGES:
        raise UserFacingError(_("Name at most {count} languages.").format(count=MAX_LANGUAGES))
    return tuple(codes)


def check_choices(
    locale: str, country: str | None, languages: str | None, timezone: str | None, availability: str | None
) -> ProfileChoices:
    return ProfileChoices(
        country=check_country(country, locale) if country else None,
        languages=check_languages(languages, locale) if languages else None,
        timezone=check_timezone(timezone) if timezone else None,
        availability=availability,
    )


def parse_interests(value: str) -> list[str]:
    interests: list[str] = []
    for part in re.split(r"[,，、;\n]", value):
        cleaned = " ".join(part.split()).lower()
        if not cleaned:
            continue
        if len(cleaned) > MAX_INTEREST_LENGTH:
            raise UserFacingError(
                _("“{value}” is too long for an interest: keep each under {limit} characters.").format(
                    value=cleaned[:60], limit=MAX_INTEREST_LENGTH
                )
            )
        if cleaned not in interests:
            interests.append(cleaned)
    if len(interests) > MAX_INTERESTS:
        raise UserFacingError(_("List at most {count} interests.").format(count=MAX_INTERESTS))
    return interests


def parse_pause_until(value: str, timezone: str, now: datetime) -> datetime:
    """ "2026-05-01", "10d", "3w" or "2m", in the member's time zone; resumes at the start of that day."""
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
            raise UserFacingError(
                _(
                    "“{value}” is not a date I understand. Write a date like 2026-05-01, or 10d, 3w, 2m."
                ).format(value=value)
            ) from None
    if day <= today:
        raise UserFacingError(_("Pick a date after today."))
    # A deliberate local midnight in the member's zone; zoneinfo resolves it to one instant.
    until = datetime(day.year, day.month, day.day, tzinfo=zone)
    if until - now > MAX_PAUSE:
        raise UserFacingError(_("A pause can last at most a year; use /penpal leave to stop for longer."))
    return until

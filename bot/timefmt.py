"""Times as a member reads them: in their own time zone and language.

Discord's ``<t:…>`` markup shows an instant in each reader's local time; the written-out form next
to it names the zone it was meant in, so a transcript or a notification preview is still clear.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from bot.i18n import current_locale


def local_time(when: datetime, timezone: str, locale: str | None = None) -> str:
    """E.g. "Mon 30 Mar 2026, 09:00 Europe/Berlin" or "2026年3月30日周一 15:00 Asia/Shanghai"."""
    if when.tzinfo is None:
        raise ValueError("a naive datetime cannot be shown in a time zone")
    babel_locale = locale or current_locale()
    pattern = "EEE d MMM y, HH:mm" if babel_locale == "en" else "y年M月d日EEE HH:mm"
    return f"{format_datetime(when, pattern, tzinfo=ZoneInfo(timezone), locale=babel_locale)} {timezone}"


def discord_timestamp(when: datetime, style: str = "F") -> str:
    return f"<t:{int(when.timestamp())}:{style}>"


def both(when: datetime, timezone: str, locale: str | None = None) -> str:
    return f"{discord_timestamp(when)} ({local_time(when, timezone, locale)})"

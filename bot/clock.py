"""The one source of "now".

Everything that needs the current time asks a :class:`Clock`; tests and the sandbox hand the bot a
:class:`ManualClock` and move it forward instead of waiting.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        self._now = _require_aware(start)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("a clock cannot move backwards")
        self._now += delta
        return self._now

    def set(self, when: datetime) -> None:
        when = _require_aware(when)
        if when < self._now:
            raise ValueError("a clock cannot move backwards")
        self._now = when


def _require_aware(when: datetime) -> datetime:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("a naive datetime has no place here: give it a time zone")
    return when.astimezone(UTC)

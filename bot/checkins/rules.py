"""Check-in rules: cadences, snoozes, the note, the rule text for the scheduler, custom ids."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from bot.checkins.models import AnswerKind
from bot.i18n import N_
from bot.inputs import InputError, check_length
from bot.scheduler.recurrence import WEEKDAYS, get_zone
from bot.text import has_visible_text, single_line

# Weeks between check-ins a server or a group may choose; 0 is "off" (servers only).
EVERY_WEEKS = (0, 1, 2, 4)
DEFAULT_EVERY_WEEKS = 1
DEFAULT_MISSED_BEFORE_QUIET = 2
MISSED_MAX = 10
DEFAULT_HOUR = 10
NOTE_MAX = 200
SNOOZES = {AnswerKind.SNOOZE_DAY: timedelta(days=1), AnswerKind.SNOOZE_WEEK: timedelta(weeks=1)}

PREFIX = "checkin"
_BUTTON = re.compile(rf"^{PREFIX}:(?P<action>done|day|week|help):(?P<checkin>\d{{1,18}})$")
NOTE_FORM = re.compile(rf"^{PREFIX}:note:(?P<checkin>\d{{1,18}})$")
BUTTON_TEMPLATE = rf"{PREFIX}:(?P<action>done|day|week|help):(?P<checkin>\d{{1,18}})"
ACTIONS = {
    "done": AnswerKind.DONE,
    "day": AnswerKind.SNOOZE_DAY,
    "week": AnswerKind.SNOOZE_WEEK,
    "help": AnswerKind.HELP,
}
ACTION_OF = {answer: action for action, answer in ACTIONS.items()}


def button_id(checkin_id: int, answer: AnswerKind) -> str:
    return f"{PREFIX}:{ACTION_OF[answer]}:{checkin_id}"


def read_button_id(custom_id: str) -> tuple[int, AnswerKind] | None:
    found = _BUTTON.match(custom_id)
    return (int(found["checkin"]), ACTIONS[found["action"]]) if found else None


def note_form_id(checkin_id: int) -> str:
    return f"{PREFIX}:note:{checkin_id}"


def read_note_form_id(custom_id: str) -> int | None:
    found = NOTE_FORM.match(custom_id)
    return int(found["checkin"]) if found else None


def check_note(value: str) -> str | None:
    """The Done note on one line, or None when left empty."""
    check_length(value, NOTE_MAX, N_("a check-in note"))
    value = single_line(value).strip()
    return value if has_visible_text(value) else None


def check_every_weeks(value: int, *, allow_off: bool) -> int:
    if value not in EVERY_WEEKS or (value == 0 and not allow_off):
        raise InputError(
            N_("Check-ins can come every 1, 2 or 4 weeks; {value} is not one of them. Nothing was changed."),
            value=value,
        )
    return value


def check_missed(value: int) -> int:
    if not 1 <= value <= MISSED_MAX:
        raise InputError(
            N_(
                "A group turns quiet after 1 to {limit} missed check-ins in a row, not {value}. "
                "Nothing was changed."
            ),
            value=value,
            limit=MISSED_MAX,
        )
    return value


def check_hour(value: int) -> int:
    if not 0 <= value <= 23:
        raise InputError(N_("The hour is 0 to 23, not {value}. Nothing was changed."), value=value)
    return value


def rule_for(anchor_at: datetime, every_weeks: int, timezone: str) -> str:
    """The scheduler rule for check-ins every ``every_weeks`` weeks on the anchor's local weekday
    and time: at the same local time on both sides of a DST change."""
    local = anchor_at.astimezone(get_zone(timezone))
    day, at = WEEKDAYS[local.weekday()], f"{local.hour:02d}:{local.minute:02d}"
    return f"weekly {day} {at}" if every_weeks == 1 else f"every {every_weeks} weeks {day} {at}"

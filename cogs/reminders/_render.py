"""What reminder replies and deliveries say, in the locale the caller has set."""

from __future__ import annotations

from datetime import datetime

from babel.dates import get_day_names

from bot import text
from bot.i18n import N_, _, command_mention, current_locale, join_list
from bot.members.timezone import MemberZone, ZoneSource
from bot.reminders.models import Reminder, ReminderState
from bot.reminders.service import MAX_ACTIVE, Outcome
from bot.reminders.when import MAX_AHEAD_YEARS, WHEN_MAX, Problem, WhenError
from bot.scheduler.recurrence import (
    DailyRule,
    IntervalRule,
    MonthlyRule,
    WeeklyRule,
    next_occurrence,
    parse_rule,
)
from bot.timefmt import both, discord_timestamp

ZONE_SOURCES = {
    ZoneSource.OWN: N_("your time zone"),
    ZoneSource.PENPAL: N_("the time zone of your pen-pal profile"),
    ZoneSource.SERVER: N_("the server's time zone"),
    ZoneSource.DEFAULT: N_("the bot's default time zone"),
}
# Shown after a refusal: what works, in the reader's language first.
EXAMPLES_EN = "“in 3 days”, “tomorrow 9am”, “next friday 17:30”, “2027-01-05 14:00”, “every monday 09:00”"
EXAMPLES_ZH = "“3天后”、“明天上午9点”、“下周五 17:30”、“2027年1月5日 14:00”、“每周一 9点”"

PROBLEMS = {
    Problem.EMPTY: N_("Say when to remind you."),
    Problem.TOO_LONG: N_("“{value}” is too long for a time: use at most {limit} characters."),
    Problem.UNREADABLE: N_("I could not read “{value}” as a time."),
    Problem.PAST: N_("“{value}” is {when}, which has already passed."),
    Problem.TOO_FAR: N_("“{value}” is {when}: reminders go at most {years} years ahead."),
    Problem.TOO_OFTEN: N_(
        "“{value}” repeats too often or too rarely: repeat between every 30 minutes and every 31 days."
    ),
    Problem.BAD_TIME: N_("“{value}” is not a real date or time (check the day, the month and the hour)."),
}


def command(path: str) -> str:
    return command_mention(path)


def examples() -> str:
    if current_locale() == "zh_CN":
        return f"{EXAMPLES_ZH}; {EXAMPLES_EN}"
    return EXAMPLES_EN


def zone_text(zone: MemberZone) -> str:
    """E.g. "Times are in Europe/Berlin (the server's time zone; /timezone set changes it)"."""
    return _("Times are in {zone} ({source}; {command} sets your own).").format(
        zone=zone.timezone, source=_(ZONE_SOURCES[zone.source]), command=command("timezone set")
    )


def when_refusal(error: WhenError, zone: MemberZone) -> str:
    when = both(error.at, zone.timezone) if error.at is not None else ""
    message = _(PROBLEMS[error.problem]).format(
        value=text.quote(error.text), limit=WHEN_MAX, when=when, years=MAX_AHEAD_YEARS
    )
    tried = _("Nothing was saved. Try for example: {examples}.").format(examples=examples())
    return f"{message} {tried} {zone_text(zone)}"


def outcome_text(outcome: Outcome) -> str:
    if outcome == Outcome.TOO_MANY:
        return _(
            "You already have {count} active reminders, the most one member may have. "
            "Cancel one with {command} first."
        ).format(count=MAX_ACTIVE, command=command("remind cancel"))
    return {
        Outcome.NOT_FOUND: _("That reminder no longer exists."),
        Outcome.NOT_YOURS: _("Only the member this reminder is for can do that."),
        Outcome.FINISHED: _("That reminder is already done or cancelled."),
        Outcome.ALREADY_YOURS: _("This reminder is already yours."),
        Outcome.ALREADY_COPIED: _("You already have this reminder in your list."),
        Outcome.PASSED: _(
            "This reminder's time has passed, so there is nothing to copy; set your own with {command}."
        ).format(command=command("remind me")),
    }.get(outcome, "")


def repeat_text(rule_text: str) -> str:
    """A recurrence rule in words: "every Monday at 09:00", "每星期一 09:00"."""
    rule = parse_rule(rule_text)
    if isinstance(rule, IntervalRule):
        minutes = int(rule.interval.total_seconds()) // 60
        if minutes == 60:
            return _("every hour")
        if minutes % 60 == 0:
            return _("every {count} hours").format(count=minutes // 60)
        return _("every {count} minutes").format(count=minutes)
    at = f"{rule.at.hour:02d}:{rule.at.minute:02d}"
    if isinstance(rule, DailyRule):
        if rule.every == 1:
            return _("every day at {time}").format(time=at)
        return _("every {count} days at {time}").format(count=rule.every, time=at)
    if isinstance(rule, WeeklyRule):
        names = get_day_names("wide", locale=current_locale())
        days = join_list(names[d] for d in sorted(rule.days))
        if rule.every == 1:
            return _("every {days} at {time}").format(days=days, time=at)
        return _("every {count} weeks on {days} at {time}").format(count=rule.every, days=days, time=at)
    if isinstance(rule, MonthlyRule):
        return _("every month on day {day} at {time}").format(day=rule.day, time=at)
    return rule_text  # pragma: no cover - reminders make no other rules


def reminder_line(reminder: Reminder, what_limit: int = 200) -> str:
    """One reminder in /remind list."""
    parts = [f"**#{reminder.id}**", both(reminder.due_at, reminder.timezone)]
    if reminder.rule:
        parts.append(repeat_text(reminder.rule))
    line = " · ".join(parts) + "\n" + text.fit(text.single_line(reminder.what), what_limit)
    if reminder.state == ReminderState.PARKED or reminder.missed_at is not None:
        missed = reminder.missed_at or reminder.due_at
        line += "\n" + _(
            "⚠ Could not reach you at {when}: your DMs were closed and I could not post in the channel."
        ).format(when=both(missed, reminder.timezone))
    return line


def confirmation(reminder: Reminder, zone: MemberZone) -> str:
    when = both(reminder.due_at, reminder.timezone)
    if reminder.rule:
        head = _("I will remind you {repeat}, first on {when}:").format(
            repeat=repeat_text(reminder.rule), when=when
        )
    else:
        head = _("I will remind you on {when}:").format(when=when)
    return f"{head}\n> {text.fit(text.single_line(reminder.what), 300)}\n{zone_text(zone)}"


def delivery_text(reminder: Reminder, at: datetime, *, late: bool = False) -> str:
    """``late``: it comes well after its time (the bot was offline, or a crowd fell due at once)."""
    head = _("⏰ Reminder: {what}").format(what=reminder.what)
    if late:
        head += "\n" + _("(This comes late: it was due {when}.)").format(when=discord_timestamp(at, "R"))
    if reminder.rule:
        following = next_occurrence(reminder.rule, reminder.timezone, max(at, reminder.due_at), anchor=at)
        foot = _("Repeats {repeat}; next on {when}.").format(
            repeat=repeat_text(reminder.rule), when=both(following, reminder.timezone)
        )
    else:
        foot = _("Set for {when}.").format(when=both(at, reminder.timezone))
    return f"{head}\n{foot}"

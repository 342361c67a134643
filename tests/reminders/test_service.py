"""The reminder service: limits, delivery once, snoozes, repeats, copies and member data."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.members.timezone import MemberZone, ZoneSource
from bot.penpal import repository as penpal_repo
from bot.reminders.models import ReminderState
from bot.reminders.service import MAX_ACTIVE, Outcome, Snooze
from bot.reminders.when import Problem, WhenError
from tests.reminders.conftest import CHANNEL, GUILD, Rem

ANA, BEN = 101, 102


async def remind(rem: Rem, when: str, what: str = "call the library", user: int = ANA) -> int:
    created = await rem.service.create(GUILD, user, CHANNEL, when, what, "en")
    assert created.outcome == Outcome.SAVED
    assert created.reminder is not None
    return created.reminder.id


async def advance(rem: Rem, delta: timedelta) -> None:
    await rem.scheduler.advance(rem.clock, delta)


async def state(rem: Rem, reminder_id: int) -> str:
    reminders = {r.id: r for r in await rem.service.active(ANA)}
    return reminders[reminder_id].state if reminder_id in reminders else "inactive"


async def test_zone_falls_back_from_own_to_penpal_to_server(rem: Rem) -> None:
    assert await rem.service.zone(GUILD, ANA) == MemberZone("Europe/Berlin", ZoneSource.SERVER)
    async with rem.database.session() as session:
        await penpal_repo.save_profile(session, GUILD, ANA, rem.clock.now(), timezone="Asia/Shanghai")
    assert await rem.service.zone(GUILD, ANA) == MemberZone("Asia/Shanghai", ZoneSource.PENPAL)
    own = MemberZone("America/New_York", ZoneSource.OWN)
    assert await rem.service.set_timezone(GUILD, ANA, "America/New_York") == own
    assert await rem.service.zone(None, ANA) == MemberZone("America/New_York", ZoneSource.OWN)
    assert (await rem.service.zone(GUILD, BEN)).source == ZoneSource.SERVER
    assert (await rem.service.zone(None, BEN)).source == ZoneSource.DEFAULT


async def test_when_is_read_in_the_member_zone(rem: Rem) -> None:
    await rem.service.set_timezone(GUILD, ANA, "Asia/Shanghai")
    created = await rem.service.create(GUILD, ANA, CHANNEL, "明天上午9点", "开会", "zh_CN")
    assert created.reminder is not None
    assert created.reminder.due_at == datetime(2026, 3, 28, 1, 0, tzinfo=UTC)
    assert created.reminder.timezone == "Asia/Shanghai"


async def test_bad_when_saves_nothing(rem: Rem) -> None:
    with pytest.raises(WhenError) as caught:
        await rem.service.create(GUILD, ANA, CHANNEL, "yesterday", "x", "en")
    assert caught.value.problem == Problem.PAST
    assert await rem.service.active(ANA) == []
    assert await rem.pending() == []


async def test_a_reminder_is_delivered_once_at_its_time(rem: Rem) -> None:
    reminder_id = await remind(rem, "in 2 hours")
    await advance(rem, timedelta(hours=1, minutes=59))
    assert rem.delivered == []
    await advance(rem, timedelta(minutes=5))
    assert [(due.reminder.id, reached) for due, reached in rem.delivered] == [(reminder_id, True)]
    await advance(rem, timedelta(days=3))
    assert len(rem.delivered) == 1
    assert await state(rem, reminder_id) == "inactive"  # delivered: no longer counts


async def test_the_twenty_sixth_active_reminder_is_refused(rem: Rem) -> None:
    for i in range(MAX_ACTIVE):
        await remind(rem, f"in {i + 1} days")
    refused = await rem.service.create(GUILD, ANA, CHANNEL, "in 30 days", "one too many", "en")
    assert refused.outcome == Outcome.TOO_MANY
    assert refused.reminder is None
    assert len(await rem.service.active(ANA)) == MAX_ACTIVE
    await remind(rem, "in 1 day", user=BEN)  # the limit is per member


async def test_the_limit_holds_against_quick_concurrent_commands(rem: Rem) -> None:
    import asyncio  # noqa: PLC0415

    results = await asyncio.gather(
        *(
            rem.service.create(GUILD, ANA, CHANNEL, f"in {i + 1} hours", "x", "en")
            for i in range(MAX_ACTIVE + 5)
        )
    )
    assert sum(result.outcome == Outcome.SAVED for result in results) == MAX_ACTIVE
    assert len(await rem.service.active(ANA)) == MAX_ACTIVE


async def test_undeliverable_reminders_are_parked_and_listed(rem: Rem) -> None:
    rem.reach[ANA] = False
    reminder_id = await remind(rem, "in 10 minutes")
    await advance(rem, timedelta(minutes=10))
    assert await state(rem, reminder_id) == ReminderState.PARKED
    listed = await rem.service.active(ANA)
    assert listed[0].missed_at == datetime(2026, 3, 27, 9, 10, tzinfo=UTC)


async def test_snooze_twice_then_done(rem: Rem) -> None:
    reminder_id = await remind(rem, "in 10 minutes")
    await advance(rem, timedelta(minutes=10))
    snoozed = await rem.service.snooze(reminder_id, ANA, Snooze.MINUTES_10)
    assert snoozed.outcome == Outcome.SAVED
    assert snoozed.next_at == rem.clock.now() + timedelta(minutes=10)
    await advance(rem, timedelta(minutes=10))
    assert len(rem.delivered) == 2
    snoozed = await rem.service.snooze(reminder_id, ANA, Snooze.HOUR)
    await advance(rem, timedelta(hours=1))
    assert len(rem.delivered) == 3
    assert (await rem.service.done(reminder_id, ANA)).outcome == Outcome.SAVED
    assert (await rem.service.done(reminder_id, ANA)).outcome == Outcome.FINISHED
    assert (await rem.service.snooze(reminder_id, ANA, Snooze.HOUR)).outcome == Outcome.FINISHED
    await advance(rem, timedelta(days=2))
    assert len(rem.delivered) == 3


async def test_only_the_owner_snoozes_or_finishes(rem: Rem) -> None:
    reminder_id = await remind(rem, "in 10 minutes")
    assert (await rem.service.snooze(reminder_id, BEN, Snooze.HOUR)).outcome == Outcome.NOT_YOURS
    assert (await rem.service.done(reminder_id, BEN)).outcome == Outcome.NOT_YOURS
    assert (await rem.service.cancel(BEN, reminder_id)).outcome == Outcome.NOT_FOUND


async def test_snooze_tomorrow_keeps_the_wall_clock_across_dst(rem: Rem) -> None:
    reminder_id = await remind(rem, "saturday 10:00")
    await advance(rem, timedelta(days=1))  # Saturday 10:00 CET
    snoozed = await rem.service.snooze(reminder_id, ANA, Snooze.TOMORROW)
    assert snoozed.next_at is not None
    assert snoozed.next_at.astimezone(ZoneInfo("Europe/Berlin")).strftime("%a %H:%M %Z") == "Sun 10:00 CEST"


async def test_a_repeating_reminder_keeps_its_wall_clock_and_snoozes_aside(rem: Rem) -> None:
    reminder_id = await remind(rem, "every day 8am")
    await advance(rem, timedelta(days=3))  # Sat, Sun (DST starts), Mon
    times = [due.at.astimezone(ZoneInfo("Europe/Berlin")).strftime("%a %H:%M") for due, _ in rem.delivered]
    assert times == ["Sat 08:00", "Sun 08:00", "Mon 08:00"]
    assert [due.at.hour for due, _ in rem.delivered] == [7, 6, 6]  # UTC
    snoozed = await rem.service.snooze(reminder_id, ANA, Snooze.HOUR)
    assert snoozed.next_at is not None
    await advance(rem, timedelta(hours=1))
    assert rem.delivered[-1][0].snoozed is True
    await advance(rem, timedelta(days=1))
    assert len(rem.delivered) == 5
    assert await state(rem, reminder_id) == ReminderState.SCHEDULED


async def test_cancel_stops_every_delivery(rem: Rem) -> None:
    reminder_id = await remind(rem, "every day 8am")
    assert (await rem.service.cancel(ANA, reminder_id)).outcome == Outcome.SAVED
    await advance(rem, timedelta(days=3))
    assert rem.delivered == []
    assert (await rem.service.cancel(ANA, reminder_id)).outcome == Outcome.FINISHED


async def test_remind_me_too_copies_the_time_for_the_presser(rem: Rem) -> None:
    reminder_id = await remind(rem, "tomorrow 9am")
    copied = await rem.service.copy(reminder_id, BEN, 11, "zh_CN")
    assert copied.outcome == Outcome.SAVED
    assert copied.reminder is not None
    assert copied.reminder.due_at == datetime(2026, 3, 28, 8, 0, tzinfo=UTC)
    assert copied.reminder.user_id == BEN
    assert copied.reminder.locale == "zh_CN"
    assert (await rem.service.copy(reminder_id, BEN, 11, "en")).outcome == Outcome.ALREADY_COPIED
    assert (await rem.service.copy(reminder_id, ANA, 11, "en")).outcome == Outcome.ALREADY_YOURS
    await advance(rem, timedelta(days=1))
    assert sorted(due.reminder.user_id for due, _ in rem.delivered) == [ANA, BEN]
    assert (await rem.service.copy(reminder_id, 103, 11, "en")).outcome == Outcome.PASSED


async def test_many_due_in_one_minute_each_deliver_once(rem: Rem) -> None:
    for user in range(1000, 1200):
        await remind(rem, "in 10 minutes", user=user)
    await advance(rem, timedelta(minutes=11))
    delivered = [due.reminder.id for due, _ in rem.delivered]
    assert len(delivered) == 200 == len(set(delivered))


async def test_member_data_export_erase_count(rem: Rem) -> None:
    await rem.service.set_timezone(GUILD, ANA, "Asia/Shanghai")
    await remind(rem, "in 1 day", "water the plants")
    await remind(rem, "every monday 9am")
    assert await rem.service.count_member(GUILD, ANA) == 2
    exported = await rem.service.export_member(GUILD, ANA)
    assert exported["timezone"] == "Asia/Shanghai"
    assert [r["what"] for r in exported["reminders"]] == ["water the plants", "call the library"]
    assert await rem.service.erase_member(GUILD, ANA) == 3  # two reminders and the time zone
    assert await rem.service.count_member(GUILD, ANA) == 0
    assert (await rem.service.zone(GUILD, ANA)).source == ZoneSource.SERVER
    assert await rem.pending() == []
    await advance(rem, timedelta(days=8))
    assert rem.delivered == []


async def test_leaving_the_server_cancels_reminders_there(rem: Rem) -> None:
    await remind(rem, "every day 8am")
    await remind(rem, "in 1 day")
    await rem.service.set_timezone(GUILD, ANA, "Asia/Shanghai")
    assert await rem.service.member_left(GUILD, ANA) == 2
    assert await rem.service.active(ANA) == []
    assert await rem.pending() == []
    assert (await rem.service.zone(None, ANA)).timezone == "Asia/Shanghai"


async def test_two_snooze_buttons_pressed_together_keep_both_times(rem: Rem) -> None:
    """Each press answered "Snoozed …": each of those times comes; a third press is refused."""
    reminder_id = await remind(rem, "in 10 minutes")
    await advance(rem, timedelta(minutes=10))
    results = await asyncio.gather(
        rem.service.snooze(reminder_id, ANA, Snooze.MINUTES_10),
        rem.service.snooze(reminder_id, ANA, Snooze.HOUR),
    )
    assert [r.outcome for r in results] == [Outcome.SAVED, Outcome.SAVED]
    promised = sorted(r.next_at for r in results if r.next_at is not None)
    third = await rem.service.snooze(reminder_id, ANA, Snooze.TOMORROW)
    assert third.outcome == Outcome.ALREADY_SNOOZED
    assert third.next_at in promised
    same = await rem.service.snooze(reminder_id, ANA, Snooze.MINUTES_10)  # the same button again
    assert same.outcome == Outcome.SAVED
    await advance(rem, timedelta(hours=2))
    assert [due.at for due, _ in rem.delivered[1:]] == promised
    await advance(rem, timedelta(days=2))
    assert len(rem.delivered) == 3


async def test_a_repeating_reminder_snoozed_twice_at_once_keeps_the_first_and_says_so(rem: Rem) -> None:
    reminder_id = await remind(rem, "every day 8am")
    await advance(rem, timedelta(days=1))
    first = await rem.service.snooze(reminder_id, ANA, Snooze.MINUTES_10)
    second = await rem.service.snooze(reminder_id, ANA, Snooze.HOUR)
    assert second.outcome == Outcome.ALREADY_SNOOZED
    assert second.next_at == first.next_at
    await advance(rem, timedelta(hours=2))
    assert [due.snoozed for due, _ in rem.delivered] == [False, True]


async def test_done_after_a_double_snooze_drops_both(rem: Rem) -> None:
    reminder_id = await remind(rem, "in 10 minutes")
    await advance(rem, timedelta(minutes=10))
    await rem.service.snooze(reminder_id, ANA, Snooze.MINUTES_10)
    await rem.service.snooze(reminder_id, ANA, Snooze.HOUR)
    assert (await rem.service.done(reminder_id, ANA)).outcome == Outcome.SAVED
    await advance(rem, timedelta(days=1))
    assert len(rem.delivered) == 1
    assert await rem.pending() == []

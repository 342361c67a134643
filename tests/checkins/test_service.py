"""Check-ins at the service tier: cadence, snoozes, quiet subjects, answers after the end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.checkins import jobs
from bot.checkins.models import AnswerKind, CheckinState
from bot.checkins.service import Outcome
from bot.checkins.stats import checkin_stats
from bot.inputs import InputError
from tests.checkins.conftest import GUILD, THREAD, World

NEW_YORK = ZoneInfo("America/New_York")
FIRST = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # Monday 10:00 in New York (EST)


async def open_club(world: World, club: int = 1, first: datetime = FIRST) -> None:
    world.clubs.add(club)
    await world.service.open_subject("club", club, GUILD, first_due=first, thread_id=THREAD + club)


async def test_weekly_check_ins_keep_their_local_time_across_the_dst_change(world: World) -> None:
    await open_club(world)
    await world.run(timedelta(weeks=3))  # to 23 March
    checkins = await world.checkins()
    assert len(checkins) == 4 == len(world.posted)
    local = [c.due_at.astimezone(NEW_YORK) for c in checkins]
    assert [(t.weekday(), t.hour, t.minute) for t in local] == [(0, 10, 0)] * 4
    # 10:00 EST is 15:00 UTC; from 8 March, 10:00 EDT is 14:00 UTC.
    assert [c.due_at.hour for c in checkins] == [15, 14, 14, 14]


async def test_the_server_cadence_and_a_groups_own(world: World) -> None:
    await world.service.save_settings(GUILD, every_weeks=2)
    await open_club(world)
    await world.run(timedelta(weeks=5))
    assert len(world.posted) == 3  # 2, 16 and 30 March
    changed = await world.service.set_subject_cadence(THREAD + 1, 10, 1)
    assert changed.outcome == Outcome.SAVED
    assert changed.next_at is not None
    assert changed.next_at - world.clock.now() <= timedelta(weeks=1)
    refused = await world.service.set_subject_cadence(THREAD + 1, 99, 4)
    assert refused.outcome == Outcome.NOT_MEMBER
    assert (await world.service.set_subject_cadence(12345, 10, 4)).outcome == Outcome.NOT_IN_THREAD
    with pytest.raises(InputError):
        await world.service.set_subject_cadence(THREAD + 1, 10, 3)
    posted = len(world.posted)
    await world.run(timedelta(weeks=2))
    assert len(world.posted) == posted + 2
    # Only one post job is ever waiting for a subject.
    assert len(await world.pending(jobs.POST)) == 1


async def test_server_turning_check_ins_off_stops_them(world: World) -> None:
    await open_club(world)
    await world.run(timedelta(hours=1))
    assert len(world.posted) == 1
    await world.service.save_settings(GUILD, every_weeks=0)
    await world.run(timedelta(weeks=3))
    assert len(world.posted) == 1
    assert await world.pending(jobs.POST) == []


async def test_snooze_twice_moves_the_check_in_each_time(world: World) -> None:
    await world.service.save_settings(GUILD, every_weeks=4)  # no regular check-in in between
    await open_club(world)
    await world.run(timedelta(hours=1))
    [checkin_id] = world.posted
    first = await world.service.answer(checkin_id, 10, AnswerKind.SNOOZE_DAY)
    assert first.outcome == Outcome.SAVED
    assert first.again_at == world.clock.now() + timedelta(days=1)
    # Snoozed again before it came back: moved again, and it comes back once.
    second = await world.service.answer(checkin_id, 11, AnswerKind.SNOOZE_WEEK)
    assert second.again_at == world.clock.now() + timedelta(weeks=1)
    await world.run(timedelta(days=2))
    assert world.posted == [checkin_id]  # not back after one day: the second snooze moved it
    await world.run(timedelta(days=5))
    assert world.posted == [checkin_id, checkin_id]
    [checkin] = [c for c in await world.checkins() if c.id == checkin_id]
    assert (checkin.state, checkin.snoozes) == (CheckinState.OPEN, 2)
    assert [a for _s, _u, a in world.clubs.answers] == [AnswerKind.SNOOZE_DAY, AnswerKind.SNOOZE_WEEK]


async def test_missed_twice_in_a_row_goes_quiet_and_moderators_are_told_once(world: World) -> None:
    await open_club(world)
    await world.run(timedelta(weeks=4, hours=1))  # five check-ins, none answered
    assert len(world.posted) == 5
    assert len(world.quiet_told) == 1  # the third found two missed; later ones stay silent
    assert world.quiet_told[0] == world.posted[2]
    assert (await world.subject(1)).missed_in_row == 4
    assert (await world.service.counts(GUILD)).quiet == 1
    # An answer wakes the group up; missing twice again tells moderators again.
    saved = await world.service.answer(world.posted[-1], 10, AnswerKind.DONE, "Met on Friday")
    assert saved.outcome == Outcome.SAVED
    subject = await world.subject(1)
    assert (subject.missed_in_row, subject.quiet_checkin_id) == (0, None)
    await world.run(timedelta(weeks=2))
    assert len(world.quiet_told) == 1
    await world.run(timedelta(weeks=1))
    assert len(world.quiet_told) == 2
    counts = await world.service.counts(GUILD)
    assert (counts.done, counts.missed) == (1, 6)


async def test_a_snooze_is_an_answer_not_a_miss(world: World) -> None:
    await open_club(world)
    await world.run(timedelta(hours=1))
    await world.service.answer(world.posted[0], 10, AnswerKind.SNOOZE_WEEK)
    # The next regular check-in comes before the snoozed one would: it takes its place.
    await world.run(timedelta(weeks=1, hours=1))
    assert len(world.posted) == 2
    assert world.posted[0] != world.posted[1]
    first = (await world.checkins())[0]
    assert first.state == CheckinState.ENDED
    assert (await world.subject(1)).missed_in_row == 0
    assert await world.pending(jobs.REPOST) == []


async def test_answers_after_the_end_record_nothing(world: World) -> None:
    await open_club(world)
    await world.run(timedelta(hours=1))
    [checkin_id] = world.posted
    world.clubs.end(1)  # the feature says the group is over; it has not ended the subject yet
    for answer in AnswerKind:
        assert (await world.service.answer(checkin_id, 10, answer)).outcome == Outcome.ENDED
    assert world.clubs.answers == []
    assert (await world.subject(1)).ended_at is not None
    await world.run(timedelta(weeks=2))
    assert world.posted == [checkin_id]  # nothing more posted
    # A subject the feature ends itself: the same.
    await open_club(world, 2, first=world.clock.now() + timedelta(hours=1))
    await world.run(timedelta(hours=2))
    assert await world.service.end_subject("club", 2) is True
    assert (await world.service.answer(world.posted[-1], 10, AnswerKind.DONE)).outcome == Outcome.ENDED


async def test_only_members_answer_and_help_is_asked_once(world: World) -> None:
    await open_club(world)
    await world.run(timedelta(hours=1))
    [checkin_id] = world.posted
    assert (await world.service.answer(checkin_id, 99, AnswerKind.DONE)).outcome == Outcome.NOT_MEMBER
    assert await world.service.may_answer(checkin_id, 99) == Outcome.NOT_MEMBER
    helped = await world.service.answer(checkin_id, 10, AnswerKind.HELP)
    assert helped.help is not None
    assert (helped.help.thread_id, helped.help.title) == (THREAD + 1, "Club 1")
    again = await world.service.answer(checkin_id, 11, AnswerKind.HELP)
    assert (again.outcome, again.help) == (Outcome.HELP_ALREADY, None)
    assert (await world.service.answer(checkin_id, 10, AnswerKind.DONE, "first")).outcome == Outcome.SAVED
    assert (await world.service.answer(checkin_id, 10, AnswerKind.DONE, "second")).outcome == Outcome.SAVED
    late = await world.service.answer(checkin_id, 11, AnswerKind.SNOOZE_DAY)
    assert late.outcome == Outcome.ALREADY_DONE
    exported = await world.service.export_member(GUILD, 10)
    assert [(a["answer"], a["note"]) for a in exported["answers"]] == [("help", None), ("done", "second")]


async def test_a_retried_post_writes_one_check_in_and_one_next_job(world: World) -> None:
    await open_club(world)
    subject = await world.subject(1)
    due = subject.next_due_at
    assert due is not None
    world.clock.set(due)
    first = await world.service.post_due(subject.id, due)
    again = await world.service.post_due(subject.id, due)  # the same job, run again after a crash
    assert first is not None
    assert again is not None
    assert first.checkin_id == again.checkin_id
    assert len(await world.checkins()) == 1
    assert len(await world.pending(jobs.POST)) == 2  # the first (still pending here) and the next


async def test_erasing_a_member_deletes_notes_and_keeps_anonymous_counts(world: World) -> None:
    await open_club(world)
    await world.run(timedelta(hours=1))
    await world.service.answer(world.posted[0], 10, AnswerKind.DONE, "We met at IFLA")
    assert await world.service.count_member(GUILD, 10) == 1
    assert await world.service.erase_member(GUILD, 10) == 1
    assert await world.service.export_member(GUILD, 10) == {"answers": []}
    assert (await world.service.counts(GUILD)).done == 1


async def test_the_dashboard_counts_check_ins_of_the_period(world: World) -> None:
    await open_club(world)
    await world.run(timedelta(weeks=1, hours=1))  # two posted; the first was missed
    await world.service.answer(world.posted[1], 11, AnswerKind.DONE)
    figures = await checkin_stats(world.database)(GUILD, FIRST, world.clock.now() + timedelta(seconds=1))
    assert (figures.figures["checkins_done"], figures.figures["checkins_missed"]) == (1, 1)
    assert figures.active_members == frozenset({11})
    before = await checkin_stats(world.database)(GUILD, FIRST - timedelta(weeks=1), FIRST)
    assert before.figures["checkins_done"] == 0


async def test_help_that_reached_nobody_can_be_asked_again(world: World) -> None:
    await open_club(world)
    await world.run(timedelta(hours=1))
    [checkin_id] = world.posted
    assert (await world.service.answer(checkin_id, 10, AnswerKind.HELP)).help is not None
    await world.service.help_not_delivered(checkin_id)
    assert (await world.service.answer(checkin_id, 11, AnswerKind.HELP)).help is not None

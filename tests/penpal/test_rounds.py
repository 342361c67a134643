"""Round rules at the service tier: scheduling one chain, rounds as durable units, closing."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.db.core_repo import upsert_guild_settings
from bot.pairing.matching import Candidate, MatchResult, match
from bot.penpal import jobs
from bot.penpal.models import PenpalGroupMember
from bot.penpal.rounds import Refusal, RoundRefused, RoundStarted
from tests.penpal.conftest import GUILD, Pen

MONDAY_9_BERLIN = datetime(2026, 3, 30, 7, 0, tzinfo=UTC)


async def schedule(pen: Pen, **changes: object) -> None:
    await pen.rounds.save_settings(
        GUILD, **({"channel_id": 50, "cadence": "weekly", "weekday": 0, "hour": 9} | changes)
    )


async def test_saving_settings_again_keeps_one_next_round(pen: Pen) -> None:
    await schedule(pen, cadence="biweekly")
    saved = await pen.rounds.save_settings(GUILD)
    await pen.rounds.save_settings(GUILD, no_repeat_rounds=2)
    assert saved.next_round_at == MONDAY_9_BERLIN
    assert [job.due_at for job in await pen.pending(jobs.ROUND)] == [MONDAY_9_BERLIN]
    assert len(await pen.pending(jobs.NOTICE)) == 1


async def test_a_new_hour_moves_the_round_and_cancels_the_old_jobs(pen: Pen) -> None:
    await schedule(pen)
    await schedule(pen, hour=11)
    await schedule(pen, hour=9)  # back to a time it once had: scheduled anew, not deduplicated away
    rounds = await pen.pending(jobs.ROUND)
    assert [job.due_at for job in rounds] == [MONDAY_9_BERLIN]
    assert len(await pen.pending(jobs.NOTICE)) == 1


async def test_a_new_server_time_zone_moves_the_next_round(pen: Pen) -> None:
    await schedule(pen)
    async with pen.database.session() as session:
        await upsert_guild_settings(session, GUILD, pen.clock.now(), {}, timezone="Asia/Shanghai")
    moved = await pen.rounds.timezone_changed(GUILD)
    assert moved is not None
    assert moved.astimezone(ZoneInfo("Asia/Shanghai")).hour == 9
    assert [job.due_at for job in await pen.pending(jobs.ROUND)] == [moved]


async def test_a_round_is_one_unit_and_a_second_run_is_refused(pen: Pen) -> None:
    await schedule(pen)
    for user_id, country in ((1, "US"), (2, "ES"), (3, "CN")):
        await pen.member(user_id, country)
    first = await pen.rounds.run_now(GUILD)
    second = await pen.rounds.run_now(GUILD)
    assert isinstance(first, RoundStarted)
    assert (first.groups, first.unmatched) == (1, 0)  # one trio
    assert isinstance(second, RoundRefused)
    assert second.reason == Refusal.ROUND_OPEN
    assert second.open_until == MONDAY_9_BERLIN  # a hand-started round ends at the scheduled one
    async with pen.database.session() as session:
        members = (await session.execute(select(PenpalGroupMember))).scalars().all()
    assert sorted(m.user_id for m in members) == [1, 2, 3]
    # Written with the round: one introduction per group, then check-in and closing.
    assert len(await pen.pending(jobs.INTRO)) == 1
    assert len(await pen.pending(jobs.CHECKIN)) == 1
    assert len(await pen.pending(jobs.CLOSE)) == 1


async def test_a_round_without_a_channel_is_refused(pen: Pen) -> None:
    outcome = await pen.rounds.run_now(GUILD)
    assert isinstance(outcome, RoundRefused)
    assert outcome.reason == Refusal.NO_CHANNEL


async def test_unmatched_members_get_a_note_job_with_their_reason(pen: Pen) -> None:
    await schedule(pen)
    await pen.member(1, "US", ["en"])
    await pen.member(2, "CN", ["zh"])
    outcome = await pen.rounds.run_now(GUILD)
    assert isinstance(outcome, RoundStarted)
    assert (outcome.groups, outcome.unmatched) == (0, 2)
    notes = await pen.pending(jobs.UNMATCHED)
    assert len(notes) == 1
    told = await pen.steps.unmatched(int(notes[0].payload["round_id"]))
    assert sorted((p.user_id, reason) for p, reason in told) == [
        (1, "no_shared_language"),
        (2, "no_shared_language"),
    ]


async def test_the_scheduled_round_runs_once_and_schedules_the_next(pen: Pen) -> None:
    await schedule(pen)
    await pen.member(1, "US")
    await pen.member(2, "ES")
    [job] = await pen.pending(jobs.ROUND)
    generation = int(job.payload["generation"])
    pen.clock.set(MONDAY_9_BERLIN)
    ran = await pen.rounds.run_scheduled(GUILD, MONDAY_9_BERLIN, generation)
    again = await pen.rounds.run_scheduled(GUILD, MONDAY_9_BERLIN, generation)  # a stale retry
    assert isinstance(ran, RoundStarted)
    assert again is None
    # This round's own job stays pending here (no scheduler ran it); the next one is a week on.
    due = [j.due_at for j in await pen.pending(jobs.ROUND)]
    assert due == [MONDAY_9_BERLIN, MONDAY_9_BERLIN + timedelta(weeks=1)]


async def test_a_moved_round_job_does_nothing(pen: Pen) -> None:
    await schedule(pen)
    [job] = await pen.pending(jobs.ROUND)
    await schedule(pen, hour=10)
    assert await pen.rounds.run_scheduled(GUILD, MONDAY_9_BERLIN, int(job.payload["generation"])) is None
    assert await pen.rounds.notice(GUILD, MONDAY_9_BERLIN, int(job.payload["generation"])) is None


async def test_the_cross_border_setting_reaches_matching(pen: Pen) -> None:
    seen: list[str] = []

    async def recording(members: Sequence[Candidate], **options: Any) -> MatchResult:
        seen.append(options["cross_border"])
        return match(members, **options)

    pen.rounds.matcher = recording
    await pen.member(1, "US")
    await pen.member(2, "ES")
    await pen.rounds.preview(GUILD)  # no settings yet: the default
    await schedule(pen, cross_border="preferred")
    await pen.rounds.preview(GUILD)
    assert isinstance(await pen.rounds.run_now(GUILD), RoundStarted)
    assert seen == ["strict", "preferred", "preferred"]


async def test_two_runs_at_the_same_moment_open_one_round(pen: Pen) -> None:
    await schedule(pen)
    for user_id, country in ((1, "US"), (2, "ES"), (3, "CN"), (4, "BR")):
        await pen.member(user_id, country)
    outcomes = await asyncio.gather(pen.rounds.run_now(GUILD), pen.rounds.run_now(GUILD))
    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["RoundRefused", "RoundStarted"]
    async with pen.database.session() as session:
        members = (await session.execute(select(PenpalGroupMember.user_id))).scalars().all()
    assert sorted(members) == [1, 2, 3, 4]


async def test_a_round_missed_in_a_long_downtime_is_skipped_and_the_chain_goes_on(pen: Pen) -> None:
    await schedule(pen)
    await pen.member(1, "US")
    await pen.member(2, "ES")
    [job] = await pen.pending(jobs.ROUND)
    back_at = MONDAY_9_BERLIN + timedelta(days=10)  # the bot was down from before the round
    pen.clock.set(back_at)
    outcome = await pen.rounds.run_scheduled(GUILD, MONDAY_9_BERLIN, int(job.payload["generation"]))
    next_round = datetime(2026, 4, 13, 7, 0, tzinfo=UTC)  # the first Monday 09:00 after coming back
    assert outcome == RoundRefused(Refusal.MISSED, next_round_at=next_round)
    due = [j.due_at for j in await pen.pending(jobs.ROUND)]
    assert due == [MONDAY_9_BERLIN, next_round]
    assert [j.due_at for j in await pen.pending(jobs.NOTICE)][-1] == next_round - timedelta(days=1)
    assert jobs.MAX_LATENESS[jobs.ROUND] is None  # else the scheduler expires the job and the chain


async def test_a_round_that_pairs_nobody_is_not_left_open(pen: Pen) -> None:
    await schedule(pen)
    await pen.member(1, "US", ("en",))
    await pen.member(2, "CN", ("zh",))  # nobody shares a language
    empty = await pen.rounds.run_now(GUILD)
    assert isinstance(empty, RoundStarted)
    assert (empty.groups, empty.unmatched) == (0, 2)
    assert len(await pen.pending(jobs.UNMATCHED)) == 1  # they are still told why
    assert await pen.pending(jobs.CHECKIN) == []
    assert await pen.pending(jobs.CLOSE) == []
    await pen.member(3, "ES", ("en",))
    pen.clock.advance(timedelta(minutes=5))
    again = await pen.rounds.run_now(GUILD)  # once someone can be paired, a round can start
    assert isinstance(again, RoundStarted)
    assert again.groups == 1

"""What a running round's jobs do, at the service tier: closing, and answers after it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.penpal.models import PenpalGroup, PenpalGroupMember, PenpalProfile
from bot.penpal.rounds import RoundStarted
from bot.penpal.service import Answer
from tests.penpal.conftest import GUILD, Pen


async def schedule(pen: Pen) -> None:
    await pen.rounds.save_settings(GUILD, channel_id=50, cadence="weekly", weekday=0, hour=9)


async def test_check_ins_after_the_round_closed_record_nothing(pen: Pen) -> None:
    await schedule(pen)
    await pen.member(1, "US")
    await pen.member(2, "ES")
    outcome = await pen.rounds.run_now(GUILD)
    assert isinstance(outcome, RoundStarted)
    async with pen.database.session() as session:
        group = (await session.execute(select(PenpalGroup))).scalar_one()
    assert await pen.service.record_checkin(group.id, 1, "yes") == Answer.SAVED
    closing = await pen.steps.close(outcome.round_id)
    assert closing is not None
    assert [g.id for g in closing.groups] == [group.id]
    assert await pen.service.record_checkin(group.id, 2, "yes") == Answer.ROUND_ENDED
    assert await pen.service.record_checkin(group.id, 3, "yes") == Answer.NOT_IN_GROUP
    async with pen.database.session() as session:
        answers = {
            m.user_id: m.connected for m in (await session.execute(select(PenpalGroupMember))).scalars()
        }
    assert answers == {1: "yes", 2: None}
    pen.clock.advance(timedelta(minutes=1))
    assert isinstance(await pen.rounds.run_now(GUILD), RoundStarted)  # the next round may start


async def test_three_silent_rounds_pause_a_member(pen: Pen) -> None:
    await schedule(pen)
    await pen.member(1, "US")
    await pen.member(2, "ES")
    paused: list[int] = []
    for _round in range(3):
        outcome = await pen.rounds.run_now(GUILD)
        assert isinstance(outcome, RoundStarted)
        closing = await pen.steps.close(outcome.round_id)
        assert closing is not None
        paused += [p.user_id for p in closing.paused]
        pen.clock.advance(timedelta(hours=1))
    assert sorted(paused) == [1, 2]
    async with pen.database.session() as session:
        statuses = {p.user_id: p.status for p in (await session.execute(select(PenpalProfile))).scalars()}
    assert statuses == {1: "paused", 2: "paused"}

"""Moderators' pen-pal operations at the service tier: pair by hand, unpair, leave out of pairing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.clock import ManualClock
from bot.db import Database
from bot.db.core_repo import upsert_guild_settings
from bot.inputs import InputError
from bot.penpal import admin_ops, jobs
from bot.penpal import repository as repo
from bot.penpal.models import GroupState, PenpalGroup, ProfileStatus
from bot.penpal.rounds import RoundService
from bot.penpal.service import PenpalService
from bot.penpal.steps import RoundSteps
from bot.scheduler import JobScheduler, JobState, store
from tests.penpal.conftest import GUILD, START, Pen, match_here

CHANNEL = 555


@pytest.fixture
async def pen(models_database_url: str) -> AsyncIterator[Pen]:
    """The pen-pal services on a real database (as in tests/penpal), the server in Berlin."""
    database = Database(models_database_url)
    clock = ManualClock(START)
    async with database.session() as session:
        settings = {"timezone": "Europe/Berlin", "locale": "en"}
        await upsert_guild_settings(session, GUILD, clock.now(), settings)
    scheduler = JobScheduler(database, clock, owner="tests")
    try:
        yield Pen(
            database,
            clock,
            PenpalService(database, clock, scheduler),
            RoundService(database, clock, scheduler, matcher=match_here),
            RoundSteps(database, clock),
        )
    finally:
        await database.dispose()


async def pair(pen: Pen, *user_ids: int, force: bool = False) -> admin_ops.Paired:
    return await admin_ops.pair(
        pen.database, pen.clock, pen.rounds.scheduler, GUILD, list(user_ids), force=force
    )


async def refused(pen: Pen, *user_ids: int, force: bool = False) -> str:
    with pytest.raises(InputError) as caught:
        await pair(pen, *user_ids, force=force)
    return caught.value.render()


async def group_state(pen: Pen, group_id: int) -> str:
    async with pen.database.session() as session:
        group = await session.get(PenpalGroup, group_id)
        assert group is not None
        return group.state


async def test_pairing_with_no_round_open_makes_a_one_off_round_until_the_next(pen: Pen) -> None:
    saved = await pen.rounds.save_settings(GUILD, channel_id=CHANNEL)
    for user_id in (1, 2, 3):
        await pen.member(user_id, country="US" if user_id == 1 else "FR", languages=("en", "fr"))

    paired = await pair(pen, 1, 2)
    assert paired.one_off
    assert paired.round_ends_at == saved.next_round_at
    assert paired.shared_languages == ("en", "fr")
    intros = await pen.pending(jobs.INTRO)
    assert [job.dedupe_key for job in intros] == [jobs.intro_key(paired.group_id)]
    assert intros[0].due_at == pen.clock.now()
    assert {job.kind for job in await pen.pending()} >= {jobs.CHECKIN, jobs.CLOSE, jobs.ROUND}

    # The round is open now: the next hand-made group joins it.
    pen.clock.advance(timedelta(minutes=5))
    await pen.member(4, country="DE", languages=("en",))
    again = await pair(pen, 3, 4)
    assert not again.one_off
    assert again.round_id == paired.round_id


async def test_pairing_refuses_bad_choices_and_changes_nothing(pen: Pen) -> None:
    await pen.rounds.save_settings(GUILD, channel_id=CHANNEL)
    await pen.member(1, languages=("en",))
    await pen.member(2, country="CN", languages=("zh",))
    await pen.member(3, country="FR", languages=("en",))

    assert "twice" in await refused(pen, 1, 1)
    assert "<@9>" in await refused(pen, 1, 9)  # no profile
    assert "share no language" in await refused(pen, 1, 2)
    assert await pen.pending(jobs.INTRO) == []
    forced = await pair(pen, 1, 2, force=True)
    assert forced.shared_languages == ()
    message = await refused(pen, 3, 1)
    assert "<@1>" in message
    assert f"group {forced.group_id}" in message

    await admin_ops.ban(pen.database, pen.clock, GUILD, 3, by=99)
    await pen.member(4, country="DE", languages=("en",))
    assert "left out of pairing" in await refused(pen, 4, 3)
    async with pen.database.session() as session:
        await repo.save_profile(session, GUILD, 4, pen.clock.now(), status=ProfileStatus.PAUSED)
    await admin_ops.ban(pen.database, pen.clock, GUILD, 3, by=99, undo=True)
    assert "paused" in await refused(pen, 4, 3)
    assert (await pair(pen, 4, 3, force=True)).group_id != forced.group_id


async def test_unpairing_dissolves_the_group_and_cancels_an_unsent_introduction(pen: Pen) -> None:
    await pen.rounds.save_settings(GUILD, channel_id=CHANNEL)
    await pen.member(1)
    await pen.member(2, country="FR")
    paired = await pair(pen, 1, 2)

    dissolved = await admin_ops.unpair(pen.database, pen.clock, GUILD, 2)
    assert [(group.group_id, group.others) for group in dissolved] == [(paired.group_id, (1,))]
    assert await group_state(pen, paired.group_id) == GroupState.DISSOLVED
    async with pen.database.session() as session:
        intro = await store.get_by_dedupe_key(session, jobs.intro_key(paired.group_id))
        assert intro is None or intro.state == JobState.CANCELLED
        assert await repo.open_groups_of(session, GUILD, 1) == []
        pool = [profile.user_id for profile in await admin_ops.pool_without_banned(session, GUILD, None)]
    assert pool == [1, 2]
    assert await admin_ops.unpair(pen.database, pen.clock, GUILD, 2) == []

    # At the round's end a dissolved group is not asked to rate it.
    closing = await pen.steps.close(paired.round_id)
    assert closing is not None
    assert closing.groups == []
    # Both can be paired again at once.
    assert (await pair(pen, 1, 2)).group_id != paired.group_id


async def test_a_member_left_out_of_pairing_is_not_in_the_pool_until_undone(pen: Pen) -> None:
    for user_id in (1, 2, 3):
        await pen.member(user_id)
    ban = admin_ops.ban
    assert await ban(pen.database, pen.clock, GUILD, 2, by=99) is admin_ops.BanOutcome.BANNED
    assert await ban(pen.database, pen.clock, GUILD, 2, by=98) is admin_ops.BanOutcome.ALREADY_BANNED
    async with pen.database.session() as session:
        pool = [profile.user_id for profile in await admin_ops.pool_without_banned(session, GUILD, None)]
        exported = await admin_ops.export_member(session, GUILD, 2)
        assert await admin_ops.count_member(session, GUILD, 2) == 1
    assert pool == [1, 3]
    assert exported["left_out_of_pairing_since"] is not None
    assert "99" not in str(exported)  # never who did it
    assert await ban(pen.database, pen.clock, GUILD, 2, by=99, undo=True) is admin_ops.BanOutcome.LIFTED
    assert await ban(pen.database, pen.clock, GUILD, 2, by=99, undo=True) is admin_ops.BanOutcome.NOT_BANNED
    async with pen.database.session() as session:
        pool = [profile.user_id for profile in await admin_ops.pool_without_banned(session, GUILD, None)]
    assert pool == [1, 2, 3]


async def test_pairing_right_before_the_next_round_is_refused(pen: Pen) -> None:
    saved = await pen.rounds.save_settings(GUILD, channel_id=CHANNEL)
    assert saved.next_round_at is not None
    await pen.member(1)
    await pen.member(2, country="FR")
    pen.clock.set(saved.next_round_at - timedelta(hours=1))
    assert "within 3 hours" in await refused(pen, 1, 2)


async def test_pairing_without_a_pen_pal_channel_is_refused(pen: Pen) -> None:
    await pen.member(1)
    await pen.member(2, country="FR")
    assert "pen-pal channel" in await refused(pen, 1, 2)
    assert await pen.pending() == []


async def test_the_rounds_pool_leaves_out_banned_members(pen: Pen) -> None:
    for user_id in (1, 2, 3):
        await pen.member(user_id)
    await admin_ops.ban(pen.database, pen.clock, GUILD, 2, by=99)
    async with pen.database.session() as session:
        pool = [profile.user_id for profile in await repo.profiles_in_pool(session, GUILD, None)]
    exported = await pen.service.export_member(GUILD, 2)
    assert pool == [1, 3]
    assert exported["left_out_of_pairing_since"] is not None
    assert await pen.service.count_member(GUILD, 2) == 2  # the profile and the ban

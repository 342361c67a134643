"""What members do, at the service tier: erasing, pausing, re-joining, answering."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.penpal import jobs
from bot.penpal import repository as repo
from bot.penpal.models import PenpalAvoid, PenpalGroupMember
from bot.penpal.rounds import RoundStarted
from bot.penpal.rules import ProfileChoices
from bot.penpal.service import Answer
from bot.scheduler import ScheduledJob
from tests.penpal.conftest import GUILD, Pen


async def test_erasing_removes_only_the_members_own_data(pen: Pen) -> None:
    for user_id, country in ((1, "US"), (2, "ES"), (3, "CN"), (4, "BR")):
        await pen.member(user_id, country)
    await pen.service.avoid(GUILD, 1, 2, undo=False)  # someone else avoids the member
    await pen.service.avoid(GUILD, 2, 3, undo=False)  # the member's own avoid
    await pen.rounds.save_settings(GUILD, channel_id=50)
    outcome = await pen.rounds.run_now(GUILD)
    assert isinstance(outcome, RoundStarted)
    async with pen.database.session() as session:
        [group] = await repo.open_groups_of(session, GUILD, 2)
    assert await pen.service.record_rating(group.id, 2, 4, "Lives on Elm Street 5.") == Answer.SAVED

    assert await pen.service.leave(GUILD, 2, erase=True)

    assert await pen.service.profile(GUILD, 2) is None
    async with pen.database.session() as session:
        avoids = [
            (a.user_id, a.avoided_user_id) for a in (await session.execute(select(PenpalAvoid))).scalars()
        ]
        answers = (
            await session.execute(select(PenpalGroupMember).where(PenpalGroupMember.user_id == 2))
        ).scalars()
        kept = [(m.rating, m.comment) for m in answers]
    assert avoids == [(1, 2)]  # others' avoid entries naming the member stand
    assert kept == [(None, None)]  # membership stays (no repeats), the answers go
    assert (await pen.service.export_member(GUILD, 2))["avoids"] == []


async def test_export_and_count_cover_what_the_member_gave(pen: Pen) -> None:
    await pen.member(1)
    await pen.service.avoid(GUILD, 1, 2, undo=False)
    exported = await pen.service.export_member(GUILD, 1)
    assert exported["profile"]["library"] == "Library 1"
    assert [a["user_id"] for a in exported["avoids"]] == [2]
    assert await pen.service.count_member(GUILD, 1) == 2
    assert await pen.service.erase_member(GUILD, 1) >= 2
    assert await pen.service.count_member(GUILD, 1) == 0


async def test_a_cancelled_pause_cancels_its_resume_job(pen: Pen) -> None:
    await pen.member(1)
    # The member's own local midnight, as the /penpal pause parser gives it.
    until = datetime(2026, 4, 5, 0, 0, tzinfo=ZoneInfo("America/New_York"))
    assert await pen.service.pause(GUILD, 1, until)
    assert [job.due_at for job in await pen.pending(jobs.RESUME)] == [until]
    assert await pen.service.resume(GUILD, 1)
    assert await pen.pending(jobs.RESUME) == []
    async with pen.database.session() as session:
        states = (
            await session.execute(select(ScheduledJob.state).where(ScheduledJob.kind == jobs.RESUME))
        ).scalars()
        assert list(states) == ["cancelled"]


async def test_a_new_pause_replaces_the_old_resume_job(pen: Pen) -> None:
    await pen.member(1)
    first = datetime(2026, 4, 5, 0, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    second = datetime(2026, 4, 12, 0, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    await pen.service.pause(GUILD, 1, first)
    await pen.service.pause(GUILD, 1, second)
    assert [job.due_at for job in await pen.pending(jobs.RESUME)] == [second]


async def test_saving_the_profile_does_not_end_a_pause(pen: Pen) -> None:
    await pen.member(1)
    await pen.service.pause(GUILD, 1, None)
    saved = await pen.service.save(GUILD, 1, "en", ProfileChoices(), display_name="New name")
    assert saved.paused
    assert saved.profile.status == "paused"
    assert saved.profile.display_name == "New name"


async def test_leaving_and_joining_again_makes_the_member_active(pen: Pen) -> None:
    await pen.member(1)
    await pen.service.leave(GUILD, 1, erase=False)
    assert await pen.service.profile(GUILD, 1) is None
    saved = await pen.service.save(GUILD, 1, "en", ProfileChoices(), display_name="Back")
    assert not saved.paused
    assert saved.profile.status == "active"


async def test_status_reads_the_member_their_groups_and_the_next_round(pen: Pen) -> None:
    assert await pen.service.status(GUILD, 1) is None
    await pen.member(1, "US")
    await pen.member(2, "ES")
    async with pen.database.session() as session:
        profile = await repo.get_profile(session, GUILD, 2)
        assert profile is not None
        profile.timezone = None  # falls back to the server's zone
    before = await pen.service.status(GUILD, 2)
    assert before is not None
    assert (before.timezone, before.groups, before.next_round_at) == ("Europe/Berlin", [], None)
    await pen.rounds.save_settings(GUILD, channel_id=50, cadence="weekly")
    await pen.member(2, "ES")  # complete again
    assert isinstance(await pen.rounds.run_now(GUILD), RoundStarted)
    after = await pen.service.status(GUILD, 1)
    assert after is not None
    assert [sorted(m.user_id for m in g.members) for g in after.groups] == [[1, 2]]
    assert after.next_round_at is not None

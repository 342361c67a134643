"""Check-ins end to end: pen-pal groups as subjects, the buttons, the note form, moderators told,
a restart with check-ins due, and weekly check-ins across New York's change of clocks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.checkins.models import AnswerKind, CheckinAnswer
from bot.checkins.service import CheckinService
from bot.checkins.subjects import Subject
from bot.penpal.models import PenpalGroup, PenpalGroupMember
from bot.sandbox.errors import SandboxError
from bot.sandbox.runner import RunningBot
from bot.scheduler import ScheduledJob
from tests.e2e.harness import GUILD, World, world
from tests.e2e.test_penpal import join, member_id, schedule_rounds

MEMBERS = [
    {"name": "mod", "roles": ["Moderators"]},
    {"name": "tom"},
    {"name": "ana", "locale": "es-ES"},
    {"name": "kofi", "locale": "en-GB"},
]
# Moderators who may manage threads see private ones: the outsider who presses a button.
ROLES = [{"name": "Moderators", "permissions": ["manage_guild", "manage_threads"]}]
BUTTONS = ["Done", "Snooze 1 day", "Snooze 1 week", "Need help"]


@pytest.fixture
async def w(database_url: str) -> AsyncIterator[World]:
    async with world(database_url, guild=dict(GUILD, members=MEMBERS, roles=ROLES)) as running:
        await running.sandbox.run_command(
            "mod", "setup", {"timezone": "Europe/Berlin", "mod_channel": "mod-queue"}
        )
        yield running
        assert running.sandbox.violations == []
        assert running.errors() == []


async def pen_pals_at_halfway(w: World) -> None:
    """Tom and Ana paired on Monday 30 March; the clock at the check-in, Friday 3 April."""
    await schedule_rounds(w)
    for name, country in (("tom", "US"), ("ana", "ES")):
        await join(w, name, country, "English")
    await w.advance(timedelta(days=3))
    await w.advance(timedelta(days=4))


def checkins(w: World, before: str = "9999") -> list[dict[str, Any]]:
    """The pen-pal check-ins posted, those before ``before`` (an ISO time) only if given."""
    return [
        line for line in w.lines("send") if "have you connected" in line["content"] and line["time"] < before
    ]


def mod_queue(w: World, words: str) -> list[str]:
    return [
        line["content"]
        for line in w.lines("send")
        if line["channel"] == "mod-queue" and words in line["content"]
    ]


async def group(w: World) -> PenpalGroup:
    async with w.bot.database.session() as session:
        return (await session.execute(select(PenpalGroup))).scalar_one()


async def test_a_check_in_in_the_pen_pal_thread_done_with_a_note(w: World) -> None:
    await pen_pals_at_halfway(w)
    [posted] = checkins(w)
    assert posted["channel"] != "pen-pals"  # in the group's private thread
    assert [c["label"] for c in posted["components"]] == BUTTONS
    assert posted.get("pings", []) == []
    form = await w.sandbox.click("tom", "Done", message=posted["line"])
    assert form.type == 9
    saved = await w.sandbox.submit_modal("tom", {"note": "We met on a call, @everyone!"})
    assert saved.ephemeral
    assert saved.content == "Done, with your note. Thank you!"
    async with w.bot.database.session() as session:
        answer = (await session.execute(select(CheckinAnswer))).scalar_one()
        member = (
            await session.execute(
                select(PenpalGroupMember).where(PenpalGroupMember.user_id == member_id(w, "tom"))
            )
        ).scalar_one()
    assert (answer.answer, answer.note, answer.user_id) == (
        "done",
        "We met on a call, @everyone!",
        member_id(w, "tom"),
    )
    assert member.connected == "yes"  # what pen pals count for the round and the dashboard
    # The note is optional: blank is a plain Done.
    await w.sandbox.click("ana", "Done", message=posted["line"])
    plain = await w.sandbox.submit_modal("ana", {"note": "   "})
    assert plain.content == "Done. Thank you!"
    async with w.bot.database.session() as session:
        notes = {a.user_id: a.note for a in (await session.execute(select(CheckinAnswer))).scalars()}
    assert notes == {member_id(w, "tom"): "We met on a call, @everyone!", member_id(w, "ana"): None}


async def test_someone_outside_the_group_is_refused(w: World) -> None:
    await pen_pals_at_halfway(w)
    [posted] = checkins(w)
    for label in BUTTONS:
        refused = await w.sandbox.click("mod", label, message=posted["line"])
        assert refused.ephemeral
        assert refused.type == 4  # a message, not the note form
        assert refused.content == "Only the members of this group can answer its check-ins."
    async with w.bot.database.session() as session:
        assert (await session.execute(select(CheckinAnswer))).scalars().all() == []
    assert mod_queue(w, "asked for help") == []


async def test_snooze_twice_moves_the_check_in_each_time(w: World) -> None:
    await pen_pals_at_halfway(w)  # Friday 09:00 Berlin
    [first] = checkins(w)
    round_end = "2026-04-06"  # the round ends then; the next one has a new thread and check-in
    snoozed = await w.sandbox.click("ana", "Snooze 1 day", message=first["line"])
    assert snoozed.ephemeral
    assert snoozed.content.startswith("Snoozed: I will ask again <t:")
    await w.advance(timedelta(hours=23))
    assert len(checkins(w, round_end)) == 1
    await w.advance(timedelta(hours=1))  # a day later: back
    assert len(checkins(w, round_end)) == 2
    await w.sandbox.click("tom", "Snooze 1 day", message=checkins(w, round_end)[-1]["line"])
    await w.advance(timedelta(days=1))  # back again, once
    assert len(checkins(w, round_end)) == 3
    # Snoozed past the round's end: the round closes it, it does not come back.
    await w.sandbox.click("tom", "Snooze 1 week", message=checkins(w, round_end)[-1]["line"])
    await w.advance(timedelta(weeks=1))
    assert len(checkins(w, round_end)) == 3
    late = await w.sandbox.click("tom", "Done", message=checkins(w, round_end)[-1]["line"])
    assert late.content == "This has ended, so nothing was recorded. Thank you all the same!"
    async with w.bot.database.session() as session:
        answers = [a.answer for a in (await session.execute(select(CheckinAnswer))).scalars()]
    assert answers == [AnswerKind.SNOOZE_DAY, AnswerKind.SNOOZE_DAY, AnswerKind.SNOOZE_WEEK]


async def test_need_help_reaches_the_moderators_once_with_a_link(w: World) -> None:
    await pen_pals_at_halfway(w)
    [posted] = checkins(w)
    helped = await w.sandbox.click("ana", "Need help", message=posted["line"])
    assert helped.ephemeral
    assert "told the moderators" in helped.content
    again = await w.sandbox.click("tom", "Need help", message=posted["line"])
    assert "already told" in again.content
    [alert] = mod_queue(w, "asked for help")
    thread_id = (await group(w)).thread_id
    guild_id = w.sandbox.world.guild_id
    assert f"https://discord.com/channels/{guild_id}/{thread_id}" in alert
    assert f"<@{member_id(w, 'ana')}>" in alert
    assert "pen-pal group" in alert


async def test_a_restart_with_check_ins_due_posts_each_once(w: World) -> None:
    await schedule_rounds(w)
    for name, country in (("tom", "US"), ("ana", "ES")):
        await join(w, name, country, "English")
    await w.advance(timedelta(days=3))  # the round: Monday 30 March
    await w.running.stop()
    w.clock.advance(timedelta(days=4, hours=6))  # down over the halfway check-in
    w.running = await RunningBot.start(w._factory, w.clock, w.database_url, w.sandbox)
    await w.bot.run_due_jobs()
    await w.sandbox.settle()
    assert len(checkins(w)) == 1
    # As if the process died after Discord took the check-in, before the job was marked done:
    # the same job runs again, finds its check-in and posts with the same nonce.
    async with w.bot.database.session() as session:
        job = (
            (await session.execute(select(ScheduledJob).where(ScheduledJob.kind == "checkins.post")))
            .scalars()
            .first()
        )
        assert job is not None
        job.state, job.lease_owner, job.lease_expires_at = "pending", None, None
    await w.restart()
    await w.bot.run_due_jobs()
    await w.sandbox.settle()
    live = [m for m in w.sandbox.messages() if "have you connected" in m.content and not m.deleted]
    assert len(live) == 1
    assert live[0].nonce is not None


@dataclass
class Clubs:
    """A feature of the test's own: a club meeting in #general, checked in with weekly."""

    channel_id: int
    members: frozenset[int]
    kind: str = "club"
    answers: list[AnswerKind] = field(default_factory=list)

    async def describe(self, subject_id: int) -> Subject | None:
        return Subject(
            guild_id=GUILD_ID[0],
            thread_id=self.channel_id,
            member_ids=self.members,
            active=True,
            title=f"Club {subject_id}",
        )

    async def answered(self, subject_id: int, user_id: int, answer: AnswerKind) -> None:
        self.answers.append(answer)


GUILD_ID = [0]


async def test_weekly_check_ins_stay_at_ten_in_new_york_across_the_change_of_clocks(
    database_url: str,
) -> None:
    start = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # Monday 09:00 in New York (EST)
    async with world(database_url, guild=dict(GUILD, members=MEMBERS, roles=ROLES), start=start) as w:
        await w.sandbox.run_command(
            "mod", "setup", {"timezone": "America/New_York", "mod_channel": "mod-queue"}
        )
        GUILD_ID[0] = w.sandbox.world.guild_id
        general = w.sandbox.world.channel_named("general")
        assert general is not None
        clubs = Clubs(general.id, frozenset({member_id(w, "tom"), member_id(w, "ana")}))
        service = w.bot.features.service(CheckinService)
        service.register_provider(clubs)
        first = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 10:00 EST
        await service.open_subject("club", 1, GUILD_ID[0], first_due=first, thread_id=general.id)
        await w.advance(timedelta(weeks=2, hours=2))
        posted = [
            line for line in w.lines("send") if line["content"].startswith("Check-in: how is it going?")
        ]
        zone = ZoneInfo("America/New_York")
        times = [
            datetime.fromisoformat(line["time"].replace("Z", "+00:00")).astimezone(zone) for line in posted
        ]
        assert [(t.month, t.day, t.hour, t.minute) for t in times] == [
            (3, 2, 10, 0),
            (3, 9, 10, 0),
            (3, 16, 10, 0),
        ]
        # Someone who is not in the club sees the post (a public channel) but cannot answer it.
        refused = await w.sandbox.click("kofi", "Snooze 1 day", message=posted[-1]["line"])
        assert refused.content == "Only the members of this group can answer its check-ins."
        # Nobody answered the first two: the third check-in found the club quiet and said so once.
        [quiet] = mod_queue(w, "Quiet group")
        assert "missed 2 check-ins in a row" in quiet
        await w.advance(timedelta(weeks=1))
        assert len(mod_queue(w, "Quiet group")) == 1
        assert clubs.answers == []
        assert w.sandbox.violations == []
        assert w.errors() == []


async def test_moderators_set_the_cadence_and_members_their_groups_own(w: World) -> None:
    shown = await w.sandbox.run_command("mod", "checkins settings")
    assert "every week" in shown.content
    saved = await w.sandbox.run_command("mod", "checkins settings", {"cadence": 2, "missed": 3})
    assert saved.content.startswith("Saved.")
    assert "every two weeks" in saved.content
    assert "after 3 missed" in saved.content
    with pytest.raises(SandboxError, match="default_member_permissions"):  # hidden from members
        await w.sandbox.run_command("tom", "checkins settings", {"cadence": 1})
    outside = await w.sandbox.run_command("tom", "checkin cadence", {"every": 1})
    assert outside.content == "Run this in the thread of your group, where its check-ins are posted."
    await pen_pals_at_halfway(w)
    thread = (await group(w)).thread_id
    assert thread is not None
    thread_name = w.sandbox.world.channels[thread].name
    chosen = await w.sandbox.run_command("tom", "checkin cadence", {"every": 1}, channel=thread_name)
    assert chosen.content.startswith("Saved: check-ins for this group come every week.")
    status = await w.sandbox.run_command("mod", "checkins status")
    assert status.content == "Check-ins done: 0. Missed: 0. Groups marked quiet now: 0."

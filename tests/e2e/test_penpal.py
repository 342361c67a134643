"""Pen pals end to end: profiles, rounds, intro threads and check-ins, through the sandbox."""

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.penpal.models import PenpalGroup, PenpalGroupMember, PenpalProfile, PenpalRoundSkip
from bot.scheduler import ScheduledJob
from tests.e2e.harness import GUILD, World, world

MEMBERS = [
    {"name": "mod", "roles": ["Moderators"]},
    {"name": "wei", "locale": "zh-CN"},
    {"name": "ana", "locale": "es-ES"},
    {"name": "tom"},
    {"name": "li", "locale": "zh-CN"},
    {"name": "kofi", "locale": "en-GB"},
]


@pytest.fixture
async def w(database_url: str) -> AsyncIterator[World]:
    guild = dict(GUILD, members=MEMBERS)
    async with world(database_url, guild=guild) as running:
        await running.sandbox.run_command(
            "mod", "setup", {"timezone": "Europe/Berlin", "mod_channel": "mod-queue"}
        )
        yield running
        assert running.sandbox.violations == []
        assert running.errors() == []


async def join(w: World, name: str, country: str, languages: str, timezone: str = "Europe/Berlin") -> Any:
    opened = await w.sandbox.run_command(
        name, "penpal join", {"country": country, "languages": languages, "timezone": timezone}
    )
    assert opened.type == 9, opened.content  # a modal
    return await w.sandbox.submit_modal(
        name,
        {
            "display_name": name.title(),
            "library": f"{name.title()} Library",
            "about_you": "Hello!",
            "interests": "Reading",
        },
    )


async def schedule_rounds(w: World) -> None:
    await w.sandbox.run_command(
        "mod", "penpal-rounds settings", {"channel": "pen-pals", "cadence": "weekly", "weekday": 0, "hour": 9}
    )


async def profile(w: World, name: str) -> PenpalProfile | None:
    user_id = member_id(w, name)
    async with w.bot.database.session() as session:
        return (
            await session.execute(select(PenpalProfile).where(PenpalProfile.user_id == user_id))
        ).scalar_one_or_none()


def member_id(w: World, name: str) -> int:
    return w.sandbox.world.user_named(name).id


def thread_lines(w: World) -> list[dict[str, Any]]:
    return w.lines("thread")


def groups_from_threads(w: World) -> list[set[str]]:
    """Who was introduced to whom, read from the intro messages the bot posted in threads."""
    names = {member_id(w, m["name"]): m["name"] for m in MEMBERS}
    found = []
    for line in w.lines("send"):
        if line["content"].startswith("Meet your pen pals"):
            found.append({names[int(i)] for i in _mentions(line["content"])})
    return found


def _mentions(text: str) -> list[str]:
    return re.findall(r"<@(\d+)>", text)


async def test_join_with_a_typo_suggests_close_matches_and_saves_nothing(w: World) -> None:
    result = await w.sandbox.run_command("tom", "penpal join", {"country": "Germny"})
    assert result.ephemeral
    assert result.type == 4
    assert "Germany (DE)" in result.content
    result = await w.sandbox.run_command("tom", "penpal join", {"languages": "English, Spansh"})
    assert "Spanish (es)" in result.content
    result = await w.sandbox.run_command("tom", "penpal join", {"timezone": "Europe/Berln"})
    assert "Europe/Berlin" in result.content
    assert await profile(w, "tom") is None


async def test_join_saves_a_profile_in_the_member_language(w: World) -> None:
    result = await join(w, "wei", "中国", "中文, English", "Asia/Shanghai")
    assert "欢迎加入笔友计划" in result.content
    saved = await profile(w, "wei")
    assert saved is not None
    assert (saved.country, saved.languages, saved.timezone, saved.locale) == (
        "CN",
        ["zh", "en"],
        "Asia/Shanghai",
        "zh_CN",
    )
    assert saved.interests == ["reading"]


async def test_autocomplete_offers_countries_in_the_member_language(w: World) -> None:
    choices = await w.sandbox.autocomplete("wei", "penpal join", {"country": "德"}, focused="country")
    assert {"name": "德国 (DE)", "value": "DE"} in choices
    choices = await w.sandbox.autocomplete(
        "tom", "penpal join", {"languages": "English, Span"}, focused="languages"
    )
    assert choices[0]["value"] == "English, es"


async def test_odd_round_makes_one_trio_and_threads_with_intros(w: World) -> None:
    await schedule_rounds(w)
    for name, country in (("tom", "US"), ("ana", "ES"), ("kofi", "GH")):
        await join(w, name, country, "English")
    result = await w.sandbox.run_command("mod", "penpal-rounds run")
    assert "1 groups" in result.content or "1 group" in result.content
    groups = groups_from_threads(w)
    assert groups == [{"tom", "ana", "kofi"}]
    thread = thread_lines(w)[0]
    assert thread["private"] is True
    intro = next(line for line in w.lines("send") if line["content"].startswith("Meet your pen pals"))
    assert "You share: English." in intro["content"]
    assert len(intro["embeds"]) == 3
    assert set(intro.get("pings", [])) == {"tom", "ana", "kofi"}


async def test_avoid_is_respected_and_repeats_are_avoided(w: World) -> None:
    await schedule_rounds(w)
    for name, country in (("tom", "US"), ("ana", "ES"), ("kofi", "GH"), ("li", "CN")):
        await join(w, name, country, "English")
    avoided = await w.sandbox.run_command("tom", "penpal avoid", {"member": "ana"})
    assert avoided.ephemeral
    assert "never be paired" in avoided.content
    await w.sandbox.run_command("mod", "penpal-rounds run")
    first = groups_from_threads(w)
    assert len(first) == 2
    assert {"tom", "ana"} not in first
    await w.advance(timedelta(days=7))  # the next scheduled round runs on its own
    second = groups_from_threads(w)[2:]
    assert len(second) == 2
    assert not any(group in first for group in second), (first, second)
    assert {"tom", "ana"} not in second


async def test_a_thread_that_cannot_be_created_reaches_moderators_and_the_round_goes_on(w: World) -> None:
    await schedule_rounds(w)
    for name, country in (("tom", "US"), ("ana", "ES")):
        await join(w, name, country, "English")
    w.sandbox.deny_bot(channel="pen-pals", permission="create_private_threads")
    await w.sandbox.run_command("mod", "penpal-rounds run")
    warning = [line for line in w.lines("send") if line["channel"] == "mod-queue"]
    assert warning
    assert "could not open a private thread" in warning[0]["content"]
    dms = [line for line in w.lines("dm") if "Meet your pen pals" in line["content"]]
    assert {line["visible_to"] for line in dms} == {"tom", "ana"}
    # The refused request is an expected error line; nothing else went wrong.
    w.sandbox.transcript[:] = [line for line in w.sandbox.transcript if line["action"] != "error"]


async def test_checkin_buttons_record_answers_only_from_group_members(w: World) -> None:
    await schedule_rounds(w)
    for name, country in (("tom", "US"), ("ana", "ES")):
        await join(w, name, country, "English")
    await w.advance(timedelta(days=3))  # the first round: Monday 30 March 09:00 Berlin
    assert len(groups_from_threads(w)) == 1
    await w.advance(timedelta(days=4))  # halfway through the week
    question = [line for line in w.lines("send") if "have you connected" in line["content"]]
    assert len(question) == 1
    # A check-in of the group (bot.checkins): Done with an optional note, Snooze, Need help.
    assert [c["label"] for c in question[0]["components"]] == [
        "Done",
        "Snooze 1 day",
        "Snooze 1 week",
        "Need help",
    ]
    form = await w.sandbox.click("tom", "Done", message=question[0]["line"])
    assert form.type == 9  # the optional note
    answer = await w.sandbox.submit_modal("tom", {"note": ""})
    assert answer.ephemeral
    assert "thank you" in answer.content.lower()
    async with w.bot.database.session() as session:
        answered = (
            await session.execute(
                select(PenpalGroupMember).where(PenpalGroupMember.user_id == member_id(w, "tom"))
            )
        ).scalar_one()
    assert answered.connected == "yes"


async def test_pause_until_a_date_resumes_on_its_own(w: World) -> None:
    await join(w, "tom", "US", "English", "America/New_York")
    result = await w.sandbox.run_command("tom", "penpal pause", {"until": "2026-04-05"})
    assert "Paused until" in result.content
    assert "America/New_York" in result.content
    assert (await profile(w, "tom")).status == "paused"  # type: ignore[union-attr]
    bad = await w.sandbox.run_command("tom", "penpal pause", {"until": "next tuesday"})
    assert "not a date I understand" in bad.content
    await w.advance(timedelta(days=10))
    assert (await profile(w, "tom")).status == "active"  # type: ignore[union-attr]
    assert any("Welcome back" in line["content"] for line in w.lines("dm", visible_to="tom"))


async def test_notice_the_day_before_with_a_skip_button(w: World) -> None:
    await schedule_rounds(w)
    for name, country in (("tom", "US"), ("ana", "ES"), ("kofi", "GH")):
        await join(w, name, country, "English")
    await w.advance(timedelta(days=2))  # Sunday 29 March: the notice
    notices = [line for line in w.lines("dm") if "new pen-pal round" in line["content"]]
    assert {line["visible_to"] for line in notices} == {"tom", "ana", "kofi"}
    skipped = await w.sandbox.click("kofi", "Skip this round", message="last")
    assert "sit this round out" in skipped.content
    async with w.bot.database.session() as session:
        assert len((await session.execute(select(PenpalRoundSkip))).scalars().all()) == 1
    await w.advance(timedelta(days=1))
    assert groups_from_threads(w) == [{"tom", "ana"}]


async def test_a_member_leaving_mid_round_closes_their_pairing_politely(w: World) -> None:
    await schedule_rounds(w)
    for name, country in (("tom", "US"), ("ana", "ES")):
        await join(w, name, country, "English")
    await w.sandbox.run_command("mod", "penpal-rounds run")
    await w.sandbox.leave("ana")
    note = [line for line in w.lines("send") if "has left the server" in line["content"]]
    assert len(note) == 1
    assert "pairing is closed" in note[0]["content"]
    assert (await profile(w, "ana")).status == "left"  # type: ignore[union-attr]


async def test_members_with_no_shared_language_are_told_why(w: World) -> None:
    await schedule_rounds(w)
    await join(w, "tom", "US", "English")
    await join(w, "ana", "ES", "English")
    await join(w, "li", "CN", "中文")
    await w.sandbox.run_command("mod", "penpal-rounds run")
    told = [line for line in w.lines("dm", visible_to="li") if "本轮" in line["content"]]
    assert told
    assert "共同语言" in told[0]["content"]


async def test_rating_at_the_end_of_the_round_is_private(w: World) -> None:
    await schedule_rounds(w)
    for name, country in (("tom", "US"), ("ana", "ES")):
        await join(w, name, country, "English")
    await w.advance(timedelta(days=9, hours=20))  # past the round's end (Monday 6 April, 07:00 Berlin)
    prompt = [line for line in w.lines("send") if "Rate it from 1 to 5" in line["content"]]
    assert len(prompt) == 1
    assert [c["label"] for c in prompt[0]["components"]] == ["1", "2", "3", "4", "5"]
    opened = await w.sandbox.click("ana", "4", message=prompt[0]["line"])
    assert opened.type == 9
    saved = await w.sandbox.submit_modal("ana", {"comment": "Lovely chat about reading clubs."})
    assert saved.ephemeral
    assert "only moderators" in saved.content
    async with w.bot.database.session() as session:
        rated = (
            (
                await session.execute(
                    select(PenpalGroupMember).where(PenpalGroupMember.user_id == member_id(w, "ana"))
                )
            )
            .scalars()
            .first()
        )
    assert rated is not None
    assert (rated.rating, rated.comment) == (4, "Lovely chat about reading clubs.")


async def test_three_silent_rounds_pause_the_member_who_is_told_how_to_come_back(w: World) -> None:
    await schedule_rounds(w)
    for name, country in (("tom", "US"), ("ana", "ES")):
        await join(w, name, country, "English")
    await w.advance(timedelta(days=3))  # first round
    for _ in range(3):
        await w.advance(timedelta(days=4))  # halfway: the check-in
        question = [line for line in w.lines("send") if "have you connected" in line["content"]][-1]
        await w.sandbox.click("ana", "Done", message=question["line"])  # ana answers, tom never does
        await w.sandbox.submit_modal("ana", {"note": "We wrote twice."})
        await w.advance(timedelta(days=3))  # the round closes, the next one starts
    assert (await profile(w, "tom")).status == "paused"  # type: ignore[union-attr]
    assert (await profile(w, "ana")).status == "active"  # type: ignore[union-attr]
    told = [line for line in w.lines("dm", visible_to="tom") if "/penpal resume" in line["content"]]
    assert len(told) == 1


async def test_an_introduction_run_again_after_a_crash_finds_its_thread_and_posts_once(w: World) -> None:
    await schedule_rounds(w)
    for name, country in (("tom", "US"), ("ana", "ES")):
        await join(w, name, country, "English")
    await w.sandbox.run_command("mod", "penpal-rounds run")
    assert len(thread_lines(w)) == 1
    # As if the process had died after Discord created the thread and took the introduction,
    # before anything was saved: the group has no thread id and the job runs again.
    async with w.bot.database.session() as session:
        group = (await session.execute(select(PenpalGroup))).scalar_one()
        thread_id, group.thread_id = group.thread_id, None
        job = (
            await session.execute(select(ScheduledJob).where(ScheduledJob.kind == "penpal.intro"))
        ).scalar_one()
        job.state, job.lease_owner, job.lease_expires_at = "pending", None, None
    await w.bot.run_due_jobs()
    await w.sandbox.settle()
    assert len(thread_lines(w)) == 1
    posted = [m for m in w.sandbox.messages() if m.content.startswith("Meet your pen pals") and not m.deleted]
    assert len(posted) == 1
    assert posted[0].nonce is not None
    async with w.bot.database.session() as session:
        assert (await session.execute(select(PenpalGroup.thread_id))).scalar_one() == thread_id


async def test_moderators_hear_exactly_how_many_members_an_introduction_reached(database_url: str) -> None:
    members = [*MEMBERS, {"name": "zoe", "dms_closed": True}]
    async with world(database_url, guild=dict(GUILD, members=members)) as w:
        await w.sandbox.run_command("mod", "setup", {"timezone": "Europe/Berlin", "mod_channel": "mod-queue"})
        await schedule_rounds(w)
        for name, country in (("tom", "US"), ("zoe", "ES")):
            await join(w, name, country, "English")
        w.sandbox.deny_bot(channel="pen-pals", permission="create_private_threads")
        await w.sandbox.run_command("mod", "penpal-rounds run")
        warning = [line["content"] for line in w.lines("send") if line["channel"] == "mod-queue"]
        assert len(warning) == 1
        assert "1 of 2 members" in warning[0]
        assert [line["visible_to"] for line in w.lines("dm") if "Meet your pen pals" in line["content"]] == [
            "tom"
        ]
        assert w.sandbox.violations == []


async def test_moderators_hear_when_a_check_in_could_not_be_posted(w: World) -> None:
    await schedule_rounds(w)
    for name, country in (("tom", "US"), ("ana", "ES")):
        await join(w, name, country, "English")
    await w.advance(timedelta(days=3))  # the round: Monday 30 March
    assert len(groups_from_threads(w)) == 1
    w.sandbox.deny_bot(channel="pen-pals", permission="send_messages_in_threads")
    await w.advance(timedelta(days=4))  # the check-in, halfway
    assert not [line for line in w.lines("send") if "have you connected" in line["content"]]
    warning = [line["content"] for line in w.lines("send") if line["channel"] == "mod-queue"]
    assert len(warning) == 1
    assert "could not post a check-in for the pen-pal group" in warning[0]
    # The refused request is an expected error line; nothing else went wrong.
    w.sandbox.transcript[:] = [line for line in w.sandbox.transcript if line["action"] != "error"]


async def test_moderators_close_the_open_round_then_start_the_next(w: World) -> None:
    await schedule_rounds(w)
    for name, country in (("tom", "US"), ("ana", "ES")):
        await join(w, name, country, "English")
    await w.sandbox.run_command("mod", "penpal-rounds run")
    refused = await w.sandbox.run_command("mod", "penpal-rounds run")
    assert "still open" in (refused.content or "")
    closed = await w.sandbox.run_command("mod", "penpal-rounds close")
    assert "closed" in (closed.content or "")
    assert len([line for line in w.lines("send") if "Rate it from 1 to 5" in line["content"]]) == 1
    nothing = await w.sandbox.run_command("mod", "penpal-rounds close")
    assert nothing.content == "No round is open."
    await w.advance(timedelta(minutes=5))
    again = await w.sandbox.run_command("mod", "penpal-rounds run")
    assert "Round started: 1 group introduced." in (again.content or "")
    assert len(thread_lines(w)) == 2

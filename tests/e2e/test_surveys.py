"""Evaluation surveys end to end: the real bot in the sandbox, time moved by the scheduler."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.sandbox import SandboxError
from bot.surveys.models import InviteState, SurveyAnswer, SurveyInvite, SurveyPartnershipAnswer
from bot.surveys.service import PartnershipRef, SurveyService
from tests.e2e.harness import GUILD, World, world

MEMBERS = [
    {"name": "mod", "roles": ["Moderators"]},
    {"name": "wei", "locale": "zh-CN"},
    {"name": "ana", "locale": "es-ES", "dms_closed": True},
    {"name": "tom"},
    {"name": "kofi", "locale": "en-GB"},
]
# From Friday 27 March 2026 09:00 UTC: the first quarterly survey is Wednesday 1 April, 10:00 Berlin.
TO_FIRST_SURVEY = timedelta(days=5, hours=-1)


@pytest.fixture
async def w(database_url: str) -> AsyncIterator[World]:
    async with world(database_url, guild=dict(GUILD, members=MEMBERS)) as running:
        await running.sandbox.run_command(
            "mod", "setup", {"timezone": "Europe/Berlin", "mod_channel": "mod-queue"}
        )
        yield running
        assert running.sandbox.violations == []
        # Only ana's closed DMs may be refused, and the bot must have handled them.
        unexpected = [line for line in running.errors() if "50007" not in str(line.get("detail"))]
        assert unexpected == []


async def sign_up(w: World, *names: str) -> None:
    for name in names:
        result = await w.sandbox.run_command(name, "survey opt-in")
        assert result.ephemeral, result.content


async def start_surveys(w: World, **options: Any) -> None:
    result = await w.sandbox.run_command("mod", "survey-admin settings", {"every": 3, **options})
    assert result.ephemeral
    assert "Saved" in (result.content or ""), result.content


def survey_dm(w: World, name: str) -> dict[str, Any]:
    [line] = survey_dms(w, name)
    return line


def survey_dms(w: World, name: str | None = None) -> list[dict[str, Any]]:
    """Survey DMs: the ones with the 0-10 buttons, in any language."""
    scale = [str(n) for n in range(11)]
    return [
        line for line in w.lines("dm", visible_to=name) if [c["label"] for c in line["components"]] == scale
    ]


async def answers(w: World) -> list[SurveyAnswer]:
    async with w.bot.database.session() as session:
        return list((await session.execute(select(SurveyAnswer))).scalars())


def member_id(w: World, name: str) -> int:
    return w.sandbox.world.user_named(name).id


async def test_a_survey_goes_out_is_answered_replaced_commented_and_closes(w: World) -> None:
    await sign_up(w, "tom", "kofi", "ana")
    await start_surveys(w)
    await w.advance(TO_FIRST_SURVEY - timedelta(minutes=1))
    assert not survey_dms(w)
    await w.advance(timedelta(minutes=1))
    question = survey_dm(w, "tom")
    assert "How likely are you to recommend this community to a colleague?" in question["content"]
    assert [c["label"] for c in question["components"]] == [str(n) for n in range(11)]
    survey_dm(w, "kofi")
    assert not w.lines("dm", visible_to="ana")

    first = await w.sandbox.click("tom", "7", message=question["line"])
    assert first.ephemeral
    assert "7 of 10" in first.content
    second = await w.sandbox.click("tom", "9", message=question["line"])
    assert "now 9 of 10" in second.content
    assert "replaces your earlier answer" in second.content
    assert [(a.user_id, a.score) for a in await answers(w)] == [(member_id(w, "tom"), 9)]

    opened = await w.sandbox.click("tom", "Add a comment", message="last")
    assert opened.type == 9  # the comment form
    saved = await w.sandbox.submit_modal("tom", {"comment": "Friendly people @everyone"})
    assert "comment is saved" in saved.content
    [answer] = await answers(w)
    assert (answer.score, answer.comment) == (9, "Friendly people @everyone")

    await w.advance(timedelta(days=14))  # the survey closes; moderators get the figures
    closing = [
        line for line in w.lines("send") if line["channel"] == "mod-queue" and "Survey #1" in line["content"]
    ]
    assert len(closing) == 1
    assert "1 of 3 members answered (33%)" in closing[0]["content"]
    assert "1 could not be reached" in closing[0]["content"]
    async with w.bot.database.session() as session:
        states = {i.user_id: i.state for i in (await session.execute(select(SurveyInvite))).scalars()}
    assert states[member_id(w, "ana")] == InviteState.UNREACHED

    late = await w.sandbox.click("tom", "3", message=question["line"])
    assert "closed" in late.content
    assert [a.score for a in await answers(w)] == [9]


async def test_the_buttons_still_work_after_a_restart_and_a_chinese_member_reads_chinese(w: World) -> None:
    await sign_up(w, "wei", "tom")
    await start_surveys(w)
    await w.advance(TO_FIRST_SURVEY)
    question = survey_dm(w, "wei")
    assert "你" in question["content"]
    assert "How likely" not in question["content"]
    await w.restart()
    answered = await w.sandbox.click("wei", "10", message=question["line"])
    assert answered.ephemeral
    assert "10" in answered.content
    assert "Thank you" not in answered.content
    opened = await w.sandbox.click("wei", answered.components[0]["label"], message="last")
    assert opened.type == 9
    await w.restart()  # the form was open across a restart: it still saves
    saved = await w.sandbox.submit_modal("wei", {"comment": "很好"})
    assert saved.ephemeral
    [answer] = await answers(w)
    assert (answer.user_id, answer.score, answer.comment) == (member_id(w, "wei"), 10, "很好")


async def test_moderators_see_only_aggregates_and_plain_members_are_refused(w: World) -> None:
    await sign_up(w, "wei", "tom", "kofi")
    # Discord hides /survey-admin from members; an admin may show it (Server Settings >
    # Integrations), and then the bot still refuses anyone who is not a moderator.
    with pytest.raises(SandboxError, match="default_member_permissions"):
        await w.sandbox.run_command("tom", "survey-admin results")
    for scope in w.sandbox.commands.values():
        for command in scope:
            if command["name"] == "survey-admin":
                command["default_member_permissions"] = None
    for path, options in (("survey-admin results", {}), ("survey-admin settings", {"every": 1})):
        refused = await w.sandbox.run_command("tom", path, options)
        assert refused.ephemeral
        assert "Only moderators" in (refused.content or "")
    assert "No surveys are scheduled" in (
        (await w.sandbox.run_command("mod", "survey-admin settings")).content or ""
    )
    await start_surveys(w)
    await w.advance(TO_FIRST_SURVEY)
    for name, score in (("wei", 10), ("tom", 9), ("kofi", 3)):
        await w.sandbox.click(name, str(score), message=survey_dm(w, name)["line"])
    await w.sandbox.click("kofi", "Add a comment", message="last")
    await w.sandbox.submit_modal("kofi", {"comment": "More events in Asian time zones, please"})
    result = await w.sandbox.run_command("mod", "survey-admin results")
    assert result.ephemeral
    shown = str(result.embeds)
    assert "NPS: +33 (promoters: 2, passives: 0, detractors: 1)" in shown
    assert "3 of 3 members invited (100%)" in shown
    assert "More events in Asian time zones, please" in shown
    for name in ("wei", "tom", "kofi"):
        assert str(member_id(w, name)) not in shown
        assert name not in shown


async def test_bad_settings_are_refused_with_nothing_saved_and_opt_out_stops_surveys(w: World) -> None:
    refused = await w.sandbox.run_command("mod", "survey-admin settings", {"every": 3, "window_days": 400})
    assert refused.ephemeral
    assert "1 to 60 days" in (refused.content or "")
    shown = await w.sandbox.run_command("mod", "survey-admin settings")
    assert "No surveys are scheduled" in (shown.content or "")
    await sign_up(w, "tom")
    out = await w.sandbox.run_command("tom", "survey opt-out")
    assert "no more surveys" in (out.content or "")
    again = await w.sandbox.run_command("tom", "survey opt-out")
    assert "were not signed up" in (again.content or "")
    await start_surveys(w)
    await w.advance(TO_FIRST_SURVEY)
    assert not survey_dms(w)


async def test_members_of_a_partnership_are_also_asked_how_it_is_going(w: World) -> None:
    await sign_up(w, "tom", "kofi")
    tom = member_id(w, "tom")

    async def partnerships_of(_guild_id: int, user_id: int) -> list[PartnershipRef]:
        return [PartnershipRef(7, "Leipzig City Library – Accra Public Library")] if user_id == tom else []

    w.bot.features.service(SurveyService).partnerships_of = partnerships_of
    await start_surveys(w)
    await w.advance(TO_FIRST_SURVEY)
    [asked] = [line for line in w.lines("dm", visible_to="tom") if "partnership going" in line["content"]]
    assert "Leipzig City Library" in asked["content"]
    assert [c["label"] for c in asked["components"]] == ["1", "2", "3", "4", "5"]
    assert not [line for line in w.lines("dm", visible_to="kofi") if "partnership" in line["content"]]
    rated = await w.sandbox.click("tom", "4", message=asked["line"])
    assert "4 of 5" in rated.content
    rated = await w.sandbox.click("tom", "5", message=asked["line"])
    assert "now 5 of 5" in rated.content
    async with w.bot.database.session() as session:
        stored = (await session.execute(select(SurveyPartnershipAnswer))).scalars().all()
    assert [(a.user_id, a.partnership_id, a.stars) for a in stored] == [(tom, 7, 5)]


async def test_a_member_who_left_is_not_invited_nor_counted_and_must_opt_in_again(w: World) -> None:
    await sign_up(w, "tom", "kofi", "wei")
    await w.sandbox.leave("kofi")
    await start_surveys(w)
    await w.advance(TO_FIRST_SURVEY)
    survey_dm(w, "tom")
    survey_dm(w, "wei")
    assert w.errors() == []  # no DM tried to kofi, who shares no server with the bot any more
    await w.advance(timedelta(days=15))
    [closing] = [
        line for line in w.lines("send") if line["channel"] == "mod-queue" and "Survey #1" in line["content"]
    ]
    assert "0 of 2 members answered" in closing["content"], closing["content"]
    assert "1 could not be reached" not in closing["content"]
    await w.sandbox.join("kofi")
    surveys = w.bot.features.service(SurveyService)
    assert not await surveys.is_opted_in(w.sandbox.world.guild_id, member_id(w, "kofi"))

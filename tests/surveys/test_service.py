"""Surveys at the service tier: scheduling, invitations, answers, the window, and the figures."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.inputs import InputError
from bot.scheduler import JobContext
from bot.surveys import jobs
from bot.surveys.models import InviteState, SurveyAnswer, SurveyInvite
from bot.surveys.service import Answer, Opened, PartnershipRef, Skipped
from bot.surveys.stats import survey_stats
from bot.surveys.tables import survey_tables
from tests.surveys.conftest import GUILD, Surveys

FIRST = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)  # 10:00 in Berlin


async def start_quarterly(sv: Surveys, window_days: int | None = None) -> None:
    await sv.service.save_settings(GUILD, every_months=3, window_days=window_days)


async def first_survey(sv: Surveys, *members: int) -> int:
    await sv.members(*members)
    await start_quarterly(sv)
    await sv.advance(FIRST - sv.clock.now())
    assert {plan.user_id for plan in sv.sent} >= set(members) - sv.closed
    return sv.sent[0].survey_id if sv.sent else 0


async def test_nothing_is_scheduled_until_moderators_choose_a_cadence(sv: Surveys) -> None:
    await sv.members(1)
    assert await sv.pending() == []
    view = await sv.service.settings(GUILD)
    assert (view.configured, view.every_months, view.opted_in) == (False, 0, 1)
    view = await sv.service.save_settings(GUILD, every_months=3)
    assert view.next_survey_at == FIRST
    assert [job.kind for job in await sv.pending()] == [jobs.OPEN]


async def test_saving_only_a_window_schedules_nothing(sv: Surveys) -> None:
    view = await sv.service.save_settings(GUILD, window_days=7)
    assert (view.every_months, view.window_days, view.next_survey_at) == (0, 7, None)
    assert await sv.pending() == []
    view = await sv.service.save_settings(GUILD, every_months=3)
    assert (view.window_days, view.next_survey_at) == (7, FIRST)


async def test_changing_the_settings_replaces_the_scheduled_survey(sv: Surveys) -> None:
    await start_quarterly(sv)
    await sv.service.save_settings(GUILD, every_months=12)
    [job] = await sv.pending(jobs.OPEN)
    assert job.due_at == datetime(2027, 1, 1, 9, 0, tzinfo=UTC)
    await sv.service.save_settings(GUILD, every_months=0)
    assert await sv.pending() == []
    assert (await sv.service.settings(GUILD)).next_survey_at is None


async def test_bad_settings_change_nothing(sv: Surveys) -> None:
    await start_quarterly(sv)
    with pytest.raises(InputError):
        await sv.service.save_settings(GUILD, window_days=90)
    with pytest.raises(InputError):
        await sv.service.save_settings(GUILD, every_months=5)
    view = await sv.service.settings(GUILD)
    assert (view.every_months, view.window_days, view.next_survey_at) == (3, 14, FIRST)
    assert len(await sv.pending(jobs.OPEN)) == 1


async def test_a_survey_invites_each_opted_in_member_once_and_schedules_the_next(sv: Surveys) -> None:
    await sv.members(1, 2, 3)
    await sv.members(4, locale="zh_CN")
    await sv.service.opt_out(GUILD, 3)
    await start_quarterly(sv)
    await sv.advance(FIRST - sv.clock.now())
    assert sorted(plan.user_id for plan in sv.sent) == [1, 2, 4]
    assert {plan.user_id: plan.locale for plan in sv.sent}[4] == "zh_CN"
    assert {plan.closes_at for plan in sv.sent} == {FIRST + timedelta(days=14)}
    [next_open] = await sv.pending(jobs.OPEN)
    assert next_open.due_at == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    assert [job.kind for job in await sv.pending(jobs.INVITE)] == []
    # Running the start job again (a crash before it was marked done) records nothing twice.
    again = await sv.service.open_survey(GUILD, 1, FIRST)
    assert isinstance(again, Opened)
    assert again.invited == 0
    await sv.advance(timedelta(minutes=1))
    assert len(sv.sent) == 3


async def test_a_second_answer_replaces_the_first(sv: Surveys) -> None:
    survey_id = await first_survey(sv, 1)
    assert (await sv.service.answer_score(survey_id, 1, 3)).outcome == Answer.SAVED
    assert (await sv.service.answer_score(survey_id, 1, 9)).outcome == Answer.REPLACED
    async with sv.database.session() as session:
        answers = (await session.execute(select(SurveyAnswer))).scalars().all()
    assert [(a.user_id, a.score) for a in answers] == [(1, 9)]


async def test_a_comment_needs_a_score_and_a_new_one_replaces_it(sv: Surveys) -> None:
    survey_id = await first_survey(sv, 1)
    assert (await sv.service.answer_comment(survey_id, 1, "Great")).outcome == Answer.NEEDS_SCORE
    await sv.service.answer_score(survey_id, 1, 10)
    assert (await sv.service.answer_comment(survey_id, 1, "Great")).outcome == Answer.SAVED
    assert (await sv.service.answer_comment(survey_id, 1, "Even better")).outcome == Answer.REPLACED
    results = await sv.service.results(GUILD)
    assert results.surveys[0].comments == ["Even better"]


async def test_only_invited_members_answer_and_only_inside_the_window(sv: Surveys) -> None:
    survey_id = await first_survey(sv, 1)
    assert (await sv.service.answer_score(survey_id, 2, 5)).outcome == Answer.NOT_INVITED
    assert (await sv.service.answer_score(survey_id + 99, 1, 5)).outcome == Answer.NOT_INVITED
    await sv.advance(timedelta(days=14) - timedelta(seconds=1))
    assert (await sv.service.answer_score(survey_id, 1, 5)).outcome == Answer.SAVED
    await sv.advance(timedelta(seconds=1))
    late = await sv.service.answer_score(survey_id, 1, 10)
    assert late.outcome == Answer.CLOSED
    assert late.closes_at == FIRST + timedelta(days=14)
    assert (await sv.service.answer_comment(survey_id, 1, "late")).outcome == Answer.CLOSED
    results = await sv.service.results(GUILD)
    assert results.surveys[0].nps.answers == 1
    assert results.surveys[0].is_open is False


async def test_closed_dms_count_as_not_reached_and_the_rate_counts_every_invitation(sv: Surveys) -> None:
    sv.closed.add(4)
    survey_id = await first_survey(sv, 1, 2, 3, 4)
    for user_id, score in ((1, 10), (2, 9), (3, 2)):
        await sv.service.answer_score(survey_id, user_id, score)
    await sv.advance(timedelta(days=14))
    [(guild_id, closing)] = sv.closings
    assert guild_id == GUILD
    assert (closing.invited, closing.unreached, closing.answered) == (4, 1, 3)
    assert closing.response_rate == 75
    assert closing.nps.score == 33
    assert closing.shown


async def test_an_invitation_not_sent_before_the_survey_closed_is_not_reached(sv: Surveys) -> None:
    await sv.members(1, 2)
    await start_quarterly(sv)
    await sv.advance(FIRST - sv.clock.now() - timedelta(seconds=1))
    opened = await sv.service.open_survey(GUILD, 1, FIRST)  # started by hand, invitations still pending
    assert isinstance(opened, Opened)
    survey_id = opened.survey_id
    closing = await sv.service.close_survey(survey_id)
    assert closing is not None
    assert closing[1].unreached == 2
    assert len(await sv.pending(jobs.INVITE)) == 1
    await sv.advance(timedelta(0))  # the invitation job, run late, sends nothing
    assert sv.sent == []
    async with sv.database.session() as session:
        states = (await session.execute(select(SurveyInvite.state))).scalars().all()
    assert states == [InviteState.UNREACHED, InviteState.UNREACHED]


async def test_figures_hide_below_three_answers_and_the_trend_compares_surveys(sv: Surveys) -> None:
    survey_id = await first_survey(sv, 1, 2, 3)
    for user_id, score in ((1, 10), (2, 10), (3, 0)):
        await sv.service.answer_score(survey_id, user_id, score)
    await sv.advance(datetime(2026, 7, 1, 8, 0, tzinfo=UTC) - sv.clock.now())
    second = max(plan.survey_id for plan in sv.sent)
    assert second != survey_id
    await sv.service.answer_score(second, 1, 10)
    results = await sv.service.results(GUILD)
    assert [s.number for s in results.surveys] == [2, 1]
    assert not results.surveys[0].shown
    assert results.trend() is None  # the newest has too few answers to compare
    for user_id in (2, 3):
        await sv.service.answer_score(second, user_id, 10)
    results = await sv.service.results(GUILD)
    assert [s.nps.score for s in results.surveys] == [100, 33]
    assert results.trend() == 67
    figures = await sv.service.figures(GUILD)
    assert figures == {"survey": 2, "nps": 100, "response_rate": 100, "answers": 3, "trend": 67}


async def test_a_survey_missed_entirely_while_down_is_skipped_and_the_next_scheduled(sv: Surveys) -> None:
    await sv.members(1)
    await start_quarterly(sv)
    sv.clock.set(FIRST + timedelta(days=20))  # down through the whole window
    outcome = await sv.service.open_survey(GUILD, 1, FIRST)
    assert isinstance(outcome, Skipped)
    assert outcome.next_survey_at == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    assert [job.due_at for job in await sv.pending(jobs.OPEN)] == [FIRST, outcome.next_survey_at]


async def test_a_stale_start_job_does_nothing(sv: Surveys) -> None:
    await sv.members(1)
    await start_quarterly(sv)
    await sv.service.save_settings(GUILD, window_days=7)  # generation 2
    assert await sv.service.open_survey(GUILD, 1, FIRST) is None


async def test_partnership_question_is_pluggable_and_checked(sv: Surveys) -> None:
    sv.partnerships[1] = [PartnershipRef(7, "Shanghai - Leipzig")]
    survey_id = await first_survey(sv, 1, 2)
    plans = {plan.user_id: plan for plan in sv.sent}
    assert plans[1].partnerships == (PartnershipRef(7, "Shanghai - Leipzig"),)
    assert plans[2].partnerships == ()
    assert (await sv.service.answer_partnership(survey_id, 1, 7, 4)).outcome == Answer.SAVED
    assert (await sv.service.answer_partnership(survey_id, 1, 7, 5)).outcome == Answer.REPLACED
    assert (await sv.service.answer_partnership(survey_id, 2, 7, 1)).outcome == Answer.NOT_INVITED
    figures = (await sv.service.results(GUILD)).surveys[0]
    assert (figures.partnership_answers, figures.partnership_average) == (1, 5)


async def test_a_failing_partnership_lookup_does_not_stop_the_survey(sv: Surveys) -> None:
    async def broken(_guild_id: int, _user_id: int) -> list[PartnershipRef]:
        raise RuntimeError("partnerships are down")

    sv.service.partnerships_of = broken
    await first_survey(sv, 1)
    assert sv.sent[0].partnerships == ()


async def test_export_erase_and_count_a_members_answers(sv: Surveys) -> None:
    survey_id = await first_survey(sv, 1, 2)
    await sv.service.answer_score(survey_id, 1, 8)
    await sv.service.answer_comment(survey_id, 1, "Lovely people")
    await sv.service.answer_score(survey_id, 2, 4)
    data = await sv.service.export_member(GUILD, 1)
    assert data["answers"] == [
        {
            "survey": 1,
            "score": 8,
            "comment": "Lovely people",
            "answered_at": data["answers"][0]["answered_at"],
        }
    ]
    assert data["invitations"] == [{"survey": 1, "state": "sent"}]
    assert data["opted_in"] is not None
    assert await sv.service.count_member(GUILD, 1) == 3
    assert await sv.service.erase_member(GUILD, 1) == 3
    assert await sv.service.count_member(GUILD, 1) == 0
    assert await sv.service.count_member(GUILD, 2) == 3  # nobody else's data went
    results = await sv.service.results(GUILD)
    assert results.surveys[0].comments == []


async def test_many_members_due_in_the_same_minute_are_paced_batches_each_sent_once(sv: Surveys) -> None:
    members = range(1000, 1300)  # 1,000 measured separately: see the README
    for user_id in members:
        await sv.service.opt_in(GUILD, user_id, "en")
    await start_quarterly(sv)
    sv.clock.set(FIRST)
    began = time.perf_counter()
    opened = await sv.service.open_survey(GUILD, 1, FIRST)
    elapsed = time.perf_counter() - began
    assert isinstance(opened, Opened)
    assert opened.invited == 300
    invites = await sv.pending(jobs.INVITE)
    assert len(invites) == 12  # batches of 25
    batches = [job.payload["users"] for job in invites]
    assert sorted(user for batch in batches for user in batch) == list(members)
    # A batch run again (a crash after its DMs) sends nothing twice.
    first = invites[0]
    await sv.advance(timedelta(0))
    assert len(sv.sent) == 300
    await sv.on_invite(  # the first batch's job, as a retry would run it
        JobContext(first.id, jobs.INVITE, first.payload, FIRST, False, "n", 2, FIRST, GUILD)
    )
    assert len(sv.sent) == 300
    assert elapsed < 10, elapsed
    await sv.advance(timedelta(0))
    async with sv.database.session() as session:
        sent = await session.scalar(
            select(func.count()).select_from(SurveyInvite).where(SurveyInvite.state == InviteState.SENT)
        )
    assert sent == 300 == len(sv.sent)


async def test_dashboard_figures_count_surveys_opened_in_the_period_and_hide_small_ones(sv: Surveys) -> None:
    survey_id = await first_survey(sv, 1, 2, 3, 4)
    stats = survey_stats(sv.database)
    for user_id, score in ((1, 10), (2, 9)):
        await sv.service.answer_score(survey_id, user_id, score)
    quarter = await stats(GUILD, FIRST, FIRST + timedelta(days=90))
    assert quarter.figures == {
        "survey_sent": 4,
        "survey_answered": 2,
        "nps_answers": 0,  # two answers would point at the two who gave them
        "nps_promoters": 0,
        "nps_detractors": 0,
    }
    assert quarter.active_members == frozenset({1, 2})
    await sv.service.answer_score(survey_id, 3, 0)
    quarter = await stats(GUILD, FIRST, FIRST + timedelta(days=90))
    assert (
        quarter.figures["nps_answers"],
        quarter.figures["nps_promoters"],
        quarter.figures["nps_detractors"],
    ) == (
        3,
        2,
        1,
    )
    before = await stats(GUILD, FIRST - timedelta(days=90), FIRST)
    assert before.figures["survey_sent"] == 0


async def test_the_export_has_each_surveys_figures_and_only_nameless_answers_of_large_enough_surveys(
    sv: Surveys,
) -> None:
    survey_id = await first_survey(sv, 11, 12, 13, 14)
    tables = survey_tables(sv.database)
    await sv.service.answer_score(survey_id, 11, 10)
    await sv.service.answer_comment(survey_id, 11, "=HYPERLINK(x)")
    [surveys, answers] = await tables(GUILD)
    assert surveys.rows[0][:8] == (1, FIRST, FIRST + timedelta(days=14), 4, 0, 1, 25, None)
    assert answers.rows == []  # one answer: it would point at the member who gave it
    await sv.service.answer_score(survey_id, 12, 3)
    await sv.service.answer_score(survey_id, 13, 8)
    [surveys, answers] = await tables(GUILD)
    assert surveys.rows[0][7:11] == (0, 1, 1, 1)
    assert answers.rows == [(1, 3, ""), (1, 8, ""), (1, 10, "=HYPERLINK(x)")]
    assert "user" not in " ".join(answers.columns + surveys.columns)


async def test_a_member_who_leaves_is_signed_off_and_an_unsent_invitation_is_dropped(sv: Surveys) -> None:
    await sv.members(1, 2, 3)
    await start_quarterly(sv)
    await sv.advance(FIRST - sv.clock.now() - timedelta(seconds=1))
    opened = await sv.service.open_survey(GUILD, 1, FIRST)  # invitations still pending
    assert isinstance(opened, Opened)
    assert await sv.service.member_left(GUILD, 3)
    assert not await sv.service.member_left(GUILD, 3)  # a second leave event changes nothing
    assert not await sv.service.is_opted_in(GUILD, 3)
    await sv.advance(timedelta(0))
    assert {plan.user_id for plan in sv.sent} == {1, 2}
    closing = await sv.service.close_survey(opened.survey_id)
    assert closing is not None
    assert (closing[1].invited, closing[1].unreached) == (2, 0)

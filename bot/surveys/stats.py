"""What surveys add to the dashboard: for surveys that opened in a period, how many members were
invited and answered, and the NPS counts (promoters, detractors, answers).

A survey with fewer than :data:`rules.MIN_ANSWERS_SHOWN` answers adds to the response rate but not
to the NPS, as in /survey-admin results: its score would point at the few who answered.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from bot.db import Database
from bot.stats import PeriodStats, StatsProvider
from bot.surveys import rules
from bot.surveys.models import Survey, SurveyAnswer, SurveyInvite


def survey_stats(database: Database) -> StatsProvider:
    async def stats(guild_id: int, start: datetime, end: datetime) -> PeriodStats:
        surveys = select(Survey.id).where(
            Survey.guild_id == guild_id, Survey.opens_at >= start, Survey.opens_at < end
        )
        async with database.session() as session:
            sent = await session.scalar(
                select(func.count()).select_from(SurveyInvite).where(SurveyInvite.survey_id.in_(surveys))
            )
            rows = (
                await session.execute(
                    select(SurveyAnswer.survey_id, SurveyAnswer.user_id, SurveyAnswer.score).where(
                        SurveyAnswer.survey_id.in_(surveys)
                    )
                )
            ).all()
        by_survey: dict[int, list[int]] = {}
        for survey_id, _user_id, score in rows:
            by_survey.setdefault(survey_id, []).append(score)
        shown = [rules.nps(scores) for scores in by_survey.values() if len(scores) >= rules.MIN_ANSWERS_SHOWN]
        figures = {
            "survey_sent": int(sent or 0),
            "survey_answered": len(rows),
            "nps_answers": sum(n.answers for n in shown),
            "nps_promoters": sum(n.promoters for n in shown),
            "nps_detractors": sum(n.detractors for n in shown),
        }
        return PeriodStats(figures, frozenset(int(user_id) for _s, user_id, _score in rows))

    return stats

"""Surveys in the moderators' export: each survey's figures, and its answers without names.

Answers of a survey with fewer than :data:`rules.MIN_ANSWERS_SHOWN` answers are left out, as in
/survey-admin results; the rest are sorted by score and comment, so their order says nothing about
who answered when.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.db import Database
from bot.surveys import repository as repo
from bot.surveys import rules
from bot.surveys.models import InviteState, Survey
from bot.tables import CsvTable, TablesProvider

SURVEY_COLUMNS = (
    "survey",
    "opens_at",
    "closes_at",
    "invited",
    "not_reached",
    "answered",
    "response_rate_percent",
    "nps",
    "promoters",
    "passives",
    "detractors",
    "partnership_answers",
    "partnership_average",
)


def survey_tables(database: Database) -> TablesProvider:
    async def tables(guild_id: int) -> list[CsvTable]:
        surveys: list[tuple[object, ...]] = []
        answers: list[tuple[object, ...]] = []
        async with database.session() as session:
            found = await session.scalars(
                select(Survey).where(Survey.guild_id == guild_id).order_by(Survey.number)
            )
            for survey in list(found):
                states = await repo.invite_states(session, survey.id)
                given = await repo.answers_of(session, survey.id)
                stars = await repo.stars_of(session, survey.id)
                nps = rules.nps(a.score for a in given)
                shown = nps.answers >= rules.MIN_ANSWERS_SHOWN
                invited = sum(states.values())
                average = rules.average(stars) if len(stars) >= rules.MIN_ANSWERS_SHOWN else None
                surveys.append(
                    (
                        survey.number,
                        survey.opens_at,
                        survey.closes_at,
                        invited,
                        states.get(InviteState.UNREACHED, 0),
                        nps.answers,
                        rules.percent(nps.answers, invited),
                        nps.score if shown else None,
                        nps.promoters if shown else None,
                        nps.passives if shown else None,
                        nps.detractors if shown else None,
                        len(stars),
                        None if average is None else round(float(average), 2),
                    )
                )
                if shown:
                    answers.extend(sorted((survey.number, a.score, a.comment or "") for a in given))
        return [
            CsvTable("surveys", SURVEY_COLUMNS, surveys),
            CsvTable("survey_answers", ("survey", "score", "comment"), answers),
        ]

    return tables

"""Storage for surveys: small functions over the caller's session (one session per unit of work)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.surveys.models import (
    InviteState,
    Survey,
    SurveyAnswer,
    SurveyInvite,
    SurveyMember,
    SurveyPartnershipAnswer,
    SurveySettings,
)


async def get_settings(session: AsyncSession, guild_id: int) -> SurveySettings | None:
    return await session.get(SurveySettings, guild_id)


async def get_member(session: AsyncSession, guild_id: int, user_id: int) -> SurveyMember | None:
    result = await session.execute(
        select(SurveyMember).where(SurveyMember.guild_id == guild_id, SurveyMember.user_id == user_id)
    )
    return result.scalar_one_or_none()


async def members(session: AsyncSession, guild_id: int) -> Sequence[SurveyMember]:
    result = await session.execute(
        select(SurveyMember).where(SurveyMember.guild_id == guild_id).order_by(SurveyMember.user_id)
    )
    return result.scalars().all()


async def count_members(session: AsyncSession, guild_id: int) -> int:
    result = await session.execute(
        select(func.count()).select_from(SurveyMember).where(SurveyMember.guild_id == guild_id)
    )
    return int(result.scalar_one())


async def survey_at(session: AsyncSession, guild_id: int, opens_at: datetime) -> Survey | None:
    result = await session.execute(
        select(Survey).where(Survey.guild_id == guild_id, Survey.opens_at == opens_at)
    )
    return result.scalar_one_or_none()


async def last_number(session: AsyncSession, guild_id: int) -> int:
    result = await session.execute(select(func.max(Survey.number)).where(Survey.guild_id == guild_id))
    return int(result.scalar_one() or 0)


async def latest_surveys(session: AsyncSession, guild_id: int, limit: int) -> Sequence[Survey]:
    result = await session.execute(
        select(Survey).where(Survey.guild_id == guild_id).order_by(Survey.number.desc()).limit(limit)
    )
    return result.scalars().all()


async def get_invite(session: AsyncSession, survey_id: int, user_id: int) -> SurveyInvite | None:
    result = await session.execute(
        select(SurveyInvite).where(SurveyInvite.survey_id == survey_id, SurveyInvite.user_id == user_id)
    )
    return result.scalar_one_or_none()


async def invite_states(session: AsyncSession, survey_id: int) -> dict[str, int]:
    result = await session.execute(
        select(SurveyInvite.state, func.count())
        .where(SurveyInvite.survey_id == survey_id)
        .group_by(SurveyInvite.state)
    )
    return {str(state): int(count) for state, count in result.all()}


async def pending_invites(session: AsyncSession, survey_id: int) -> Sequence[SurveyInvite]:
    result = await session.execute(
        select(SurveyInvite).where(
            SurveyInvite.survey_id == survey_id, SurveyInvite.state == InviteState.PENDING
        )
    )
    return result.scalars().all()


async def get_answer(session: AsyncSession, survey_id: int, user_id: int) -> SurveyAnswer | None:
    result = await session.execute(
        select(SurveyAnswer).where(SurveyAnswer.survey_id == survey_id, SurveyAnswer.user_id == user_id)
    )
    return result.scalar_one_or_none()


async def get_partnership_answer(
    session: AsyncSession, survey_id: int, user_id: int, partnership_id: int
) -> SurveyPartnershipAnswer | None:
    result = await session.execute(
        select(SurveyPartnershipAnswer).where(
            SurveyPartnershipAnswer.survey_id == survey_id,
            SurveyPartnershipAnswer.user_id == user_id,
            SurveyPartnershipAnswer.partnership_id == partnership_id,
        )
    )
    return result.scalar_one_or_none()


async def answers_of(session: AsyncSession, survey_id: int) -> Sequence[SurveyAnswer]:
    result = await session.execute(select(SurveyAnswer).where(SurveyAnswer.survey_id == survey_id))
    return result.scalars().all()


async def stars_of(session: AsyncSession, survey_id: int) -> list[int]:
    result = await session.execute(
        select(SurveyPartnershipAnswer.stars).where(SurveyPartnershipAnswer.survey_id == survey_id)
    )
    return [int(stars) for stars in result.scalars()]


# -- a member's data ------------------------------------------------------------------------------


def _guild_surveys(guild_id: int) -> Any:
    return select(Survey.id).where(Survey.guild_id == guild_id)


async def member_data(session: AsyncSession, guild_id: int, user_id: int) -> dict[str, Any]:
    member = await get_member(session, guild_id, user_id)
    found = await session.execute(select(Survey.id, Survey.number).where(Survey.guild_id == guild_id))
    numbers: dict[int, int] = {int(row[0]): int(row[1]) for row in found.all()}
    surveys = list(numbers)
    invites = (
        (
            await session.execute(
                select(SurveyInvite).where(
                    SurveyInvite.survey_id.in_(surveys), SurveyInvite.user_id == user_id
                )
            )
        )
        .scalars()
        .all()
    )
    answers = (
        (
            await session.execute(
                select(SurveyAnswer).where(
                    SurveyAnswer.survey_id.in_(surveys), SurveyAnswer.user_id == user_id
                )
            )
        )
        .scalars()
        .all()
    )
    ratings = (
        (
            await session.execute(
                select(SurveyPartnershipAnswer).where(
                    SurveyPartnershipAnswer.survey_id.in_(surveys), SurveyPartnershipAnswer.user_id == user_id
                )
            )
        )
        .scalars()
        .all()
    )
    return {
        "opted_in": None
        if member is None
        else {"since": member.created_at.isoformat(), "locale": member.locale},
        "invitations": [{"survey": numbers[i.survey_id], "state": i.state} for i in invites],
        "answers": [
            {
                "survey": numbers[a.survey_id],
                "score": a.score,
                "comment": a.comment,
                "answered_at": a.answered_at.isoformat(),
            }
            for a in answers
        ],
        "partnership_answers": [
            {
                "survey": numbers[r.survey_id],
                "partnership": r.partnership_id,
                "stars": r.stars,
                "answered_at": r.answered_at.isoformat(),
            }
            for r in ratings
        ],
    }


async def erase_member(session: AsyncSession, guild_id: int, user_id: int) -> int:
    removed = 0
    surveys = _guild_surveys(guild_id)
    for table in (SurveyAnswer, SurveyPartnershipAnswer, SurveyInvite):
        result = await session.execute(
            delete(table).where(table.survey_id.in_(surveys), table.user_id == user_id)  # type: ignore[attr-defined]
        )
        removed += int(result.rowcount or 0)  # type: ignore[attr-defined]
    result = await session.execute(
        delete(SurveyMember).where(SurveyMember.guild_id == guild_id, SurveyMember.user_id == user_id)
    )
    return removed + int(result.rowcount or 0)  # type: ignore[attr-defined]

"""What check-ins add to the dashboard: check-ins done and missed in a period, groups quiet now,
and the members who answered."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from bot.checkins.models import Checkin, CheckinAnswer, CheckinState, CheckinSubject
from bot.db import Database
from bot.stats import PeriodStats, StatsProvider


def checkin_stats(database: Database) -> StatsProvider:
    async def stats(guild_id: int, start: datetime, end: datetime) -> PeriodStats:
        closed_in_period = (Checkin.guild_id == guild_id, Checkin.closed_at >= start, Checkin.closed_at < end)
        async with database.session() as session:
            by_state = dict(
                (
                    await session.execute(
                        select(Checkin.state, func.count()).where(*closed_in_period).group_by(Checkin.state)
                    )
                ).all()
            )
            quiet = await session.scalar(
                select(func.count()).where(
                    CheckinSubject.guild_id == guild_id,
                    CheckinSubject.ended_at.is_(None),
                    CheckinSubject.quiet_checkin_id.is_not(None),
                )
            )
            answered = await session.scalars(
                select(CheckinAnswer.user_id).where(
                    CheckinAnswer.guild_id == guild_id,
                    CheckinAnswer.answered_at >= start,
                    CheckinAnswer.answered_at < end,
                    CheckinAnswer.user_id.is_not(None),
                )
            )
            members = frozenset(int(user_id) for user_id in answered)
        return PeriodStats(
            {
                "checkins_done": int(by_state.get(CheckinState.DONE, 0)),
                "checkins_missed": int(by_state.get(CheckinState.MISSED, 0)),
                "quiet_groups": int(quiet or 0),
            },
            members,
        )

    return stats

"""What pen pals add to the dashboard: who joined and took part, from where, in which languages,
and how many pairs were made and connected."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select

from bot.db import Database
from bot.penpal.models import CheckIn, PenpalGroup, PenpalGroupMember, PenpalProfile, PenpalRound
from bot.stats import PeriodStats, StatsProvider


def penpal_stats(database: Database) -> StatsProvider:
    async def stats(guild_id: int, start: datetime, end: datetime) -> PeriodStats:
        joined_in_period = (
            PenpalProfile.guild_id == guild_id,
            PenpalProfile.created_at >= start,
            PenpalProfile.created_at < end,
        )
        in_rounds_of_period = (
            select(PenpalGroup.id, PenpalGroupMember.user_id, PenpalGroupMember.connected)
            .join(PenpalRound, PenpalRound.id == PenpalGroup.round_id)
            .join(PenpalGroupMember, PenpalGroupMember.group_id == PenpalGroup.id)
            .where(PenpalRound.guild_id == guild_id, PenpalRound.ran_at >= start, PenpalRound.ran_at < end)
        )
        async with database.session() as session:
            new = frozenset(
                int(user_id)
                for user_id in await session.scalars(select(PenpalProfile.user_id).where(*joined_in_period))
            )
            groups: set[int] = set()
            connected: set[int] = set()
            paired: set[int] = set()
            for group_id, user_id, answer in await session.execute(in_rounds_of_period):
                groups.add(group_id)
                paired.add(int(user_id))
                if answer == CheckIn.YES:
                    connected.add(group_id)
            paired_ids = in_rounds_of_period.with_only_columns(PenpalGroupMember.user_id).scalar_subquery()
            where = await session.execute(
                select(PenpalProfile.country, PenpalProfile.languages).where(
                    PenpalProfile.guild_id == guild_id,
                    or_(and_(*joined_in_period), PenpalProfile.user_id.in_(paired_ids)),
                )
            )
            countries: set[str] = set()
            languages: set[str] = set()
            for country, spoken in where:
                if country:
                    countries.add(country)
                languages.update(spoken or [])
        return PeriodStats(
            {"pairs_made": len(groups), "pairs_connected": len(connected)},
            new | frozenset(paired),
            new,
            frozenset(countries),
            frozenset(languages),
        )

    return stats

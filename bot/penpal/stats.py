"""What pen pals add to the dashboard: who joined and took part, from where, in which languages,
and how many pairs were made and connected."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, distinct, func, or_, select

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
            select(PenpalGroupMember.user_id)
            .join(PenpalGroup, PenpalGroup.id == PenpalGroupMember.group_id)
            .join(PenpalRound, PenpalRound.id == PenpalGroup.round_id)
            .where(PenpalRound.guild_id == guild_id, PenpalRound.ran_at >= start, PenpalRound.ran_at < end)
        )
        # Counted by the database: a year of rounds is tens of thousands of rows, too many to walk
        # in the event loop's thread.
        groups = func.count(distinct(PenpalGroup.id))
        connected = func.count(distinct(case((PenpalGroupMember.connected == CheckIn.YES, PenpalGroup.id))))
        async with database.session() as session:
            new = frozenset(
                int(user_id)
                for user_id in await session.scalars(select(PenpalProfile.user_id).where(*joined_in_period))
            )
            made, connected_groups = (
                await session.execute(in_rounds_of_period.with_only_columns(groups, connected))
            ).one()
            paired = frozenset(
                int(user_id) for user_id in await session.scalars(in_rounds_of_period.distinct())
            )
            where = await session.execute(
                select(PenpalProfile.country, PenpalProfile.languages).where(
                    PenpalProfile.guild_id == guild_id,
                    or_(
                        and_(*joined_in_period),
                        PenpalProfile.user_id.in_(in_rounds_of_period.scalar_subquery()),
                    ),
                )
            )
            countries: set[str] = set()
            languages: set[str] = set()
            for country, spoken in where:
                if country:
                    countries.add(country)
                languages.update(spoken or [])
        return PeriodStats(
            {"pairs_made": int(made or 0), "pairs_connected": int(connected_groups or 0)},
            new | paired,
            new,
            frozenset(countries),
            frozenset(languages),
        )

    return stats

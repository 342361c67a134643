"""What seeking a sister tells the dashboard about a period: posts put up and fits found."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from bot.db import Database
from bot.seeking.models import SeekingFit, SeekingPost
from bot.stats import PeriodStats, StatsProvider


def seeking_stats(database: Database) -> StatsProvider:
    """Figures ``seeking_posts`` (open posts put up or renewed in the period; withdrawn ones are
    gone) and ``seeking_fits`` (pairs found in the period); the posters are active members, their
    countries and languages are represented."""

    async def stats(guild_id: int, start: datetime, end: datetime) -> PeriodStats:
        posted = (
            SeekingPost.guild_id == guild_id,
            SeekingPost.updated_at >= start,
            SeekingPost.updated_at < end,
        )
        found = (SeekingFit.guild_id == guild_id, SeekingFit.created_at >= start, SeekingFit.created_at < end)
        async with database.session() as session:
            posts = list(
                await session.execute(
                    select(SeekingPost.user_id, SeekingPost.country, SeekingPost.languages).where(*posted)
                )
            )
            fits = await session.scalar(select(func.count()).select_from(SeekingFit).where(*found)) or 0
        return PeriodStats(
            {"seeking_posts": len(posts), "seeking_fits": fits},
            active_members=frozenset(user_id for user_id, _country, _languages in posts),
            countries=frozenset(country for _user, country, _languages in posts),
            languages=frozenset(code for _user, _country, languages in posts for code in languages),
        )

    return stats

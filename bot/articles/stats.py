"""What articles add to the dashboard: shares and saves in a period, and who made them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from bot.articles.models import Article, ArticleSave
from bot.db import Database
from bot.stats import PeriodStats, StatsProvider


def article_stats(database: Database) -> StatsProvider:
    async def stats(guild_id: int, start: datetime, end: datetime) -> PeriodStats:
        shared = (Article.guild_id == guild_id, Article.created_at >= start, Article.created_at < end)
        saved = (
            ArticleSave.guild_id == guild_id,
            ArticleSave.created_at >= start,
            ArticleSave.created_at < end,
        )
        async with database.session() as session:
            shares = await session.scalar(select(func.count()).select_from(Article).where(*shared)) or 0
            saves = await session.scalar(select(func.count()).select_from(ArticleSave).where(*saved)) or 0
            sharers = await session.scalars(
                select(Article.sharer_id).where(*shared, Article.sharer_id.is_not(None)).distinct()
            )
            savers = await session.scalars(select(ArticleSave.user_id).where(*saved).distinct())
            members = frozenset(int(m) for m in sharers if m is not None) | frozenset(int(m) for m in savers)
            languages = await session.scalars(
                select(Article.language).where(*shared, Article.language.is_not(None)).distinct()
            )
            codes = frozenset(code.split("-")[0].lower() for code in languages if code)
        return PeriodStats({"articles_shared": shares, "articles_saved": saves}, members, languages=codes)

    return stats

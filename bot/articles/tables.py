"""Articles in the moderators' export: every article with its tags, votes and saves counted."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.articles.models import Article, ArticleSave, ArticleTag, ArticleVote
from bot.db import Database
from bot.tables import CsvTable, TablesProvider


def article_tables(database: Database) -> TablesProvider:
    async def tables(guild_id: int) -> list[CsvTable]:
        votes = (
            select(ArticleVote.article_id, func.count().label("n"))
            .group_by(ArticleVote.article_id)
            .subquery()
        )
        saves = (
            select(ArticleSave.article_id, func.count().label("n"))
            .group_by(ArticleSave.article_id)
            .subquery()
        )
        async with database.session() as session:
            rows = await session.execute(
                select(Article, func.coalesce(votes.c.n, 0), func.coalesce(saves.c.n, 0))
                .outerjoin(votes, votes.c.article_id == Article.id)
                .outerjoin(saves, saves.c.article_id == Article.id)
                .where(Article.guild_id == guild_id)
                .order_by(Article.id)
            )
            articles = list(rows)
            tags: dict[int, list[str]] = {}
            for article_id, tag in await session.execute(
                select(ArticleTag.article_id, ArticleTag.tag).where(ArticleTag.guild_id == guild_id)
            ):
                tags.setdefault(article_id, []).append(tag)
        return [
            CsvTable(
                "articles",
                (
                    "id",
                    "url",
                    "title",
                    "site",
                    "language",
                    "sharer_id",
                    "shared_at",
                    "removed_at",
                    "tags",
                    "votes",
                    "saves",
                ),
                [
                    (
                        a.id,
                        a.url,
                        a.title,
                        a.site_name,
                        a.language,
                        a.sharer_id,
                        a.created_at,
                        a.removed_at,
                        sorted(tags.get(a.id, [])),
                        n_votes,
                        n_saves,
                    )
                    for a, n_votes, n_saves in articles
                ],
            )
        ]

    return tables

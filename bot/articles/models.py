"""Article tables: shared articles per server, their tags, votes (second shares) and reading lists.

Full-text search lives beside the tables, not in the models: on SQLite an FTS5 table with the
``trigram`` tokenizer (Chinese has no spaces to split words on) kept in step by triggers, on
PostgreSQL a stored generated ``tsvector`` column and GIN indexes (on it, and ``pg_trgm``). The
same statements run in the migrations and, for tests that build the schema with ``create_all``,
after the table is created.
Their names start with :data:`SEARCH_INDEX_PREFIX`, which tells autogenerate to leave them alone.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    DDL,
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base

SEARCH_INDEX_PREFIX = "articles_fts"

SQLITE_SEARCH_DDL: tuple[str, ...] = (
    "CREATE VIRTUAL TABLE articles_fts USING fts5("
    "search_text, content='articles', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN "
    "INSERT INTO articles_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER articles_fts_update AFTER UPDATE OF search_text ON articles BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO articles_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
)
POSTGRES_SEARCH_DDL: tuple[str, ...] = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # Stored, so searching reads each article's words instead of recomputing them (migration 0008).
    "ALTER TABLE articles ADD COLUMN articles_fts_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED",
    "CREATE INDEX articles_fts_vector_words ON articles USING gin (articles_fts_vector)",
    "CREATE INDEX articles_fts_trigrams ON articles USING gin (search_text gin_trgm_ops)",
)


class Article(Base):
    __tablename__ = "articles"
    __table_args__ = (
        UniqueConstraint("guild_id", "url"),
        Index("ix_articles_guild_id_created_at", "guild_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    url: Mapped[str] = mapped_column(String(2048))  # canonical: one row per article per server
    title: Mapped[str] = mapped_column(String(256))
    description: Mapped[str | None] = mapped_column(Text)
    site_name: Mapped[str | None] = mapped_column(String(256))
    language: Mapped[str | None] = mapped_column(String(35))
    image_url: Mapped[str | None] = mapped_column(String(2048))
    # None once the sharer asked to be forgotten: the article stays, who shared it does not.
    sharer_id: Mapped[int | None] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(Text)
    channel_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    # Title, description, site, note and tags in one column, which the search indexes read.
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    removed_at: Mapped[datetime | None]


class ArticleTag(Base):
    __tablename__ = "article_tags"
    __table_args__ = (
        UniqueConstraint("article_id", "tag"),
        Index("ix_article_tags_guild_id_tag", "guild_id", "tag"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    guild_id: Mapped[int] = mapped_column(BigInteger)
    tag: Mapped[str] = mapped_column(String(40))


class ArticleVote(Base):
    """A later share of an article already posted; user None once the voter was forgotten."""

    __tablename__ = "article_votes"
    __table_args__ = (UniqueConstraint("article_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class ArticleSave(Base):
    """An article on a member's reading list."""

    __tablename__ = "article_saves"
    __table_args__ = (
        UniqueConstraint("article_id", "user_id"),
        Index("ix_article_saves_guild_id_user_id", "guild_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    guild_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class ArticleSettings(Base):
    __tablename__ = "article_settings"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    channel_id: Mapped[int | None] = mapped_column(BigInteger)
    # The weekly digest, in the server's time zone; no weekday means no digest.
    digest_weekday: Mapped[int | None] = mapped_column(Integer)  # 0 = Monday
    digest_hour: Mapped[int] = mapped_column(Integer, default=9)
    updated_at: Mapped[datetime]


class ArticleFeed(Base):
    """A partner's newsletter feed, polled on the scheduler (see bot.articles.feeds)."""

    __tablename__ = "article_feeds"
    __table_args__ = (UniqueConstraint("guild_id", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    url: Mapped[str] = mapped_column(String(2048))
    channel_id: Mapped[int | None] = mapped_column(BigInteger)  # None: the articles channel
    title: Mapped[str | None] = mapped_column(String(256))
    etag: Mapped[str | None] = mapped_column(String(512))
    last_modified: Mapped[str | None] = mapped_column(String(128))
    # The item ids already seen, newest first; None before the first poll.
    seen_ids: Mapped[list[str] | None] = mapped_column(JSON)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(64))
    next_poll_at: Mapped[datetime]
    added_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


for _statement in SQLITE_SEARCH_DDL:
    event.listen(Article.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in POSTGRES_SEARCH_DDL:
    event.listen(Article.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql"))

"""articles shared per server, their tags, votes and reading lists, with full-text search

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 04:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Copied from bot.articles.models on purpose: a migration must keep running as the app moves on.
SQLITE_SEARCH = (
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
POSTGRES_SEARCH = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX articles_fts_words ON articles USING gin (to_tsvector('simple', search_text))",
    "CREATE INDEX articles_fts_trigrams ON articles USING gin (search_text gin_trgm_ops)",
)


def upgrade() -> None:
    op.create_table(
        "article_settings",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", name=op.f("pk_article_settings")),
    )
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("title", sa.String(length=256), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("site_name", sa.String(length=256), nullable=True),
        sa.Column("language", sa.String(length=35), nullable=True),
        sa.Column("image_url", sa.String(length=2048), nullable=True),
        sa.Column("sharer_id", sa.BigInteger(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_articles")),
        sa.UniqueConstraint("guild_id", "url", name=op.f("uq_articles_guild_id_url")),
    )
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.create_index("ix_articles_guild_id_created_at", ["guild_id", "created_at"], unique=False)

    op.create_table(
        "article_saves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_saves_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_saves")),
        sa.UniqueConstraint("article_id", "user_id", name=op.f("uq_article_saves_article_id_user_id")),
    )
    with op.batch_alter_table("article_saves", schema=None) as batch_op:
        batch_op.create_index("ix_article_saves_guild_id_user_id", ["guild_id", "user_id"], unique=False)

    op.create_table(
        "article_tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_tags_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_tags")),
        sa.UniqueConstraint("article_id", "tag", name=op.f("uq_article_tags_article_id_tag")),
    )
    with op.batch_alter_table("article_tags", schema=None) as batch_op:
        batch_op.create_index("ix_article_tags_guild_id_tag", ["guild_id", "tag"], unique=False)

    op.create_table(
        "article_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_votes_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_votes")),
        sa.UniqueConstraint("article_id", "user_id", name=op.f("uq_article_votes_article_id_user_id")),
    )
    with op.batch_alter_table("article_votes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_article_votes_article_id"), ["article_id"], unique=False)

    dialect = op.get_bind().dialect.name
    for statement in (
        SQLITE_SEARCH if dialect == "sqlite" else POSTGRES_SEARCH if dialect == "postgresql" else ()
    ):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS articles_fts")  # its triggers go with the articles table
    with op.batch_alter_table("article_votes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_votes_article_id"))
    op.drop_table("article_votes")
    with op.batch_alter_table("article_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_article_tags_guild_id_tag")
    op.drop_table("article_tags")
    with op.batch_alter_table("article_saves", schema=None) as batch_op:
        batch_op.drop_index("ix_article_saves_guild_id_user_id")
    op.drop_table("article_saves")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index("ix_articles_guild_id_created_at")
    op.drop_table("articles")
    op.drop_table("article_settings")

"""articles: a stored tsvector column for PostgreSQL search

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 05:20:00.000000

PostgreSQL recomputed ``to_tsvector`` for every match twice (checking it and ranking it), which
dominated searches for common words; a stored generated column computes it once per write. The
name starts with ``articles_fts`` so autogenerate leaves it alone, like the other search indexes.
SQLite is untouched: FTS5 keeps its own index.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "ALTER TABLE articles ADD COLUMN articles_fts_vector tsvector "
        "GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED"
    )
    op.execute("CREATE INDEX articles_fts_vector_words ON articles USING gin (articles_fts_vector)")
    op.execute("DROP INDEX IF EXISTS articles_fts_words")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE INDEX articles_fts_words ON articles USING gin (to_tsvector('simple', search_text))")
    op.execute("DROP INDEX IF EXISTS articles_fts_vector_words")
    op.execute("ALTER TABLE articles DROP COLUMN IF EXISTS articles_fts_vector")

"""seeking a sister

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 09:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "seeking_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("library", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("language_key", sa.String(length=64), nullable=False),
        sa.Column("offer", sa.Text(), nullable=False),
        sa.Column("hope", sa.Text(), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seeking_posts")),
        sa.UniqueConstraint("guild_id", "user_id", name=op.f("uq_seeking_posts_guild_id_user_id")),
    )
    op.create_index("ix_seeking_posts_guild_id_country", "seeking_posts", ["guild_id", "country"])
    op.create_table(
        "seeking_fits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("user_a", sa.BigInteger(), nullable=False),
        sa.Column("user_b", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("told_a_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("told_b_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seeking_fits")),
        sa.UniqueConstraint(
            "guild_id", "user_a", "user_b", name=op.f("uq_seeking_fits_guild_id_user_a_user_b")
        ),
    )
    op.create_index(op.f("ix_seeking_fits_user_a"), "seeking_fits", ["user_a"])
    op.create_index(op.f("ix_seeking_fits_user_b"), "seeking_fits", ["user_b"])


def downgrade() -> None:
    op.drop_index(op.f("ix_seeking_fits_user_b"), table_name="seeking_fits")
    op.drop_index(op.f("ix_seeking_fits_user_a"), table_name="seeking_fits")
    op.drop_table("seeking_fits")
    op.drop_index("ix_seeking_posts_guild_id_country", table_name="seeking_posts")
    op.drop_table("seeking_posts")

"""scheduled announcements, and the publish queue of announcement channels

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 09:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "announce_publishes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("slot_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('queued', 'publishing', 'published', 'failed')",
            name=op.f("ck_announce_publishes_state"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announce_publishes")),
        sa.UniqueConstraint("message_id", name=op.f("uq_announce_publishes_message_id")),
    )
    op.create_index(
        "ix_announce_publishes_channel_id_started_at",
        "announce_publishes",
        ["channel_id", "started_at"],
        unique=False,
    )
    op.create_table(
        "scheduled_announcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("post_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('scheduled', 'posted', 'failed', 'cancelled')",
            name=op.f("ck_scheduled_announcements_state"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_announcements")),
    )
    op.create_index(
        "ix_scheduled_announcements_guild_id_post_at",
        "scheduled_announcements",
        ["guild_id", "post_at"],
        unique=False,
    )
    op.create_index(
        "ix_scheduled_announcements_author_id", "scheduled_announcements", ["author_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_scheduled_announcements_author_id", table_name="scheduled_announcements")
    op.drop_index("ix_scheduled_announcements_guild_id_post_at", table_name="scheduled_announcements")
    op.drop_table("scheduled_announcements")
    op.drop_index("ix_announce_publishes_channel_id_started_at", table_name="announce_publishes")
    op.drop_table("announce_publishes")

"""partnerships: proposals, moderators' decisions, members, news and per-server settings

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 09:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "partner_settings",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("announce_channel_id", sa.BigInteger(), nullable=True),
        sa.Column("quiet_days", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", name=op.f("pk_partner_settings")),
    )
    op.create_table(
        "partnerships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("our_library", sa.String(length=200), nullable=False),
        sa.Column("our_country", sa.String(length=2), nullable=True),
        sa.Column("partner_library", sa.String(length=200), nullable=False),
        sa.Column("partner_country", sa.String(length=2), nullable=False),
        sa.Column("partner_city", sa.String(length=100), nullable=False),
        sa.Column("goals", sa.Text(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("photo_url", sa.String(length=1024), nullable=True),
        sa.Column("proposer_id", sa.BigInteger(), nullable=True),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("queue_message_id", sa.BigInteger(), nullable=True),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("announce_channel_id", sa.BigInteger(), nullable=True),
        sa.Column("announce_message_id", sa.BigInteger(), nullable=True),
        sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("quiet_flagged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partnerships")),
    )
    op.create_index("ix_partnerships_guild_id_status", "partnerships", ["guild_id", "status"])
    op.create_table(
        "partnership_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_partnership_members_partnership_id_partnerships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partnership_members")),
        sa.UniqueConstraint(
            "partnership_id", "user_id", name=op.f("uq_partnership_members_partnership_id_user_id")
        ),
    )
    op.create_index(op.f("ix_partnership_members_user_id"), "partnership_members", ["user_id"], unique=False)
    op.create_table(
        "partnership_news",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("photo_url", sa.String(length=1024), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_partnership_news_partnership_id_partnerships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partnership_news")),
    )
    op.create_index(
        op.f("ix_partnership_news_partnership_id"), "partnership_news", ["partnership_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_partnership_news_partnership_id"), table_name="partnership_news")
    op.drop_table("partnership_news")
    op.drop_index(op.f("ix_partnership_members_user_id"), table_name="partnership_members")
    op.drop_table("partnership_members")
    op.drop_index("ix_partnerships_guild_id_status", table_name="partnerships")
    op.drop_table("partnerships")
    op.drop_table("partner_settings")

"""pen-pal profiles, rounds and groups

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 10:27:14.625695
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "penpal_avoids",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("avoided_user_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_penpal_avoids")),
        sa.UniqueConstraint(
            "guild_id",
            "user_id",
            "avoided_user_id",
            name=op.f("uq_penpal_avoids_guild_id_user_id_avoided_user_id"),
        ),
    )
    op.create_table(
        "penpal_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("display_name", sa.String(length=80), nullable=False),
        sa.Column("library", sa.String(length=200), nullable=False),
        sa.Column("intro", sa.Text(), nullable=False),
        sa.Column("interests", sa.JSON(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("availability", sa.String(length=32), nullable=True),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("paused_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("silent_rounds", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_penpal_profiles")),
        sa.UniqueConstraint("guild_id", "user_id", name=op.f("uq_penpal_profiles_guild_id_user_id")),
    )
    with op.batch_alter_table("penpal_profiles", schema=None) as batch_op:
        batch_op.create_index("ix_penpal_profiles_guild_id_status", ["guild_id", "status"], unique=False)

    op.create_table(
        "penpal_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ran_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_penpal_rounds")),
        sa.UniqueConstraint(
            "guild_id", "scheduled_for", name=op.f("uq_penpal_rounds_guild_id_scheduled_for")
        ),
    )
    op.create_table(
        "penpal_settings",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("cadence", sa.String(length=16), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("no_repeat_rounds", sa.Integer(), nullable=False),
        sa.Column("next_round_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", name=op.f("pk_penpal_settings")),
    )
    op.create_table(
        "penpal_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["penpal_rounds.id"],
            name=op.f("fk_penpal_groups_round_id_penpal_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_penpal_groups")),
    )
    with op.batch_alter_table("penpal_groups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_penpal_groups_round_id"), ["round_id"], unique=False)

    op.create_table(
        "penpal_round_skips",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["penpal_rounds.id"],
            name=op.f("fk_penpal_round_skips_round_id_penpal_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_penpal_round_skips")),
        sa.UniqueConstraint("round_id", "user_id", name=op.f("uq_penpal_round_skips_round_id_user_id")),
    )
    op.create_table(
        "penpal_group_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("connected", sa.String(length=16), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["penpal_groups.id"],
            name=op.f("fk_penpal_group_members_group_id_penpal_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_penpal_group_members")),
        sa.UniqueConstraint("group_id", "user_id", name=op.f("uq_penpal_group_members_group_id_user_id")),
    )
    with op.batch_alter_table("penpal_group_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_penpal_group_members_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("penpal_group_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_penpal_group_members_user_id"))

    op.drop_table("penpal_group_members")
    op.drop_table("penpal_round_skips")
    with op.batch_alter_table("penpal_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_penpal_groups_round_id"))

    op.drop_table("penpal_groups")
    op.drop_table("penpal_settings")
    op.drop_table("penpal_rounds")
    with op.batch_alter_table("penpal_profiles", schema=None) as batch_op:
        batch_op.drop_index("ix_penpal_profiles_guild_id_status")

    op.drop_table("penpal_profiles")
    op.drop_table("penpal_avoids")

"""programme pauses per server, and members left out of pen-pal pairing

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 10:40:00.000000

A server can pause one programme (or all, feature "*"); its jobs there are deferred until resumed.
A moderator can leave a member out of every future pen-pal round until undone.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "programme_pauses",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("feature", sa.String(length=64), nullable=False),
        sa.Column("paused_by", sa.BigInteger(), nullable=True),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("guild_id", "feature", name=op.f("pk_programme_pauses")),
    )
    op.create_table(
        "penpal_pairing_bans",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("banned_by", sa.BigInteger(), nullable=True),
        sa.Column("banned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "user_id", name=op.f("pk_penpal_pairing_bans")),
    )


def downgrade() -> None:
    op.drop_table("penpal_pairing_bans")
    op.drop_table("programme_pauses")

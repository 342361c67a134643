"""pen-pal rounds as durable units: schedule generation, unmatched members, thread intent

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 03:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("penpal_settings") as batch:
        batch.add_column(sa.Column("schedule_generation", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("penpal_rounds") as batch:
        batch.add_column(sa.Column("unmatched", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("penpal_groups") as batch:
        batch.add_column(sa.Column("thread_requested_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("penpal_groups") as batch:
        batch.drop_column("thread_requested_at")
    with op.batch_alter_table("penpal_rounds") as batch:
        batch.drop_column("unmatched")
    with op.batch_alter_table("penpal_settings") as batch:
        batch.drop_column("schedule_generation")

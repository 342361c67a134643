"""pen-pal settings: how hard matching pushes for cross-border partners

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 04:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("penpal_settings") as batch:
        batch.add_column(
            sa.Column("cross_border", sa.String(length=16), nullable=False, server_default="strict")
        )


def downgrade() -> None:
    with op.batch_alter_table("penpal_settings") as batch:
        batch.drop_column("cross_border")

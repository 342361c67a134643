"""guild settings: how many days a departed member's data is kept

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 09:50:00.000000

A member who leaves a server has their data erased this many days later (0: at once), unless
they come back first. Existing servers get the default of 30 days.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("guild_settings") as batch:
        batch.add_column(sa.Column("leaver_retention_days", sa.Integer(), nullable=False, server_default="30"))


def downgrade() -> None:
    with op.batch_alter_table("guild_settings") as batch:
        batch.drop_column("leaver_retention_days")

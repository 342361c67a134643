"""article settings: the weekly digest's day and hour

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 04:55:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("article_settings") as batch:
        batch.add_column(sa.Column("digest_weekday", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("digest_hour", sa.Integer(), nullable=False, server_default="9"))


def downgrade() -> None:
    with op.batch_alter_table("article_settings") as batch:
        batch.drop_column("digest_hour")
        batch.drop_column("digest_weekday")

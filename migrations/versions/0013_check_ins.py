"""check ins: recurring check-ins for any feature's groups, their answers and quiet marks

Pen-pal answers given before this revision stay where they are (``penpal_group_members``):
pen pals keep counting "connected" there, and check-ins report each answer to them.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 09:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "checkin_settings",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("every_weeks", sa.Integer(), nullable=False),
        sa.Column("missed_before_quiet", sa.Integer(), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", name=op.f("pk_checkin_settings")),
    )
    op.create_table(
        "checkin_subjects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=True),
        sa.Column("every_weeks", sa.Integer(), nullable=True),
        sa.Column("anchor_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("missed_in_row", sa.Integer(), nullable=False),
        sa.Column("quiet_checkin_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_subjects")),
        sa.UniqueConstraint("kind", "subject_id", name=op.f("uq_checkin_subjects_kind_subject_id")),
    )
    with op.batch_alter_table("checkin_subjects", schema=None) as batch_op:
        batch_op.create_index("ix_checkin_subjects_guild_id_ended_at", ["guild_id", "ended_at"], unique=False)
        batch_op.create_index("ix_checkin_subjects_thread_id", ["thread_id"], unique=False)

    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_row_id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("snoozed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("snoozes", sa.Integer(), nullable=False),
        sa.Column("help_requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["subject_row_id"],
            ["checkin_subjects.id"],
            name=op.f("fk_checkins_subject_row_id_checkin_subjects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkins")),
        sa.UniqueConstraint("subject_row_id", "due_at", name=op.f("uq_checkins_subject_row_id_due_at")),
    )
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkins_guild_id"), ["guild_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_checkins_subject_row_id"), ["subject_row_id"], unique=False)

    op.create_table(
        "checkin_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checkin_id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("answer", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkin_id"],
            ["checkins.id"],
            name=op.f("fk_checkin_answers_checkin_id_checkins"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_answers")),
    )
    with op.batch_alter_table("checkin_answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkin_answers_checkin_id"), ["checkin_id"], unique=False)
        batch_op.create_index("ix_checkin_answers_guild_id_user_id", ["guild_id", "user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("checkin_answers", schema=None) as batch_op:
        batch_op.drop_index("ix_checkin_answers_guild_id_user_id")
        batch_op.drop_index(batch_op.f("ix_checkin_answers_checkin_id"))

    op.drop_table("checkin_answers")
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkins_subject_row_id"))
        batch_op.drop_index(batch_op.f("ix_checkins_guild_id"))

    op.drop_table("checkins")
    with op.batch_alter_table("checkin_subjects", schema=None) as batch_op:
        batch_op.drop_index("ix_checkin_subjects_thread_id")
        batch_op.drop_index("ix_checkin_subjects_guild_id_ended_at")

    op.drop_table("checkin_subjects")
    op.drop_table("checkin_settings")

"""Check-ins in the moderators' export: each check-in with what its group answered."""

from __future__ import annotations

from sqlalchemy import select

from bot.checkins.models import Checkin, CheckinAnswer, CheckinSubject
from bot.db import Database
from bot.tables import CsvTable, TablesProvider

COLUMNS = ("id", "subject_kind", "subject_id", "due_at", "state", "snoozes", "help_requested_at", "answers")


def checkin_tables(database: Database) -> TablesProvider:
    async def tables(guild_id: int) -> list[CsvTable]:
        async with database.session() as session:
            checkins = await session.execute(
                select(Checkin, CheckinSubject.kind, CheckinSubject.subject_id)
                .join(CheckinSubject, CheckinSubject.id == Checkin.subject_row_id)
                .where(Checkin.guild_id == guild_id)
                .order_by(Checkin.id)
            )
            rows = list(checkins)
            answers: dict[int, list[str]] = {}
            for checkin_id, answer in await session.execute(
                select(CheckinAnswer.checkin_id, CheckinAnswer.answer)
                .where(CheckinAnswer.guild_id == guild_id)
                .order_by(CheckinAnswer.id)
            ):
                answers.setdefault(checkin_id, []).append(answer)
        return [
            CsvTable(
                "checkins",
                COLUMNS,
                [
                    (
                        c.id,
                        kind,
                        subject_id,
                        c.due_at,
                        c.state,
                        c.snoozes,
                        c.help_requested_at,
                        answers.get(c.id, []),
                    )
                    for c, kind, subject_id in rows
                ],
            )
        ]

    return tables

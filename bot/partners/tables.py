"""Partnerships in the moderators' export: one row each, with its members by side."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.db import Database
from bot.partners.models import Partnership, Side
from bot.tables import CsvTable, TablesProvider

COLUMNS = (
    "id",
    "status",
    "kind",
    "our_library",
    "our_country",
    "partner_library",
    "partner_country",
    "partner_city",
    "start_date",
    "goals",
    "our_member_ids",
    "partner_member_ids",
    "proposed_at",
    "ended_at",
)


def partnership_tables(database: Database) -> TablesProvider:
    async def tables(guild_id: int) -> list[CsvTable]:
        async with database.session() as session:
            rows = (
                await session.scalars(
                    select(Partnership)
                    .where(Partnership.guild_id == guild_id)
                    .options(selectinload(Partnership.members))
                    .order_by(Partnership.id)
                )
            ).all()
            table = CsvTable(
                "partnerships",
                COLUMNS,
                [
                    (
                        p.id,
                        p.status,
                        p.kind,
                        p.our_library,
                        p.our_country,
                        p.partner_library,
                        p.partner_country,
                        p.partner_city,
                        p.start_date,
                        p.goals,
                        sorted(m.user_id for m in p.members if m.side == Side.OURS),
                        sorted(m.user_id for m in p.members if m.side != Side.OURS),
                        p.created_at,
                        p.ended_at,
                    )
                    for p in rows
                ],
            )
        return [table]

    return tables

"""What partnerships add to the dashboard: partnerships active and new in a period, the members
who proposed or posted news, and the countries the partnerships join."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select

from bot.db import Database
from bot.partners.models import Partnership, PartnershipNews, Status
from bot.stats import PeriodStats, StatsProvider

# Statuses a partnership has once moderators approved it.
APPROVED = (Status.ACTIVE, Status.ENDED)


def partnership_stats(database: Database) -> StatsProvider:
    async def stats(guild_id: int, start: datetime, end: datetime) -> PeriodStats:
        approved_by_end = and_(
            Partnership.guild_id == guild_id,
            Partnership.status.in_(APPROVED),
            Partnership.decided_at < end,
        )
        running = and_(approved_by_end, or_(Partnership.ended_at.is_(None), Partnership.ended_at >= start))
        async with database.session() as session:
            active = list(
                await session.execute(
                    select(
                        Partnership.id,
                        Partnership.decided_at,
                        Partnership.our_country,
                        Partnership.partner_country,
                    ).where(running)
                )
            )
            proposers = await session.scalars(
                select(Partnership.proposer_id).where(
                    Partnership.guild_id == guild_id,
                    Partnership.created_at >= start,
                    Partnership.created_at < end,
                    Partnership.proposer_id.is_not(None),
                )
            )
            authors = await session.scalars(
                select(PartnershipNews.author_id)
                .join(Partnership, Partnership.id == PartnershipNews.partnership_id)
                .where(
                    Partnership.guild_id == guild_id,
                    PartnershipNews.created_at >= start,
                    PartnershipNews.created_at < end,
                    PartnershipNews.author_id.is_not(None),
                )
            )
            members = frozenset(int(m) for m in [*proposers, *authors] if m is not None)
        new = sum(1 for _id, decided, _ours, _theirs in active if decided is not None and decided >= start)
        countries = frozenset(c for _id, _d, ours, theirs in active for c in (ours, theirs) if c)
        return PeriodStats(
            {"partnerships_active": len(active), "partnerships_new": new}, members, countries=countries
        )

    return stats

"""Pen pals in the moderators' export (members, groups) and the member import from that format."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from bot.clock import Clock
from bot.db import Database
from bot.inputs import InputError, check_country, check_languages, check_timezone
from bot.penpal import repository as repo
from bot.penpal.models import PenpalGroup, PenpalGroupMember, PenpalProfile, PenpalRound, ProfileStatus
from bot.penpal.rules import AVAILABILITY_CODES, check_profile_text
from bot.tables import CsvTable, TablesProvider

MEMBER_COLUMNS = (
    "user_id",
    "display_name",
    "library",
    "country",
    "languages",
    "timezone",
    "availability",
    "interests",
    "about",
    "status",
    "joined_at",
)
MAX_IMPORT_ROWS = 10_000


def penpal_tables(database: Database) -> TablesProvider:
    async def tables(guild_id: int) -> list[CsvTable]:
        async with database.session() as session:
            profiles = (
                await session.scalars(
                    select(PenpalProfile).where(PenpalProfile.guild_id == guild_id).order_by(PenpalProfile.id)
                )
            ).all()
            groups = await session.execute(
                select(
                    PenpalGroup.id,
                    PenpalRound.id,
                    PenpalRound.ran_at,
                    PenpalGroup.state,
                    PenpalGroupMember.user_id,
                )
                .join(PenpalRound, PenpalRound.id == PenpalGroup.round_id)
                .join(PenpalGroupMember, PenpalGroupMember.group_id == PenpalGroup.id)
                .where(PenpalRound.guild_id == guild_id)
                .order_by(PenpalGroup.id, PenpalGroupMember.user_id)
            )
            by_group: dict[int, tuple[int, datetime | None, str, list[int]]] = {}
            for group_id, round_id, ran_at, state, user_id in groups:
                by_group.setdefault(group_id, (round_id, ran_at, state, []))[3].append(int(user_id))
        members = CsvTable(
            "members",
            MEMBER_COLUMNS,
            [
                (
                    p.user_id,
                    p.display_name,
                    p.library,
                    p.country,
                    p.languages,
                    p.timezone,
                    p.availability,
                    p.interests,
                    p.intro,
                    p.status,
                    p.created_at,
                )
                for p in profiles
            ],
        )
        pairs = CsvTable(
            "groups",
            ("group_id", "round_id", "round_ran_at", "state", "member_ids"),
            [(group_id, *info[:3], info[3]) for group_id, info in by_group.items()],
        )
        return [members, pairs]

    return tables


@dataclass
class ImportOutcome:
    created: int = 0
    updated: int = 0
    # (row number, what is wrong): each refused row changes nothing.
    refused: list[tuple[int, str | InputError]] = field(default_factory=list)


def _split(value: str) -> str:
    return ", ".join(part for part in value.split(";") if part.strip())


async def import_members(
    database: Database,
    clock: Clock,
    guild_id: int,
    rows: Sequence[Mapping[str, str] | None],
    present: set[int],
    locale: str,
) -> ImportOutcome:
    """Pen-pal profiles from rows in the export's members format. Rows for people who are not in
    the server, with a field the profile rules refuse, or that the CSV reader could not read
    (``None``), are listed and skipped."""
    outcome = ImportOutcome()
    now = clock.now()
    async with database.session() as session:
        for number, row in enumerate(rows[:MAX_IMPORT_ROWS], start=2):  # row 1 is the header
            if row is None:
                outcome.refused.append((number, "unreadable"))
                continue
            raw_id = (row.get("user_id") or "").strip()
            if not (raw_id.isascii() and raw_id.isdigit()) or len(raw_id) > 20 or int(raw_id) not in present:
                outcome.refused.append((number, "not_in_server"))
                continue
            try:
                text = check_profile_text(
                    row.get("display_name") or "",
                    row.get("library") or "",
                    row.get("about") or "",
                    (row.get("interests") or "").replace(";", ","),
                )
                country = check_country(row.get("country") or "", locale)
                languages = check_languages(_split(row.get("languages") or ""), locale)
                timezone = check_timezone(row.get("timezone") or "UTC")
            except InputError as error:
                outcome.refused.append((number, error))
                continue
            availability = (row.get("availability") or "").strip() or None
            existing = await repo.get_profile(session, guild_id, int(raw_id))
            await repo.save_profile(
                session,
                guild_id,
                int(raw_id),
                now,
                display_name=text.display_name,
                library=text.library,
                intro=text.intro,
                interests=text.interests,
                country=country,
                languages=list(languages),
                timezone=timezone,
                availability=availability if availability in AVAILABILITY_CODES else None,
                **({} if existing else {"status": ProfileStatus.ACTIVE}),
            )
            if existing is None:
                outcome.created += 1
            else:
                outcome.updated += 1
    return outcome

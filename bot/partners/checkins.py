"""Partnerships as check-in subjects: their members are checked in with in the thread opened on
the partnership's announcement, and an answer counts as activity for the quiet check."""

from __future__ import annotations

from bot.checkins.models import AnswerKind
from bot.checkins.subjects import Subject
from bot.db import Database
from bot.i18n import N_
from bot.partners import repository as repo
from bot.partners.models import Status
from bot.partners.service import PartnerService

KIND = "partnership"
PROMPT = N_("Partnership check-in: how is the partnership going?")
LABEL = N_("partnership")


class PartnershipCheckins:
    """The check-in subject provider for partnerships (``kind`` "partnership", id: its id)."""

    kind = KIND

    def __init__(self, database: Database, service: PartnerService) -> None:
        self.database = database
        self.service = service

    async def describe(self, subject_id: int) -> Subject | None:
        async with self.database.session() as session:
            found = await repo.get(session, subject_id)
            if found is None:
                return None
            members = frozenset(member.user_id for member in found.members)
        return Subject(
            guild_id=found.guild_id,
            # A thread opened on a message has the message's id: the announcement's thread.
            thread_id=found.announce_message_id,
            member_ids=members,
            active=found.status == Status.ACTIVE,
            title=f"{found.our_library} – {found.partner_library}",
            prompt=PROMPT,
            label=LABEL,
        )

    async def answered(self, subject_id: int, user_id: int, answer: AnswerKind) -> None:
        async with self.database.session() as session:
            found = await repo.get(session, subject_id)
        if found is not None:
            await self.service.check_in(subject_id, found.guild_id, user_id, is_moderator=True)

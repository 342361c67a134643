"""Pen-pal groups as check-in subjects: how the check-in mechanism sees a group, and what an
answer means to pen pals (it counts as "connected" for closing the round and the dashboard)."""

from __future__ import annotations

from bot.checkins.models import AnswerKind
from bot.checkins.subjects import Subject
from bot.clock import Clock
from bot.db import Database
from bot.i18n import N_
from bot.penpal import repository as repo
from bot.penpal.models import CheckIn, GroupState, PenpalGroup, PenpalRound
from bot.penpal.service import PenpalService

KIND = "penpal"
PROMPT = N_("Pen-pal check-in: have you connected?")
LABEL = N_("pen-pal group")
# What each check-in answer records as the member's pen-pal "connected" answer.
CONNECTED = {
    AnswerKind.DONE: CheckIn.YES,
    AnswerKind.SNOOZE_DAY: CheckIn.NOT_YET,
    AnswerKind.SNOOZE_WEEK: CheckIn.NOT_YET,
    AnswerKind.HELP: CheckIn.COULD_NOT,
}


class PenpalCheckins:
    """The check-in subject provider for pen-pal groups (``kind`` "penpal", id: the group id)."""

    kind = KIND

    def __init__(self, database: Database, clock: Clock, service: PenpalService) -> None:
        self.database = database
        self.clock = clock
        self.service = service

    async def describe(self, subject_id: int) -> Subject | None:
        async with self.database.session() as session:
            group = await session.get(PenpalGroup, subject_id)
            if group is None:
                return None
            round_ = await session.get(PenpalRound, group.round_id)
            present = [member.user_id for member in group.members if member.left_at is None]
            profiles = await repo.profiles_by_id(session, group.guild_id, present)
        names = " · ".join(profiles[user_id].display_name for user_id in present if user_id in profiles)
        return Subject(
            guild_id=group.guild_id,
            thread_id=group.thread_id,
            member_ids=frozenset(present),
            active=group.state == GroupState.OPEN,
            title=names or str(group.id),
            prompt=PROMPT,
            ends_at=round_.ends_at if round_ is not None else None,
            label=LABEL,
        )

    async def answered(self, subject_id: int, user_id: int, answer: AnswerKind) -> None:
        await self.service.record_checkin(subject_id, user_id, CONNECTED[answer])

"""How a feature declares what is checked in with, without check-ins knowing the feature.

A feature registers one :class:`SubjectProvider` per subject kind with the check-in service
(``CheckinService.register_provider``), then opens a subject when one of its groups starts
(``open_subject(kind, its_id, guild_id, ...)``) and ends it when the group ends
(``end_subject(kind, its_id)``). Check-ins ask the provider, at the moment they need it, who the
members are, where the thread is and whether the group is still active.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.checkins.models import AnswerKind
from bot.i18n import N_

GROUP = N_("group")


@dataclass(frozen=True)
class Subject:
    guild_id: int
    thread_id: int | None  # where check-ins are posted; None: not posted (moderators are told)
    member_ids: frozenset[int]  # who may answer
    active: bool  # False once the group ended: answers are refused, nothing more is posted
    title: str  # plain text naming this group for moderators (e.g. its members' names)
    # The question, untranslated and marked with N_ by the feature; None: the general one.
    prompt: str | None = None
    # No check-in is posted at or after this instant (e.g. the end of a pen-pal round).
    ends_at: datetime | None = None
    # What kind of group this is, untranslated and marked with N_ (e.g. "pen-pal group").
    label: str = GROUP


class SubjectProvider(Protocol):
    """What a feature answers about its subjects of one kind. No Discord; no session held open
    by the caller (each method opens its own unit of work)."""

    kind: str  # at most 32 characters, e.g. "penpal" or "partnership"

    async def describe(self, subject_id: int) -> Subject | None:
        """The subject as it is now, or None when it no longer exists."""
        ...

    async def answered(self, subject_id: int, user_id: int, answer: AnswerKind) -> None:
        """Called after a member's answer was recorded (e.g. pen pals count it as "connected")."""
        ...

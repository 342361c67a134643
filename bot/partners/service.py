"""Partnerships as outcomes: proposals, moderators' decisions, announcements, news, anniversaries.

No Discord here and no translated text. Each method is one unit of work: one session, and the
jobs it creates (posts, direct messages, anniversaries) commit with the state they belong to, so
a decision is never recorded without its announcement or the other way round. The cog package
turns outcomes into replies and runs the jobs' posts through :mod:`bot.delivery`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import uuid4

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.core_repo import record_audit
from bot.partners import jobs
from bot.partners import repository as repo
from bot.partners.core import PartnerCore
from bot.partners.models import (
    PartnerSettings,
    Partnership,
    PartnershipMember,
    PartnershipNews,
    Side,
    Status,
)


class Refusal(StrEnum):
    GONE = "gone"  # no such partnership in this server
    NOT_YOURS = "not_yours"  # neither one of its members nor a moderator
    ENDED = "ended"
    DECIDED = "decided"  # another decision came first
    NOT_ACTIVE = "not_active"  # news, check-ins and ending need an approved partnership
    NO_CHANNEL = "no_channel"  # approving needs the announcements channel
    TOO_MUCH_NEWS = "too_much_news"  # NEWS_LIMIT news in its period; ``until`` says when


@dataclass(frozen=True)
class NewsLimit:
    count: int
    per: timedelta


@dataclass(frozen=True)
class Refused:
    reason: Refusal
    partnership: Partnership | None = None
    until: datetime | None = None  # TOO_MUCH_NEWS: when the next news is possible


@dataclass(frozen=True)
class ProposalText:
    our_library: str
    partner_library: str
    partner_city: str
    goals: str
    start_date: date


@dataclass(frozen=True)
class Submitted:
    partnership: Partnership
    queued: bool  # it went (back) to the moderators' queue; False: an approved one was edited


@dataclass(frozen=True)
class Decided:
    partnership: Partnership
    decision: Status


@dataclass(frozen=True)
class Page:
    partnerships: list[Partnership]
    total: int
    page: int
    pages: int


PAGE_SIZE = 5
# News reach the announcements channel and its 10 publishes an hour: a few a day per partnership.
NEWS_LIMIT = NewsLimit(count=3, per=timedelta(hours=24))
DECISIONS = (Status.ACTIVE, Status.REJECTED, Status.CHANGES)
AUDIT_ACTIONS = {
    Status.ACTIVE: "partners.approve",
    Status.REJECTED: "partners.reject",
    Status.CHANGES: "partners.ask_changes",
}


@dataclass(frozen=True)
class PartnershipName:
    id: int
    name: str


class PartnerService(PartnerCore):
    """What members and moderators do with partnerships."""

    # -- settings -----------------------------------------------------------------------------

    async def settings(self, guild_id: int) -> PartnerSettings | None:
        async with self.database.session() as session:
            return await repo.get_settings(session, guild_id)

    async def save_settings(self, guild_id: int, **changes: Any) -> PartnerSettings:
        now = self.clock.now()
        async with self.database.session() as session:
            saved = await repo.save_settings(session, guild_id, now, **changes)
            batch = jobs.JobBatch(session, now)
            await self._ensure_quiet_check(session, batch, guild_id, replace=True)
        await batch.notify(self.scheduler)
        return saved

    # -- proposing ------------------------------------------------------------------------------

    async def start_draft(
        self,
        guild_id: int,
        user_id: int,
        locale: str,
        *,
        kind: str,
        partner_country: str,
        our_country: str | None,
        members: Sequence[tuple[int, str]],
        photo_url: str | None,
    ) -> int:
        """A proposal the member's form will fill in; the form's custom_id carries its id."""
        now = self.clock.now()
        async with self.database.session() as session:
            await repo.drop_drafts(session, guild_id, user_id)
            partnership = Partnership(
                guild_id=guild_id,
                status=Status.DRAFT,
                kind=kind,
                partner_country=partner_country,
                our_country=our_country,
                photo_url=photo_url,
                proposer_id=user_id,
                locale=locale,
                created_at=now,
                updated_at=now,
            )
            seen = {user_id}
            partnership.members.append(PartnershipMember(user_id=user_id, side=Side.OURS))
            for member_id, side in members:
                if member_id not in seen:
                    seen.add(member_id)
                    partnership.members.append(PartnershipMember(user_id=member_id, side=side))
            session.add(partnership)
            await session.flush()
            return partnership.id

    @staticmethod
    def _may_change(partnership: Partnership, user_id: int, is_moderator: bool) -> bool:
        return is_moderator or partnership.proposer_id == user_id or user_id in partnership.member_ids()

    async def form_target(
        self, partnership_id: int, guild_id: int, user_id: int, *, is_moderator: bool
    ) -> Partnership | Refused:
        """The partnership a form edits, if this member may edit it."""
        async with self.database.session() as session:
            return self._editable(await repo.get(session, partnership_id, guild_id), user_id, is_moderator)

    def _editable(
        self, partnership: Partnership | None, user_id: int, is_moderator: bool
    ) -> Partnership | Refused:
        if partnership is None or partnership.status == Status.REJECTED:
            return Refused(Refusal.GONE)
        if partnership.status == Status.DRAFT and partnership.proposer_id != user_id:
            return Refused(Refusal.GONE)  # someone else's unsent form
        if not self._may_change(partnership, user_id, is_moderator):
            return Refused(Refusal.NOT_YOURS, partnership)
        if partnership.status == Status.ENDED:
            return Refused(Refusal.ENDED, partnership)
        return partnership

    async def submit_form(
        self, partnership_id: int, guild_id: int, user_id: int, text: ProposalText, *, is_moderator: bool
    ) -> Submitted | Refused:
        """Save the form. A new proposal, or one moderators asked to change, goes to the queue."""
        now = self.clock.now()
        async with self.database.session() as session:
            found = self._editable(await repo.get(session, partnership_id, guild_id), user_id, is_moderator)
            if isinstance(found, Refused):
                return found
            partnership = found
            partnership.our_library, partnership.partner_library = text.our_library, text.partner_library
            partnership.partner_city, partnership.goals = text.partner_city, text.goals
            partnership.start_date, partnership.updated_at = text.start_date, now
            # A proposal changed while it waits is posted again, so moderators see what they decide on.
            queued = partnership.status in (Status.DRAFT, Status.CHANGES, Status.PENDING)
            batch = jobs.JobBatch(session, now)
            if queued:
                partnership.status = Status.PENDING
                partnership.queue_message_id = None
                partnership.decided_by = partnership.decided_at = partnership.decision_note = None
                # One queue post per sending: a proposal sent again after changes is posted again.
                await batch.add(
                    jobs.QUEUE,
                    {"partnership_id": partnership.id},
                    now,
                    key=jobs.queue_key(partnership.id, now, uuid4().hex),
                    guild_id=guild_id,
                )
            elif partnership.status == Status.ACTIVE:
                await self._schedule_anniversary(session, batch, partnership, replace=True)
            await session.flush()
        await batch.notify(self.scheduler)
        return Submitted(partnership, queued)

    # -- moderators ------------------------------------------------------------------------------

    async def find(self, partnership_id: int) -> Partnership | None:
        """The partnership in any state (a button says what became of a proposal)."""
        async with self.database.session() as session:
            return await repo.get(session, partnership_id)

    async def pending(self, partnership_id: int) -> Partnership | None:
        async with self.database.session() as session:
            found = await repo.get(session, partnership_id)
        return found if found is not None and found.status == Status.PENDING else None

    async def decide(
        self, partnership_id: int, guild_id: int, moderator_id: int, decision: Status, note: str | None = None
    ) -> Decided | Refused:
        """Approve, reject or ask for changes; exactly one decision wins when several race."""
        if decision not in DECISIONS:
            raise ValueError(f"{decision} is not a decision")
        now = self.clock.now()
        async with self.database.session() as session:
            partnership = await repo.get(session, partnership_id, guild_id)
            if partnership is None:
                return Refused(Refusal.GONE)
            settings = await repo.get_settings(session, guild_id)
            channel_id = settings.announce_channel_id if settings else None
            if decision == Status.ACTIVE and channel_id is None:
                return Refused(Refusal.NO_CHANNEL, partnership)
            if not await repo.claim_decision(session, partnership_id, decision, moderator_id, now, note):
                return Refused(Refusal.DECIDED, await repo.get(session, partnership_id))
            partnership = await repo.get(session, partnership_id)
            assert partnership is not None
            await record_audit(
                session,
                guild_id=guild_id,
                actor_id=moderator_id,
                action=AUDIT_ACTIONS[decision],
                at=now,
                partnership_id=partnership_id,
                **({"note": note} if note is not None else {}),
            )
            batch = jobs.JobBatch(session, now)
            await batch.add(
                jobs.TELL,
                {"partnership_id": partnership_id, "decision": str(decision)},
                now,
                key=jobs.tell_key(partnership_id, decision, now),
                guild_id=guild_id,
            )
            if decision == Status.ACTIVE:
                partnership.announce_channel_id = channel_id
                partnership.last_activity_at = now
                await batch.add(
                    jobs.ANNOUNCE,
                    {"partnership_id": partnership_id},
                    now,
                    key=jobs.announce_key(partnership_id),
                    guild_id=guild_id,
                )
                await self._schedule_anniversary(session, batch, partnership, replace=False)
                await self._ensure_quiet_check(session, batch, guild_id, replace=False)
        await batch.notify(self.scheduler)
        return Decided(partnership, decision)

    # -- members' changes -------------------------------------------------------------------------

    async def edit(
        self,
        partnership_id: int,
        guild_id: int,
        user_id: int,
        *,
        is_moderator: bool,
        add: Sequence[tuple[int, str]] = (),
        remove: Sequence[int] = (),
        **fields: Any,
    ) -> Partnership | Refused:
        now = self.clock.now()
        async with self.database.session() as session:
            found = self._editable(await repo.get(session, partnership_id, guild_id), user_id, is_moderator)
            if isinstance(found, Refused):
                return found
            for key, value in fields.items():
                setattr(found, key, value)
            present = set(found.member_ids())
            for member in list(found.members):
                if member.user_id in remove:
                    found.members.remove(member)
            for member_id, side in add:
                if member_id not in present:
                    found.members.append(PartnershipMember(user_id=member_id, side=side))
            found.updated_at = now
            await session.flush()
            await session.refresh(found, ["members"])
            return found

    async def end(
        self, partnership_id: int, guild_id: int, user_id: int, *, is_moderator: bool
    ) -> Partnership | Refused:
        now = self.clock.now()
        async with self.database.session() as session:
            found = self._editable(await repo.get(session, partnership_id, guild_id), user_id, is_moderator)
            if isinstance(found, Refused):
                return found
            if found.status != Status.ACTIVE:
                return Refused(Refusal.NOT_ACTIVE, found)
            batch = jobs.JobBatch(session, now)
            await self._cancel_anniversaries(session, batch, found)
            found.status, found.ended_at, found.ended_by, found.updated_at = Status.ENDED, now, user_id, now
            await record_audit(
                session,
                guild_id=guild_id,
                actor_id=user_id,
                action="partners.end",
                at=now,
                partnership_id=found.id,
            )
            return found

    async def post_news(
        self,
        partnership_id: int,
        guild_id: int,
        user_id: int,
        text: str,
        photo_url: str | None,
        *,
        is_moderator: bool,
    ) -> PartnershipNews | Refused:
        """Record the news and the job that announces it; activity for the quiet check."""
        now = self.clock.now()
        async with self.database.session() as session:
            found = await self._active_for(session, partnership_id, guild_id, user_id, is_moderator)
            if isinstance(found, Refused):
                return found
            recent = await repo.recent_news(session, found.id, now - NEWS_LIMIT.per)
            if len(recent) >= NEWS_LIMIT.count:
                until = recent[-NEWS_LIMIT.count] + NEWS_LIMIT.per
                return Refused(Refusal.TOO_MUCH_NEWS, found, until=until)
            news = PartnershipNews(
                partnership_id=found.id, author_id=user_id, text=text, photo_url=photo_url, created_at=now
            )
            session.add(news)
            found.last_activity_at, found.quiet_flagged_at = now, None
            await session.flush()
            batch = jobs.JobBatch(session, now)
            await batch.add(
                jobs.NEWS, {"news_id": news.id}, now, key=jobs.news_key(news.id), guild_id=guild_id
            )
        await batch.notify(self.scheduler)
        return news

    async def check_in(
        self, partnership_id: int, guild_id: int, user_id: int, *, is_moderator: bool
    ) -> Partnership | Refused:
        """ "We are still at it": activity for the quiet check, without an announcement."""
        now = self.clock.now()
        async with self.database.session() as session:
            found = await self._active_for(session, partnership_id, guild_id, user_id, is_moderator)
            if isinstance(found, Refused):
                return found
            found.last_activity_at, found.quiet_flagged_at = now, None
            return found

    async def _active_for(
        self, session: AsyncSession, partnership_id: int, guild_id: int, user_id: int, is_moderator: bool
    ) -> Partnership | Refused:
        found = self._editable(await repo.get(session, partnership_id, guild_id), user_id, is_moderator)
        if isinstance(found, Refused):
            return found
        if found.status != Status.ACTIVE:
            return Refused(Refusal.NOT_ACTIVE, found)
        return found

    # -- reading ---------------------------------------------------------------------------------

    async def get(self, partnership_id: int, guild_id: int) -> Partnership | None:
        async with self.database.session() as session:
            found = await repo.get(session, partnership_id, guild_id)
        return found if found is not None and found.status in repo.LISTED else None

    async def search(
        self, guild_id: int, query: str, limit: int = 25, *, proposer_id: int | None = None
    ) -> list[Partnership]:
        async with self.database.session() as session:
            return await repo.search(session, guild_id, query, limit, proposer_id=proposer_id)

    async def list_page(self, guild_id: int, *, country: str | None, kind: str | None, page: int) -> Page:
        async with self.database.session() as session:
            rows, total = await repo.list_page(
                session,
                guild_id,
                country=country,
                kind=kind,
                offset=max(page - 1, 0) * PAGE_SIZE,
                limit=PAGE_SIZE,
            )
        pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
        return Page(rows, total, min(max(page, 1), pages), pages)

    async def counts(self, guild_id: int, *, days: int = 30) -> dict[str, int]:
        """For the dashboard: active partnerships, those approved in the last ``days``, ended."""
        async with self.database.session() as session:
            return await repo.counts(session, guild_id, self.clock.now() - timedelta(days=days))

    async def partnerships_of(self, guild_id: int, user_id: int) -> list[PartnershipName]:
        """The member's active partnerships, named by both libraries (asked by the surveys)."""
        async with self.database.session() as session:
            found = await repo.active_partnerships_of(session, guild_id, user_id)
        return [PartnershipName(p.id, f"{p.our_library} – {p.partner_library}") for p in found]

    # -- the member's data, for the feature registry -------------------------------------------------

    async def export_member(self, guild_id: int, user_id: int) -> dict[str, Any]:
        async with self.database.session() as session:
            return await repo.member_data(session, guild_id, user_id)

    async def erase_member(self, guild_id: int, user_id: int) -> int:
        async with self.database.session() as session:
            return await repo.erase_member(session, guild_id, user_id)

    async def count_member(self, guild_id: int, user_id: int) -> int:
        data = await self.export_member(guild_id, user_id)
        return len(data["partnerships"]) + len(data["proposals"]) + len(data["news"])

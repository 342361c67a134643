"""What members do in "seeking a sister", as outcomes: no Discord here, and no translated text.

Each method is one unit of work. Posting finds the open posts that fit the new one and records
each new pair with a job that tells both posters, in the same transaction: the pair is told once,
and never again, whatever either of them posts later.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from bot.clock import Clock
from bot.db import Database
from bot.scheduler import JobScheduler, store
from bot.seeking import jobs
from bot.seeking import repository as repo
from bot.seeking.fit import Fit, PostTerms, best_fits, fit, terms
from bot.seeking.models import SeekingFit, SeekingPost
from bot.seeking.repository import Page
from bot.seeking.rules import ListFilter, PostText

# Two posts racing for the same row (the same member twice, or a pair found by both at once):
# the loser's transaction is rolled back and run again, and then sees the winner's row.
_ATTEMPTS = 3


@dataclass(frozen=True)
class Match:
    """Another member's open post that fits, and why."""

    post: SeekingPost
    fit: Fit


@dataclass(frozen=True)
class Posted:
    post: SeekingPost
    replaced: bool  # the member's earlier post was replaced
    matches: list[Match]  # new fits, told to both sides by a job


@dataclass(frozen=True)
class Notice:
    """One member to tell about one fit."""

    fit_id: int
    user_id: int
    locale: str
    other: SeekingPost
    fit: Fit


def _terms(post: SeekingPost) -> PostTerms:
    return terms(post.user_id, post.country, post.languages, post.offer, post.hope)


class SeekingService:
    def __init__(self, database: Database, clock: Clock, scheduler: JobScheduler) -> None:
        self.database = database
        self.clock = clock
        self.scheduler = scheduler

    # -- the member's post -----------------------------------------------------------------------

    async def post(self, guild_id: int, user_id: int, locale: str, text: PostText) -> Posted:
        """Save the member's one open post (replacing theirs) and record the fits it makes."""
        for attempt in range(_ATTEMPTS):
            try:
                return await self._post(guild_id, user_id, locale, text)
            except IntegrityError:
                if attempt == _ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    async def _post(self, guild_id: int, user_id: int, locale: str, text: PostText) -> Posted:
        now = self.clock.now()
        async with self.database.session() as session:
            await repo.lock_guild(session, guild_id)
            post, replaced = await repo.save_post(session, guild_id, user_id, now, text, locale)
            told = await repo.told_partners(session, guild_id, user_id)
            others = [other for other in await repo.candidates(session, post) if other.user_id not in told]
            by_user = {other.user_id: other for other in others}
            found = best_fits(_terms(post), [_terms(other) for other in others])
            matches = []
            for other_terms, why in found:
                made = await repo.add_fit(session, guild_id, user_id, other_terms.user_id, now)
                await store.schedule(
                    session,
                    jobs.FIT,
                    {"fit_id": made.id},
                    now,
                    now=now,
                    dedupe_key=jobs.fit_key(made.id),
                    guild_id=guild_id,
                )
                matches.append(Match(by_user[other_terms.user_id], why))
        if matches:  # after the commit, so the job is there when the scheduler looks
            await self.scheduler.notify(now)
        return Posted(post, replaced, matches)

    async def post_of(self, guild_id: int, user_id: int) -> SeekingPost | None:
        async with self.database.session() as session:
            return await repo.get_post(session, guild_id, user_id)

    async def withdraw(self, guild_id: int, user_id: int) -> bool:
        """Take the member's post down; False when they had none."""
        async with self.database.session() as session:
            return await repo.delete_post(session, guild_id, user_id) > 0

    async def page(self, guild_id: int, chosen: ListFilter, page: int) -> Page:
        async with self.database.session() as session:
            return await repo.page_of_posts(session, guild_id, chosen, page)

    # -- telling members about fits ----------------------------------------------------------------

    async def notices(self, fit_id: int) -> list[Notice]:
        """Who still needs to hear about this fit, with the other side's post as it is now. Nobody
        when either post was withdrawn meanwhile: there is no longer anyone to reach out to."""
        async with self.database.session() as session:
            found = await session.get(SeekingFit, fit_id)
            if found is None:
                return []
            a = await repo.get_post(session, found.guild_id, found.user_a)
            b = await repo.get_post(session, found.guild_id, found.user_b)
        if a is None or b is None:
            return []
        told = []
        for mine, theirs, told_at in ((a, b, found.told_a_at), (b, a, found.told_b_at)):
            why = fit(_terms(mine), _terms(theirs))
            if told_at is None and why is not None:
                told.append(Notice(found.id, mine.user_id, mine.locale, theirs, why))
        return told

    async def mark_told(self, fit_id: int, user_ids: list[int], *, finished: bool = True) -> None:
        """``user_ids`` were reached about the fit. Once its job has ``finished``, anyone not
        reached hears of it at their next /seeking command."""
        now = self.clock.now()
        async with self.database.session() as session:
            found = await session.get(SeekingFit, fit_id)
            if found is None:
                return
            for user_id in user_ids:
                repo.mark_told(found, user_id, now)
            if finished and found.attempted_at is None:
                found.attempted_at = now

    async def take_pending(self, guild_id: int, user_id: int) -> list[Notice]:
        """Fits the member could not be reached about when their job ran (closed direct messages),
        marked told: the caller shows them in its reply."""
        now = self.clock.now()
        notices = []
        async with self.database.session() as session:
            mine = await repo.get_post(session, guild_id, user_id)
            for found in await repo.pending_fits(session, guild_id, user_id):
                other_id = found.user_b if found.user_a == user_id else found.user_a
                theirs = await repo.get_post(session, guild_id, other_id)
                why = fit(_terms(mine), _terms(theirs)) if mine and theirs else None
                repo.mark_told(found, user_id, now)
                if why is not None and theirs is not None and mine is not None:
                    notices.append(Notice(found.id, user_id, mine.locale, theirs, why))
        return notices

    # -- members leaving, and the member's data for the feature registry ----------------------------

    async def member_left(self, guild_id: int, user_id: int) -> bool:
        """A member who left the server can no longer be reached: their post goes."""
        return await self.withdraw(guild_id, user_id)

    async def export_member(self, guild_id: int, user_id: int) -> dict[str, Any]:
        async with self.database.session() as session:
            return await repo.member_data(session, guild_id, user_id)

    async def erase_member(self, guild_id: int, user_id: int) -> int:
        """The member's post is deleted. Fits keep only the two ids, so a pair is never told twice."""
        async with self.database.session() as session:
            return await repo.delete_post(session, guild_id, user_id)

    async def count_member(self, guild_id: int, user_id: int) -> int:
        data = await self.export_member(guild_id, user_id)
        return (data["post"] is not None) + len(data["fits"])

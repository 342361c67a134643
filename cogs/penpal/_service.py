"""What pen-pal commands and buttons do, apart from how they are asked for."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.errors import UserFacingError
from bot.i18n import _
from bot.pairing import repository as repo
from bot.pairing.models import CheckIn, PenpalGroup, PenpalProfile, PenpalRound, ProfileStatus
from bot.timefmt import both
from cogs.penpal._input import ProfileChoices
from cogs.penpal._rounds import RoundRunner

if TYPE_CHECKING:
    from bot.client import SisterBot


def resume_key(guild_id: int, user_id: int, until: datetime) -> str:
    return f"penpal.resume:{guild_id}:{user_id}:{until.isoformat()}"


class PenpalService:
    def __init__(self, bot: SisterBot) -> None:
        self.bot = bot
        self.rounds = RoundRunner(bot)

    @property
    def now(self) -> datetime:
        return self.bot.clock.now()

    async def profile(self, guild_id: int, user_id: int) -> PenpalProfile | None:
        async with self.bot.database.session() as session:
            return await repo.get_profile(session, guild_id, user_id)

    async def require_profile(self, guild_id: int, user_id: int) -> PenpalProfile:
        profile = await self.profile(guild_id, user_id)
        if profile is None or profile.status == ProfileStatus.LEFT:
            raise UserFacingError(_("You have not joined the pen-pal programme yet: run /penpal join."))
        return profile

    async def save(
        self, guild_id: int, user_id: int, locale: str, choices: ProfileChoices, **text: object
    ) -> PenpalProfile:
        fields: dict[str, object] = dict(text)
        if choices.country is not None:
            fields["country"] = choices.country
        if choices.languages is not None:
            fields["languages"] = list(choices.languages)
        if choices.timezone is not None:
            fields["timezone"] = choices.timezone
        if choices.availability is not None:
            fields["availability"] = choices.availability
        async with self.bot.database.session() as session:
            existing = await repo.get_profile(session, guild_id, user_id)
            if existing is not None and existing.status == ProfileStatus.LEFT:
                fields.update(status=ProfileStatus.ACTIVE, silent_rounds=0)
            return await repo.save_profile(session, guild_id, user_id, self.now, locale=locale, **fields)

    async def next_round_at(self, guild_id: int) -> datetime | None:
        async with self.bot.database.session() as session:
            settings = await repo.get_settings(session, guild_id)
        return settings.next_round_at if settings else None

    async def next_round_text(self, guild_id: int, timezone: str) -> str:
        when = await self.next_round_at(guild_id)
        if when is None:
            return _("Moderators have not scheduled rounds yet.")
        return _("Next round: {when}.").format(when=both(when, timezone))

    async def pause(self, guild_id: int, user_id: int, until: datetime | None) -> None:
        profile = await self.require_profile(guild_id, user_id)
        if profile.paused_until is not None:
            await self.bot.scheduler.cancel(resume_key(guild_id, user_id, profile.paused_until))
        async with self.bot.database.session() as session:
            await repo.save_profile(
                session, guild_id, user_id, self.now, status=ProfileStatus.PAUSED, paused_until=until
            )
        if until is not None:
            await self.bot.scheduler.schedule(
                "penpal.resume",
                {"guild_id": guild_id, "user_id": user_id},
                until,
                dedupe_key=resume_key(guild_id, user_id, until),
                guild_id=guild_id,
            )

    async def resume(self, guild_id: int, user_id: int) -> bool:
        profile = await self.require_profile(guild_id, user_id)
        if profile.status == ProfileStatus.ACTIVE:
            return False
        if profile.paused_until is not None:
            await self.bot.scheduler.cancel(resume_key(guild_id, user_id, profile.paused_until))
        async with self.bot.database.session() as session:
            await repo.save_profile(
                session,
                guild_id,
                user_id,
                self.now,
                status=ProfileStatus.ACTIVE,
                paused_until=None,
                silent_rounds=0,
            )
        return True

    async def leave(self, guild_id: int, user_id: int, *, erase: bool) -> None:
        profile = await self.require_profile(guild_id, user_id)
        if profile.paused_until is not None:
            await self.bot.scheduler.cancel(resume_key(guild_id, user_id, profile.paused_until))
        async with self.bot.database.session() as session:
            if erase:
                await repo.erase_member(session, guild_id, user_id)
            else:
                await repo.save_profile(
                    session, guild_id, user_id, self.now, status=ProfileStatus.LEFT, paused_until=None
                )

    async def current_groups(self, guild_id: int, user_id: int) -> list[PenpalGroup]:
        async with self.bot.database.session() as session:
            return await repo.open_groups_of(session, guild_id, user_id)

    async def avoid(self, guild_id: int, user_id: int, other_id: int, *, undo: bool) -> bool:
        if other_id == user_id:
            raise UserFacingError(_("You cannot avoid yourself."))
        async with self.bot.database.session() as session:
            if undo:
                return await repo.remove_avoid(session, guild_id, user_id, other_id)
            return await repo.add_avoid(session, guild_id, user_id, other_id, self.now)

    # -- buttons ----------------------------------------------------------------------------

    async def skip_round(self, round_id: int, user_id: int) -> str:
        async with self.bot.database.session() as session:
            round_ = await session.get(PenpalRound, round_id)
            if round_ is None:
                return _("That round no longer exists.")
            if round_.ran_at is not None:
                return _("That round has already started, so it is too late to skip it.")
            await repo.add_skip(session, round_id, user_id)
        return _("Done: you sit this round out and are back in the next one.")

    async def record_checkin(self, group_id: int, user_id: int, answer: str) -> str:
        async with self.bot.database.session() as session:
            member = await repo.group_member(session, group_id, user_id)
            if member is None or member.left_at is not None:
                return _("These buttons are for the members of this pen-pal group.")
            member.connected = answer
            member.answered_at = self.now
        if answer == CheckIn.YES:
            return _("Wonderful, thank you for telling me!")
        if answer == CheckIn.NOT_YET:
            return _("Thanks. There is still time: a short hello in this thread is a fine start.")
        return _("Thanks for telling me. You will have a new partner in the next round.")

    async def rating_problem(self, group_id: int, user_id: int) -> str | None:
        async with self.bot.database.session() as session:
            member = await repo.group_member(session, group_id, user_id)
        if member is None:
            return _("These buttons are for the members of this pen-pal group.")
        return None

    async def record_rating(self, group_id: int, user_id: int, stars: int, comment: str | None) -> str:
        async with self.bot.database.session() as session:
            member = await repo.group_member(session, group_id, user_id)
            if member is None:
                return _("These buttons are for the members of this pen-pal group.")
            member.rating, member.comment, member.answered_at = stars, comment, self.now
        return _("Thank you! Your rating is saved and only moderators can see it.")

    # -- members leaving --------------------------------------------------------------------

    async def member_left(self, guild_id: int, user_id: int) -> list[tuple[PenpalGroup, bool]]:
        """Take a member who left the server out of the pool; returns their open groups and
        whether each one is now closed (too few members left)."""
        changed: list[tuple[PenpalGroup, bool]] = []
        async with self.bot.database.session() as session:
            profile = await repo.get_profile(session, guild_id, user_id)
            if profile is not None:
                profile.status = ProfileStatus.LEFT
                profile.updated_at = self.now
            for group in await repo.open_groups_of(session, guild_id, user_id):
                remaining = 0
                for member in group.members:
                    if member.user_id == user_id:
                        member.left_at = self.now
                    elif member.left_at is None:
                        remaining += 1
                closed = remaining < 2
                if closed:
                    group.state = "dissolved"
                changed.append((group, closed))
        return changed

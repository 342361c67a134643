"""Running a pen-pal round: notice, matching, intro threads, check-in, closing. Called by jobs."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import discord

from bot.db.core_repo import get_guild_settings
from bot.i18n import _, using_locale
from bot.pairing import repository as repo
from bot.pairing.matching import Candidate, MatchResult, match_in_worker, shutdown_worker_pool
from bot.pairing.models import PenpalGroup, PenpalProfile, PenpalRound, PenpalSettings, ProfileStatus
from bot.pairing.rounds import RoundSchedule
from bot.scheduler import JobContext
from bot.timefmt import both
from cogs.penpal._buttons import SkipRoundButton, checkin_buttons, rating_buttons
from cogs.penpal._render import intro_message, unmatched_reason

if TYPE_CHECKING:
    from bot.client import SisterBot

log = logging.getLogger("cogs.penpal")

SILENT_ROUNDS_BEFORE_PAUSE = 3
CLOSE_BEFORE_NEXT_ROUND = timedelta(hours=2)


def schedule_of(settings: PenpalSettings, timezone: str) -> RoundSchedule:
    return RoundSchedule(settings.cadence, settings.weekday, settings.hour, timezone)


def candidates(profiles: Sequence[PenpalProfile]) -> list[Candidate]:
    return [
        Candidate(
            id=str(profile.user_id),
            country=profile.country or "",
            languages=frozenset(profile.languages),
            interests=frozenset(profile.interests),
            timezone=profile.timezone or "UTC",
        )
        for profile in profiles
    ]


class RoundRunner:
    def __init__(self, bot: SisterBot) -> None:
        self.bot = bot

    def shutdown(self) -> None:
        shutdown_worker_pool()

    # -- scheduling ------------------------------------------------------------------------

    async def schedule_next(
        self, guild_id: int, after: datetime, previous: datetime | None = None
    ) -> datetime | None:
        """Put the next round and its notice on the scheduler (idempotent by dedupe key)."""
        timezone = await self.bot.guild_timezone(guild_id)
        async with self.bot.database.session() as session:
            settings = await repo.get_settings(session, guild_id)
            if settings is None or settings.channel_id is None:
                return None
            round_at = schedule_of(settings, timezone).next_round(after, previous)
            settings.next_round_at = round_at
        payload = {"guild_id": guild_id, "round_at": round_at.isoformat()}
        key = f"{guild_id}:{round_at.isoformat()}"
        notice_at = max(schedule_of(settings, timezone).notice_time(round_at), self.bot.clock.now())
        await self.bot.scheduler.schedule(
            "penpal.notice", payload, notice_at, dedupe_key=f"penpal.notice:{key}", guild_id=guild_id
        )
        await self.bot.scheduler.schedule(
            "penpal.round", payload, round_at, dedupe_key=f"penpal.round:{key}", guild_id=guild_id
        )
        return round_at

    async def cancel_scheduled(self, guild_id: int, round_at: datetime) -> None:
        key = f"{guild_id}:{round_at.isoformat()}"
        await self.bot.scheduler.cancel(f"penpal.notice:{key}")
        await self.bot.scheduler.cancel(f"penpal.round:{key}")

    async def _round_row(self, guild_id: int, round_at: datetime) -> PenpalRound:
        timezone = await self.bot.guild_timezone(guild_id)
        async with self.bot.database.session() as session:
            settings = await repo.get_settings(session, guild_id)
            ends_at = (
                schedule_of(settings, timezone).round_after(round_at)
                if settings
                else round_at + timedelta(weeks=2)
            )
            return await repo.get_or_create_round(
                session, guild_id, round_at, ends_at, seed=int(round_at.timestamp())
            )

    # -- jobs -------------------------------------------------------------------------------

    async def send_notice(self, ctx: JobContext) -> None:
        guild_id = int(ctx.payload["guild_id"])
        round_at = datetime.fromisoformat(ctx.payload["round_at"])
        round_ = await self._round_row(guild_id, round_at)
        async with self.bot.database.session() as session:
            profiles = await repo.profiles_in_pool(session, guild_id, round_.id)
        for profile in profiles:
            with using_locale(profile.locale):
                view = discord.ui.View(timeout=None)
                view.add_item(SkipRoundButton(round_.id))
                content = _(
                    "A new pen-pal round starts {when}. You are in it; if this is a busy time, skip this one."
                ).format(when=both(round_at, profile.timezone or "UTC"))
                await self.dm(profile.user_id, content, view=view, nonce=ctx.nonce_for(profile.user_id))

    async def run_round_job(self, ctx: JobContext) -> None:
        guild_id = int(ctx.payload["guild_id"])
        round_at = datetime.fromisoformat(ctx.payload["round_at"])
        await self.run_round(guild_id, round_at, nonce_for=ctx.nonce_for)
        await self.schedule_next(guild_id, round_at, previous=round_at)

    async def preview(self, guild_id: int) -> tuple[list[PenpalProfile], MatchResult]:
        async with self.bot.database.session() as session:
            settings = await repo.get_settings(session, guild_id)
            profiles = await repo.profiles_in_pool(session, guild_id, None)
            history = await repo.recent_history(
                session, guild_id, settings.no_repeat_rounds if settings else 3
            )
            avoid = await repo.avoid_pairs(session, guild_id)
        result = await self._match(profiles, history, avoid, seed=0)
        return profiles, result

    async def _match(
        self,
        profiles: Sequence[PenpalProfile],
        history: Sequence[tuple[int, int]],
        avoid: Sequence[tuple[int, int]],
        seed: int,
    ) -> MatchResult:
        return await match_in_worker(
            candidates(profiles),
            history=[(str(a), str(b)) for a, b in history],
            avoid=[(str(a), str(b)) for a, b in avoid],
            seed=seed,
            now=self.bot.clock.now(),
        )

    async def run_round(self, guild_id: int, round_at: datetime, *, nonce_for: object = None) -> PenpalRound:
        """Match the pool and introduce every group. Safe to run again: a round runs once."""
        round_ = await self._round_row(guild_id, round_at)
        if round_.ran_at is None:
            async with self.bot.database.session() as session:
                settings = await repo.get_settings(session, guild_id)
                profiles = await repo.profiles_in_pool(session, guild_id, round_.id)
                history = await repo.recent_history(
                    session, guild_id, settings.no_repeat_rounds if settings else 3
                )
                avoid = await repo.avoid_pairs(session, guild_id)
            result = await self._match(profiles, history, avoid, seed=round_.seed)
            async with self.bot.database.session() as session:
                stored = await session.get(PenpalRound, round_.id)
                assert stored is not None
                for group in result.groups:
                    await repo.create_group(session, stored, [int(user_id) for user_id in group])
                stored.ran_at = self.bot.clock.now()
                stored.state = "ran"
            by_id = {str(profile.user_id): profile for profile in profiles}
            for user_id, reason in result.unmatched:
                profile = by_id[user_id]
                with using_locale(profile.locale):
                    text = _("No pen pal for you this round, sorry. {reason}").format(
                        reason=unmatched_reason(reason)
                    )
                    await self.dm(profile.user_id, text)
        await self.introduce_groups(round_.id)
        await self._schedule_round_followups(round_.id)
        return round_

    async def _schedule_round_followups(self, round_id: int) -> None:
        async with self.bot.database.session() as session:
            round_ = await session.get(PenpalRound, round_id)
            assert round_ is not None
            settings = await repo.get_settings(session, round_.guild_id)
        timezone_ = await self.bot.guild_timezone(round_.guild_id)
        schedule = schedule_of(settings, timezone_) if settings else RoundSchedule("weekly", 0, 9, timezone_)
        half = schedule.checkin_time(round_.scheduled_for, round_.ends_at)
        closing = max(round_.ends_at - CLOSE_BEFORE_NEXT_ROUND, half + timedelta(hours=1))
        payload = {"guild_id": round_.guild_id, "round_id": round_id}
        await self.bot.scheduler.schedule(
            "penpal.checkin", payload, half, dedupe_key=f"penpal.checkin:{round_id}", guild_id=round_.guild_id
        )
        await self.bot.scheduler.schedule(
            "penpal.close", payload, closing, dedupe_key=f"penpal.close:{round_id}", guild_id=round_.guild_id
        )

    async def introduce_groups(self, round_id: int) -> None:
        async with self.bot.database.session() as session:
            round_ = await session.get(PenpalRound, round_id)
            assert round_ is not None
            settings = await repo.get_settings(session, round_.guild_id)
            groups = [
                group for group in await repo.groups_of_round(session, round_id) if group.thread_id is None
            ]
            profiles = {
                profile.user_id: profile
                for group in groups
                for member in group.members
                if (profile := await repo.get_profile(session, round_.guild_id, member.user_id)) is not None
            }
        locale = await self.bot.guild_locale(round_.guild_id)
        channel = self.bot.get_channel(settings.channel_id) if settings and settings.channel_id else None
        for group in groups:
            members = [profiles[m.user_id] for m in group.members if m.user_id in profiles]
            shared = sorted(set.intersection(*(set(p.languages) for p in members))) if members else []
            with using_locale(locale):
                content, embeds = intro_message(members, shared, seed=group.id)
                thread_id = await self._open_thread(channel, group, members, content, embeds)
            if thread_id is None:
                await self._fallback_intro(round_.guild_id, group, members, shared)
            else:
                async with self.bot.database.session() as session:
                    stored = await session.get(PenpalGroup, group.id)
                    assert stored is not None
                    stored.thread_id = thread_id

    async def _open_thread(
        self,
        channel: object,
        group: PenpalGroup,
        members: Sequence[PenpalProfile],
        content: str,
        embeds: list[discord.Embed],
    ) -> int | None:
        if not isinstance(channel, discord.TextChannel):
            return None
        names = " & ".join(profile.display_name for profile in members)
        try:
            thread = await channel.create_thread(
                name=_("Pen pals: {names}").format(names=names)[:100],
                type=discord.ChannelType.private_thread,
                invitable=False,
                auto_archive_duration=10080,
            )
            for profile in members:
                await thread.add_user(discord.Object(id=profile.user_id))
            await thread.send(content, embeds=embeds, allowed_mentions=discord.AllowedMentions(users=True))
        except discord.HTTPException as error:
            log.warning("could not open a thread for group %s: %s", group.id, error)
            return None
        return thread.id

    async def _fallback_intro(
        self, guild_id: int, group: PenpalGroup, members: Sequence[PenpalProfile], shared: Sequence[str]
    ) -> None:
        names = ", ".join(profile.display_name for profile in members)
        with using_locale(await self.bot.guild_locale(guild_id)):
            warning = _(
                "I could not open a private thread for the pen-pal group {names} (group {group}). "
                "Check that I may create private threads in the pen-pal channel; I sent them their "
                "introductions by direct message instead."
            ).format(names=names, group=group.id)
        await self.tell_moderators(guild_id, warning)
        for profile in members:
            with using_locale(profile.locale):
                others = [other for other in members if other.user_id != profile.user_id]
                content, embeds = intro_message(others, shared, seed=group.id)
                await self.dm(profile.user_id, content, embeds=embeds)

    async def send_checkin(self, ctx: JobContext) -> None:
        round_id = int(ctx.payload["round_id"])
        guild_id = int(ctx.payload["guild_id"])
        locale = await self.bot.guild_locale(guild_id)
        async with self.bot.database.session() as session:
            groups = [g for g in await repo.groups_of_round(session, round_id) if g.state == "open"]
        for group in groups:
            with using_locale(locale):
                await self.post_in_group(
                    group,
                    _("Halfway through the round: have you connected?"),
                    checkin_buttons(group.id),
                    nonce=ctx.nonce_for(group.id),
                )

    async def close_round(self, ctx: JobContext) -> None:
        round_id = int(ctx.payload["round_id"])
        guild_id = int(ctx.payload["guild_id"])
        locale = await self.bot.guild_locale(guild_id)
        paused: list[PenpalProfile] = []
        async with self.bot.database.session() as session:
            round_ = await session.get(PenpalRound, round_id)
            if round_ is None or round_.state == "closed":
                return
            groups = await repo.groups_of_round(session, round_id)
            for group in groups:
                for member in group.members:
                    profile = await repo.get_profile(session, guild_id, member.user_id)
                    if profile is None or member.left_at is not None:
                        continue
                    profile.silent_rounds = (
                        0 if member.connected or member.rating else profile.silent_rounds + 1
                    )
                    if (
                        profile.silent_rounds >= SILENT_ROUNDS_BEFORE_PAUSE
                        and profile.status == ProfileStatus.ACTIVE
                    ):
                        profile.status = ProfileStatus.PAUSED
                        profile.paused_until = None
                        paused.append(profile)
                if group.state == "open":
                    group.state = "closed"
            round_.state = "closed"
        for group in groups:
            with using_locale(locale):
                await self.post_in_group(
                    group,
                    _(
                        "This round is ending. How did it go? Rate it from 1 to 5; "
                        "only moderators see ratings."
                    ),
                    rating_buttons(group.id),
                    nonce=ctx.nonce_for(group.id),
                )
        for profile in paused:
            with using_locale(profile.locale):
                await self.dm(
                    profile.user_id,
                    _(
                        "You have not answered the check-ins for {count} rounds in a row, so I paused your "
                        "pen-pal matching. Run /penpal resume whenever you want to come back."
                    ).format(count=SILENT_ROUNDS_BEFORE_PAUSE),
                )

    async def resume_job(self, ctx: JobContext) -> None:
        guild_id, user_id = int(ctx.payload["guild_id"]), int(ctx.payload["user_id"])
        async with self.bot.database.session() as session:
            profile = await repo.get_profile(session, guild_id, user_id)
            if profile is None or profile.status != ProfileStatus.PAUSED or profile.paused_until is None:
                return
            if profile.paused_until > ctx.now:
                return
            profile.status, profile.paused_until, profile.silent_rounds = ProfileStatus.ACTIVE, None, 0
        with using_locale(profile.locale):
            await self.dm(
                user_id,
                _("Welcome back! Your pause is over and you are in the next pen-pal round."),
                nonce=ctx.nonce,
            )

    # -- sending ----------------------------------------------------------------------------

    async def post_in_group(
        self, group: PenpalGroup, content: str, view: discord.ui.View, *, nonce: str | None = None
    ) -> None:
        if group.thread_id is None:
            return
        thread = self.bot.get_channel(group.thread_id)
        if thread is None:
            try:
                thread = await self.bot.fetch_channel(group.thread_id)
            except discord.HTTPException:
                log.warning("thread %s of group %s is gone", group.thread_id, group.id)
                return
        try:
            await thread.send(content, view=view, nonce=nonce)  # type: ignore[union-attr]
        except discord.HTTPException as error:
            log.warning("could not post in thread %s: %s", group.thread_id, error)

    async def dm(self, user_id: int, content: str, *, nonce: str | None = None, **kwargs: object) -> bool:
        try:
            user = self.bot.get_user(user_id) or await self.bot.fetch_user(user_id)
            await user.send(content, nonce=nonce, **kwargs)  # type: ignore[arg-type]
        except discord.HTTPException as error:
            # Closed DMs (50007) are a member's choice: note it and go on, never retry.
            log.info("could not DM member %s: %s", user_id, error)
            return False
        return True

    async def tell_moderators(self, guild_id: int, content: str) -> None:
        async with self.bot.database.session() as session:
            settings = await get_guild_settings(session, guild_id)
        channel = (
            self.bot.get_channel(settings.mod_channel_id) if settings and settings.mod_channel_id else None
        )
        if not isinstance(channel, discord.abc.Messageable):
            log.warning("no moderator channel in guild %s for: %s", guild_id, content)
            return
        try:
            await channel.send(content)
        except discord.HTTPException as error:
            log.warning("could not reach the moderators of guild %s: %s", guild_id, error)

"""The pen-pal job handlers: each asks the round service for its share of the work, then says
it on Discord through :mod:`bot.delivery`; the halfway check-in goes through :mod:`bot.checkins`.
Every message carries the job's nonce, so a retry after a crash never posts twice."""

from __future__ import annotations

import logging
from datetime import datetime

import discord

from bot.checkins.service import CheckinService
from bot.delivery import Delivery, Status
from bot.i18n import _, join_list, ngettext, using_locale
from bot.penpal.checkins import KIND as PENPAL_SUBJECT
from bot.penpal.rounds import Refusal, RoundRefused, RoundService
from bot.penpal.service import PenpalService
from bot.penpal.steps import SILENT_ROUNDS_BEFORE_PAUSE, IntroPlan, RoundSteps
from bot.scheduler import JobContext
from bot.timefmt import both
from cogs.penpal._buttons import SkipRoundButton, rating_buttons
from cogs.penpal._render import command, intro_message, thread_name, unmatched_reason

log = logging.getLogger("cogs.penpal")

ONE_WEEK_MINUTES = 10080
# Members named in one alert: the rest are counted, and the message stays far under 2,000.
UNREACHED_LISTED = 40


class RoundJobs:
    def __init__(
        self,
        client: discord.Client,
        rounds: RoundService,
        steps: RoundSteps,
        service: PenpalService,
        delivery: Delivery,
        checkins: CheckinService,
    ) -> None:
        self.client = client
        self.rounds = rounds
        self.steps = steps
        self.service = service
        self.delivery = delivery
        self.checkins = checkins

    async def notice(self, ctx: JobContext) -> None:
        round_at = datetime.fromisoformat(ctx.payload["round_at"])
        if ctx.now >= round_at:  # held past the round by a pause: the round itself follows
            return
        notice = await self.rounds.notice(
            int(ctx.payload["guild_id"]), round_at, int(ctx.payload["generation"])
        )
        if notice is None:
            return
        for profile in notice.profiles:
            with using_locale(profile.locale):
                view = discord.ui.View(timeout=None)
                view.add_item(SkipRoundButton(notice.round_id))
                content = _(
                    "A new pen-pal round starts {when}. You are in it; if this is a busy time, skip this one."
                ).format(when=both(round_at, profile.timezone or "UTC"))
                await self.delivery.dm(
                    profile.user_id, content, view=view, nonce=ctx.nonce_for(profile.user_id)
                )

    async def round(self, ctx: JobContext) -> None:
        guild_id = int(ctx.payload["guild_id"])
        round_at = datetime.fromisoformat(ctx.payload["round_at"])
        outcome = await self.rounds.run_scheduled(
            guild_id, round_at, int(ctx.payload["generation"]), occurrence=ctx.due_at
        )
        if isinstance(outcome, RoundRefused) and outcome.reason == Refusal.ROUND_OPEN:
            timezone, locale = await self.rounds.guild(guild_id)
            with using_locale(locale):
                text = _(
                    "The pen-pal round due {when} did not start: the previous round is still open. "
                    "Close it with {command} and start a round with {run}."
                ).format(
                    when=both(round_at, timezone),
                    command=command("penpal-rounds close"),
                    run=command("penpal-rounds run"),
                )
            await self.delivery.alert_moderators(guild_id, text, nonce=ctx.nonce)
        elif isinstance(outcome, RoundRefused) and outcome.reason == Refusal.MISSED:
            assert outcome.next_round_at is not None  # a skipped round always schedules the next
            timezone, locale = await self.rounds.guild(guild_id)
            with using_locale(locale):
                text = _(
                    "The pen-pal round due {when} was skipped: the bot was offline until long after "
                    "it. The next round is {next}; {run} starts one now."
                ).format(
                    when=both(round_at, timezone),
                    next=both(outcome.next_round_at, timezone),
                    run=command("penpal-rounds run"),
                )
            await self.delivery.alert_moderators(guild_id, text, nonce=ctx.nonce)

    async def unmatched(self, ctx: JobContext) -> None:
        unreached: list[int] = []
        for profile, reason in await self.steps.unmatched(int(ctx.payload["round_id"])):
            with using_locale(profile.locale):
                text = _("No pen pal for you this round, sorry. {reason}").format(
                    reason=unmatched_reason(reason)
                )
                sent = await self.delivery.dm(profile.user_id, text, nonce=ctx.nonce_for(profile.user_id))
            if not sent.reached:
                unreached.append(profile.user_id)
        if unreached:
            # Moderators were told these members "were told why": say who was not.
            guild_id = int(ctx.payload["guild_id"])
            _timezone, locale = await self.rounds.guild(guild_id)
            with using_locale(locale):
                text = ngettext(
                    "{count} member without a partner this round could not be told why (direct "
                    "messages closed): {members}.",
                    "{count} members without a partner this round could not be told why (direct "
                    "messages closed): {members}.",
                    len(unreached),
                ).format(
                    count=len(unreached),
                    members=join_list(f"<@{user_id}>" for user_id in unreached[:UNREACHED_LISTED]),
                )
            await self.delivery.alert_moderators(guild_id, text, nonce=ctx.nonce_for("moderators"))

    # -- one group's introduction -------------------------------------------------------------

    async def intro(self, ctx: JobContext) -> None:
        plan = await self.steps.intro_plan(int(ctx.payload["group_id"]))
        if plan is None or not plan.members:
            return
        with using_locale(plan.locale):
            content, embeds = intro_message(plan.members, plan.shared_languages, seed=plan.group_id)
            name = thread_name(plan.members)
        try:
            thread = await self._thread(plan, name)
        except discord.DiscordServerError:
            raise  # retried by the scheduler; the recorded intent keeps it to one thread
        except (discord.HTTPException, NoThreadChannelError) as error:
            await self._fallback(ctx, plan, str(error))
            return
        for profile in plan.members:
            await self.delivery.pace()
            try:
                await thread.add_user(discord.Object(id=profile.user_id))
            except discord.DiscordServerError:
                raise
            except discord.HTTPException as error:  # e.g. left the server since the round ran
                log.info("could not add member %s to thread %s: %s", profile.user_id, thread.id, error)
        posted = await self.delivery.send_to(
            thread, content, embeds=embeds, nonce=ctx.nonce, mention_users=[p.user_id for p in plan.members]
        )
        if not posted.reached:
            await self._fallback(ctx, plan, posted.error or "")

    async def _thread(self, plan: IntroPlan, name: str) -> discord.Thread:
        """The group's thread: the one recorded, one a crashed run created, or a new one."""
        if plan.thread_id is not None:
            await self.delivery.pace()
            found = await self.client.fetch_channel(plan.thread_id)
            if isinstance(found, discord.Thread):
                return found
        if plan.channel_id is None:
            raise NoThreadChannelError("no pen-pal channel is set")
        channel = self.client.get_channel(plan.channel_id)
        if channel is None:
            await self.delivery.pace()
            channel = await self.client.fetch_channel(plan.channel_id)
        if not isinstance(channel, discord.TextChannel) or channel.is_news():
            raise NoThreadChannelError("the pen-pal channel cannot hold private threads")
        if plan.thread_requested:
            await self.delivery.pace()
            for thread in await channel.guild.active_threads():
                if (
                    thread.parent_id == channel.id
                    and thread.name == name
                    and thread.owner_id == self.client.user.id
                ):  # type: ignore[union-attr]
                    await self.steps.thread_opened(plan.group_id, thread.id)
                    return thread
        await self.steps.thread_requested(plan.group_id)
        await self.delivery.pace()
        thread = await channel.create_thread(
            name=name,
            type=discord.ChannelType.private_thread,
            invitable=False,
            auto_archive_duration=ONE_WEEK_MINUTES,
        )
        await self.steps.thread_opened(plan.group_id, thread.id)
        return thread

    async def _fallback(self, ctx: JobContext, plan: IntroPlan, error: str) -> None:
        """No thread: each member gets the others' introductions by direct message, and the
        moderators are told what failed and exactly how many members were reached."""
        reached = 0
        for profile in plan.members:
            with using_locale(profile.locale):
                others = [other for other in plan.members if other.user_id != profile.user_id]
                content, embeds = intro_message(others, plan.shared_languages, seed=plan.group_id)
            result = await self.delivery.dm(
                profile.user_id, content, embeds=embeds, nonce=ctx.nonce_for(profile.user_id)
            )
            reached += result.status == Status.SENT
        names = join_list(profile.display_name for profile in plan.members)
        with using_locale(plan.locale):
            warning = _(
                "I could not open a private thread for the pen-pal group {names} (group {group}): {error}. "
                "Check that I may view the pen-pal channel, send messages, create private threads and "
                "send messages in threads there. {reached} of {total} members got their introductions "
                "by direct message instead."
            ).format(
                names=names, group=plan.group_id, error=error[:200], reached=reached, total=len(plan.members)
            )
        await self.delivery.alert_moderators(plan.guild_id, warning, nonce=ctx.nonce_for("moderators"))

    # -- halfway, the end, and pauses -------------------------------------------------------------

    async def checkin(self, ctx: JobContext) -> None:
        """Halfway: each open group with a thread becomes a check-in subject whose first check-in
        is due now; :mod:`cogs.checkins` posts it (and tells moderators if it cannot)."""
        _locale, groups = await self.steps.checkin(int(ctx.payload["round_id"]))
        for group in groups:
            if group.thread_id is None:  # moderators heard at the introduction
                continue
            await self.checkins.open_subject(
                PENPAL_SUBJECT, group.id, group.guild_id, first_due=ctx.due_at, thread_id=group.thread_id
            )

    async def close(self, ctx: JobContext) -> None:
        closing = await self.steps.close(int(ctx.payload["round_id"]))
        if closing is None:
            return
        for group in closing.groups:  # their check-ins end with the round
            await self.checkins.end_subject(PENPAL_SUBJECT, group.id)
        unposted = []
        for group in closing.groups:
            if group.thread_id is None:
                continue
            with using_locale(closing.locale):
                text = _(
                    "This round is ending. How did it go? Rate it from 1 to 5; only moderators see ratings."
                )
                view = rating_buttons(group.id)
            posted = await self.delivery.post(group.thread_id, text, view=view, nonce=ctx.nonce_for(group.id))
            if not posted.reached:
                unposted.append(group.id)
        await self._report_unposted(ctx, closing.locale, unposted)
        threads = {m.user_id: g.thread_id for g in closing.groups for m in g.members if g.thread_id}
        for profile in closing.paused:
            with using_locale(profile.locale):
                text = _(
                    "You have not answered the check-ins for {count} rounds in a row, so I paused your "
                    "pen-pal matching. Run {command} whenever you want to come back."
                ).format(count=SILENT_ROUNDS_BEFORE_PAUSE, command=command("penpal resume"))
            # Members who keep their DMs closed are told in the thread of the round that ended.
            await self.delivery.dm(
                profile.user_id,
                text,
                nonce=ctx.nonce_for(profile.user_id),
                fallback_channel_id=threads.get(profile.user_id),
            )

    async def _report_unposted(self, ctx: JobContext, locale: str, groups: list[int]) -> None:
        if not groups:
            return
        with using_locale(locale):
            text = ngettext(
                "I could not post in the thread of {count} pen-pal group (group {groups}). Check that I "
                "may view the pen-pal channel and send messages in threads there.",
                "I could not post in the threads of {count} pen-pal groups (groups {groups}). Check that I "
                "may view the pen-pal channel and send messages in threads there.",
                len(groups),
            ).format(count=len(groups), groups=join_list(str(group) for group in groups[:20]))
        await self.delivery.alert_moderators(
            int(ctx.payload["guild_id"]), text, nonce=ctx.nonce_for("moderators")
        )

    async def resume(self, ctx: JobContext) -> None:
        profile = await self.service.resume_if_due(int(ctx.payload["guild_id"]), int(ctx.payload["user_id"]))
        if profile is None:
            return
        with using_locale(profile.locale):
            text = _("Welcome back! Your pause is over and you are in the next pen-pal round.")
        await self.delivery.dm(profile.user_id, text, nonce=ctx.nonce)


class NoThreadChannelError(Exception):
    """The pen-pal channel is missing or cannot hold private threads (e.g. an announcement channel)."""

"""The survey job handlers: each asks the service for its share of the work, then says it on
Discord through :mod:`bot.delivery`, with the job's nonce so a retry never sends twice."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from bot.delivery import Delivery
from bot.i18n import _, using_locale
from bot.scheduler import JobContext
from bot.surveys.service import InvitePlan, Skipped, SurveyService
from bot.timefmt import both
from cogs.surveys import _render
from cogs.surveys._buttons import partnership_view, score_view

if TYPE_CHECKING:
    from bot.client import SisterBot

log = logging.getLogger("cogs.surveys")


class SurveyJobs:
    def __init__(self, bot: SisterBot, service: SurveyService, delivery: Delivery) -> None:
        self.bot = bot
        self.service = service
        self.delivery = delivery

    async def open(self, ctx: JobContext) -> None:
        guild_id = int(ctx.payload["guild_id"])
        outcome = await self.service.open_survey(
            guild_id, int(ctx.payload["generation"]), datetime.fromisoformat(ctx.payload["at"])
        )
        if isinstance(outcome, Skipped):
            timezone = await self.bot.guild_timezone(guild_id)
            with using_locale(await self.bot.guild_locale(guild_id)):
                text = _(
                    "The survey due {when} was skipped: the bot was offline for all of its window. "
                    "The next survey is {next}."
                ).format(when=both(outcome.missed_at, timezone), next=both(outcome.next_survey_at, timezone))
            await self.delivery.alert_moderators(guild_id, text, nonce=ctx.nonce)

    async def invite(self, ctx: JobContext) -> None:
        """One batch of members: each DM once (its nonce, and the invitation marked right after
        it), so a retry after a crash sends only what is left."""
        survey_id = int(ctx.payload["survey_id"])
        guild = self.bot.get_guild(int(ctx.payload["guild_id"]))
        for user_id in ctx.payload["users"]:
            if guild is not None and guild.chunked and guild.get_member(int(user_id)) is None:
                # Left while the bot was away (no leave event seen): signed off, not invited.
                await self.service.member_left(guild.id, int(user_id))
            plan = await self.service.invitation(survey_id, int(user_id))
            if plan is not None:
                await self._invite(ctx, plan)

    async def _invite(self, ctx: JobContext, plan: InvitePlan) -> None:
        guild = self.bot.get_guild(plan.guild_id)
        server = guild.name if guild is not None else "Sister Libraries"
        timezone = await self.bot.guild_timezone(plan.guild_id)
        with using_locale(plan.locale):
            content = _render.survey_question(server, plan.number, both(plan.closes_at, timezone))
            sent = await self.delivery.dm(
                plan.user_id, content, view=score_view(plan.survey_id), nonce=ctx.nonce_for(plan.user_id)
            )
            if sent.reached:
                for partnership in plan.partnerships:
                    await self.delivery.dm(
                        plan.user_id,
                        _render.partnership_question(partnership),
                        view=partnership_view(plan.survey_id, partnership),
                        nonce=ctx.nonce_for(f"{plan.user_id}:p{partnership.id}"),
                    )
        if not sent.reached:
            log.info("survey %s: member %s not reached: %s", plan.survey_id, plan.user_id, sent.error)
        await self.service.invite_done(plan.survey_id, plan.user_id, reached=sent.reached)

    async def close(self, ctx: JobContext) -> None:
        closed = await self.service.close_survey(int(ctx.payload["survey_id"]))
        if closed is None:
            return
        guild_id, figures = closed
        with using_locale(await self.bot.guild_locale(guild_id)):
            text = _render.closing_text(figures)
        await self.delivery.alert_moderators(guild_id, text, nonce=ctx.nonce)

"""The check-in job handlers: ask the service for the check-in to post, then post it in the
subject's thread through :mod:`bot.delivery` with the job's nonce (a retry never posts twice)."""

from __future__ import annotations

from datetime import datetime

from bot.checkins.service import CheckinService, PostPlan
from bot.delivery import Delivery
from bot.i18n import using_locale
from bot.scheduler import JobContext
from cogs.checkins._buttons import checkin_buttons
from cogs.checkins._render import checkin_text, quiet_alert, unposted_alert


class CheckinJobs:
    def __init__(self, service: CheckinService, delivery: Delivery) -> None:
        self.service = service
        self.delivery = delivery

    async def post(self, ctx: JobContext) -> None:
        plan = await self.service.post_due(
            int(ctx.payload["subject"]), datetime.fromisoformat(ctx.payload["due_at"])
        )
        if plan is not None:
            await self._post(ctx, plan)

    async def repost(self, ctx: JobContext) -> None:
        plan = await self.service.repost_due(int(ctx.payload["checkin_id"]), int(ctx.payload["snoozes"]))
        if plan is not None:
            await self._post(ctx, plan)

    async def _post(self, ctx: JobContext, plan: PostPlan) -> None:
        with using_locale(plan.locale):
            content, view = checkin_text(plan), checkin_buttons(plan.checkin_id)
        error = "no thread"
        if plan.thread_id is not None:
            posted = await self.delivery.post(plan.thread_id, content, view=view, nonce=ctx.nonce)
            error = "" if posted.reached else posted.error or ""
        if error:
            with using_locale(plan.locale):
                alert = unposted_alert(plan, error)
            await self.delivery.alert_moderators(plan.guild_id, alert, nonce=ctx.nonce_for("unposted"))
        if plan.went_quiet:
            with using_locale(plan.locale):
                alert = quiet_alert(plan)
            await self.delivery.alert_moderators(plan.guild_id, alert, nonce=ctx.nonce_for("quiet"))

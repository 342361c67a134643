"""The reminder job: ask the service what is due, send it through :mod:`bot.delivery` (DM, else
the channel it was set in with a mention of that member only), record what happened.

The job's nonce goes with the message, so a run repeated after a crash never posts twice.
"""

from __future__ import annotations

from datetime import datetime

from bot.delivery import Delivery
from bot.i18n import using_locale
from bot.reminders.service import ReminderService
from bot.scheduler import JobContext
from cogs.reminders._buttons import delivered_view
from cogs.reminders._render import delivery_text


class ReminderJobs:
    def __init__(self, service: ReminderService, delivery: Delivery) -> None:
        self.service = service
        self.delivery = delivery

    async def due(self, ctx: JobContext) -> None:
        due = await self.service.due(int(ctx.payload["reminder"]), datetime.fromisoformat(ctx.payload["at"]))
        if due is None:
            return  # cancelled, done, or moved by a snooze: this job is stale
        reminder = due.reminder
        with using_locale(reminder.locale):
            result = await self.delivery.dm(
                reminder.user_id,
                delivery_text(reminder, due.at, late=ctx.late),
                view=delivered_view(reminder.id),
                nonce=ctx.nonce,
                fallback_channel_id=reminder.channel_id,
            )
        await self.service.delivered(due, reached=result.reached)

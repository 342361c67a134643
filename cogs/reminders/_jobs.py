"""The reminder job: ask the service what is due, send it through :mod:`bot.delivery` (DM, else
the channel it was set in with a mention of that member only), record what happened.

The job's nonce goes with the message, so a run repeated after a crash never posts twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import discord

from bot.delivery import Delivery
from bot.i18n import using_locale
from bot.reminders.service import ReminderService
from bot.scheduler import JobContext
from cogs.reminders._buttons import delivered_view
from cogs.reminders._render import delivery_text

# A reminder this much after its time says so (after downtime, or when many fell due at once and
# Discord's pace for opening DMs held it back).
LATE_NOTE_AFTER = timedelta(minutes=15)


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
                delivery_text(reminder, due.at, late=ctx.now - due.at > LATE_NOTE_AFTER),
                view=delivered_view(reminder.id),
                nonce=ctx.nonce,
                fallback_channel_id=self._fallback(reminder.guild_id, reminder.user_id, reminder.channel_id),
            )
        await self.service.delivered(due, reached=result.reached)

    def _fallback(self, guild_id: int, user_id: int, channel_id: int | None) -> int | None:
        """The channel it was set in, while the member may still send messages there themselves
        (checked again now: a role or a channel's permissions may have changed); else None."""
        guild = self.delivery.client.get_guild(guild_id)
        if channel_id is None or guild is None:
            return None
        member, channel = guild.get_member(user_id), guild.get_channel_or_thread(channel_id)
        if member is None or channel is None:
            return None
        permissions = channel.permissions_for(member)
        if isinstance(channel, discord.Thread):
            return channel_id if permissions.send_messages_in_threads else None
        return channel_id if permissions.send_messages else None

"""The announcement jobs as the bot runs them: post at the time, then publish within the limit."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import TYPE_CHECKING

import discord

from bot.announcements.publish import Attempt, Outcome, Ran
from bot.announcements.service import AnnouncementService
from bot.delivery import PublishStatus
from bot.i18n import using_locale
from bot.scheduler import JobContext
from cogs.announcements._render import failure_alert, missing_permissions, publish_alert

if TYPE_CHECKING:
    from bot.announcements.models import ScheduledAnnouncement
    from bot.client import BotCore

_OUTCOMES = {
    PublishStatus.PUBLISHED: Outcome.PUBLISHED,
    PublishStatus.ALREADY: Outcome.ALREADY,
    PublishStatus.RATE_LIMITED: Outcome.RATE_LIMITED,
    PublishStatus.REFUSED: Outcome.REFUSED,
    PublishStatus.FAILED: Outcome.FAILED,
}


class AnnouncementJobs:
    def __init__(self, bot: BotCore, service: AnnouncementService) -> None:
        self.bot = bot
        self.service = service
        # One post at a time per channel: Discord allows 5 messages per 5 s in a channel, and a
        # burst sent at once (announcements set for the same minute) would meet 429s before the
        # client has learnt the channel's bucket. In turn, the client waits for the bucket instead.
        self._channel_locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def post(self, context: JobContext) -> None:
        """Posts the announcement; permissions are checked again now (they may have changed)."""
        row = await self.service.due(int(context.payload["announcement_id"]), int(context.payload["version"]))
        if row is None:
            return
        channel = self.bot.get_channel(row.channel_id)  # type: ignore[attr-defined]
        if not isinstance(channel, discord.TextChannel):
            await self._failed(row, "channel_gone", [], context)
            return
        missing = missing_permissions(channel)
        if missing:
            await self._failed(row, "missing_permissions", missing, context)
            return
        # The nonce makes a retried run (the process died after sending) return the first post.
        async with self._channel_locks[row.channel_id]:
            result = await self.bot.delivery.post(row.channel_id, row.content, nonce=context.nonce)
        if not result.reached or result.message_id is None:
            await self._failed(row, "post_failed", [], context)
            return
        await self.service.posted(row.id, result.message_id, publish_it=channel.is_news())

    async def _failed(
        self, row: ScheduledAnnouncement, reason: str, missing: list[str], context: JobContext
    ) -> None:
        if not await self.service.failed(row.id, reason):
            return  # recorded (and told) already
        with using_locale(await self.bot.guild_locale(row.guild_id)):
            await self.bot.delivery.alert_moderators(
                row.guild_id, failure_alert(row, reason, missing), nonce=context.nonce_for("alert")
            )

    async def publish(self, context: JobContext) -> None:
        result = await self.service.publishes.run(int(context.payload["publish_id"]), self._publisher)
        if result.ran is Ran.FAILED and context.guild_id is not None:
            channel_id = result.channel_id or 0
            with using_locale(await self.bot.guild_locale(context.guild_id)):
                await self.bot.delivery.alert_moderators(
                    context.guild_id,
                    publish_alert(channel_id, result.error),
                    nonce=context.nonce_for("alert"),
                )

    async def _publisher(self, channel_id: int, message_id: int) -> Attempt:
        published = await self.bot.delivery.publish(channel_id, message_id)
        return Attempt(_OUTCOMES[published.status], published.retry_after, published.error)

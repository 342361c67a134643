"""The article jobs as the bot runs them: the weekly digest, posted in the server's language."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from bot import text
from bot.articles.service import ArticleService
from bot.delivery import fit_embed, mentions
from bot.i18n import _, using_locale
from bot.scheduler import JobContext
from cogs.articles._render import digest_embed

if TYPE_CHECKING:
    from bot.client import BotCore


class DigestJobs:
    def __init__(self, bot: BotCore, service: ArticleService) -> None:
        self.bot = bot
        self.service = service

    async def digest(self, context: JobContext) -> None:
        """Posts the week's most-read articles; a week with none posts nothing."""
        guild_id = int(context.payload["guild_id"])
        channel_id = await self.service.channel(guild_id)
        if channel_id is None:
            return
        views = await self.service.digest(guild_id, context.due_at)
        if not views:
            return
        with using_locale(await self.bot.guild_locale(guild_id)):
            embed = digest_embed(views)
            channel = self.bot.get_channel(channel_id)  # type: ignore[attr-defined]
            if isinstance(channel, discord.ForumChannel):
                await self.bot.delivery.pace()
                await channel.create_thread(
                    name=text.fit(embed.title or "", text.THREAD_NAME),
                    embed=fit_embed(embed),
                    allowed_mentions=mentions(),
                )
                return
            await self.bot.delivery.post(
                channel_id, _("The week in articles:"), embeds=[embed], nonce=context.nonce
            )

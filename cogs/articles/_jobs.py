"""The article jobs as the bot runs them: the weekly digest, posted in the server's language."""

from __future__ import annotations

from datetime import timedelta
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

# Discord's clock and ours may differ a little; last week's thread is days older than this.
CLOCK_SKEW = timedelta(hours=1)


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
                name = text.fit(embed.title or "", text.THREAD_NAME)
                if await self._posted_in_forum(channel, name, context):
                    return
                await self.bot.delivery.pace()
                await channel.create_thread(name=name, embed=fit_embed(embed), allowed_mentions=mentions())
                return
            await self.bot.delivery.post(
                channel_id, _("The week in articles:"), embeds=[embed], nonce=context.nonce
            )

    async def _posted_in_forum(self, forum: discord.ForumChannel, name: str, context: JobContext) -> bool:
        """Whether an earlier run of this occurrence already opened the digest's thread.

        Creating a forum thread takes no nonce, so a run that failed after Discord created the
        thread would post it again on retry. This week's thread is the bot's thread of that name
        in this forum created since the occurrence was due (last week's is older).
        """
        await self.bot.delivery.pace()
        for thread in await forum.guild.active_threads():
            if (
                thread.parent_id == forum.id
                and thread.owner_id == self.bot.user.id  # type: ignore[attr-defined]
                and thread.name == name
                and thread.created_at is not None
                and thread.created_at >= context.due_at - CLOCK_SKEW
            ):
                return True
        return False

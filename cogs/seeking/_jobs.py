"""The fit job: tells each side of a new fit by direct message, through :mod:`bot.delivery`.

Each message carries a nonce for its recipient, so a retry after a crash never sends twice. A
member whose direct messages are closed stays "not told": their next /seeking command shows it.
"""

from __future__ import annotations

import discord

from bot.delivery import Delivery
from bot.i18n import using_locale
from bot.scheduler import JobContext
from bot.seeking.service import SeekingService
from cogs.seeking._render import notice_message


class FitJobs:
    def __init__(self, client: discord.Client, service: SeekingService, delivery: Delivery) -> None:
        self.client = client
        self.service = service
        self.delivery = delivery

    async def fit(self, ctx: JobContext) -> None:
        fit_id = int(ctx.payload["fit_id"])
        reached: list[int] = []
        try:
            for notice in await self.service.notices(fit_id):
                guild = self.client.get_guild(notice.other.guild_id)
                with using_locale(notice.locale):
                    content, embed = notice_message(notice, guild.name if guild is not None else "")
                result = await self.delivery.dm(
                    notice.user_id, content, embeds=[embed], nonce=ctx.nonce_for(notice.user_id)
                )
                if result.reached:
                    reached.append(notice.user_id)
        except BaseException:
            # Discord failed on its side: the job runs again, and whoever was reached is not
            # sent the message a second time.
            await self.service.mark_told(fit_id, reached, finished=False)
            raise
        await self.service.mark_told(fit_id, reached)

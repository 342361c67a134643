"""The channel articles are posted in, for /setup and /config show to check."""

from __future__ import annotations

from bot.articles import repository as repo
from bot.channels import ChannelUse, ChannelUses
from bot.db import Database
from bot.i18n import N_

# A forum post is a thread whose first message the bot sends: Send Messages covers both.
NEEDS = ("view_channel", "send_messages", "embed_links", "send_messages_in_threads")


def article_channels(database: Database) -> ChannelUses:
    async def channels(guild_id: int) -> list[ChannelUse]:
        async with database.session() as session:
            settings = await repo.get_settings(session, guild_id)
        channel_id = settings.channel_id if settings else None
        kinds = ("text", "forum")
        return [ChannelUse(N_("Articles"), channel_id, NEEDS, "article settings channel", kinds=kinds)]

    return channels

"""Every direct message, channel or thread post and moderator alert the bot sends on its own.

One place that fits text to Discord's limits (with an ellipsis), keeps mentions off unless a
caller names who may be pinged, falls back when a member's DMs are closed (remembered, not
retried), and says honestly what happened: sent, fell back, or failed. Discord's 5xx errors are
raised, so a job retries (its nonce keeps the retry from posting twice).
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import aiohttp
import discord
from discord.utils import MISSING

from bot import text
from bot.clock import Clock
from bot.db import Database
from bot.db.core_repo import get_dm_channel, get_guild_settings, save_dm_channel
from bot.db.engine import session_open
from bot.scheduler.pacing import RatePacer

log = logging.getLogger("bot.delivery")

# Discord's error code for "Cannot send messages to this user" (closed DMs, blocked bot).
DM_CLOSED = 50007
THREAD_ARCHIVED = 50083
ALREADY_CROSSPOSTED = 40033
# How long a publish may wait inside the client for its rate limit before it is handed back to
# the caller's queue (which re-plans it) instead of holding a job for up to an hour.
PUBLISH_HOLD = timedelta(seconds=3)
MAX_EMBEDS = 10
# How long a closed DM is taken as closed before trying again (members do open them again).
DM_CLOSED_FOR = timedelta(days=7)


class Status(StrEnum):
    SENT = "sent"
    FELL_BACK = "fell_back"
    FAILED = "failed"


class PublishStatus(StrEnum):
    PUBLISHED = "published"
    ALREADY = "already"  # published before (an earlier attempt went through)
    RATE_LIMITED = "rate_limited"  # Discord said 429, or the client would have had to wait
    REFUSED = "refused"  # for good: no such channel or message, not an announcement channel
    FAILED = "failed"  # no verdict (Discord's 5xx, a network error): worth another try


@dataclass(frozen=True)
class Published:
    status: PublishStatus
    retry_after: timedelta | None = None
    error: str | None = None


@dataclass(frozen=True)
class Result:
    status: Status
    message_id: int | None = None
    error: str | None = None

    @property
    def reached(self) -> bool:
        return self.status != Status.FAILED


def fit_embed(embed: discord.Embed) -> discord.Embed:
    """The embed with every text cut to Discord's limits, and the whole within 6,000 characters."""
    if embed.title:
        embed.title = text.fit(embed.title, text.EMBED_TITLE)
    if embed.description:
        embed.description = text.fit(embed.description, text.EMBED_DESCRIPTION)
    fields = [(f.name or "", f.value or "", f.inline) for f in embed.fields]
    embed.clear_fields()
    for name, value, inline in fields[:25]:
        embed.add_field(
            name=text.fit(name, text.EMBED_FIELD_NAME) or "\u200b",
            value=text.fit(value, text.EMBED_FIELD_VALUE) or "\u200b",
            inline=inline,
        )
    if embed.footer.text:
        embed.set_footer(text=text.fit(embed.footer.text, text.EMBED_FOOTER), icon_url=embed.footer.icon_url)
    excess = len(embed) - text.EMBED_TOTAL
    if excess > 0 and embed.description:
        embed.description = text.fit(embed.description, max(1, len(embed.description) - excess))
    return embed


def fit_embeds(embeds: Sequence[discord.Embed]) -> list[discord.Embed]:
    fitted = [fit_embed(embed) for embed in embeds[:MAX_EMBEDS]]
    # The 6,000-character limit holds for all of a message's embeds together.
    while len(fitted) > 1 and sum(len(embed) for embed in fitted) > text.EMBED_TOTAL:
        fitted.pop()
    return fitted


def mentions(user_ids: Sequence[int] = ()) -> discord.AllowedMentions:
    """Nobody is pinged but the members named."""
    return discord.AllowedMentions(
        everyone=False, roles=False, replied_user=False, users=[discord.Object(id=i) for i in user_ids]
    )


class Delivery:
    """``requests_per_second``: pace the requests sent through here (jobs' traffic) under
    Discord's limit of 50 per second per bot; None leaves pacing to Discord's 429s."""

    def __init__(
        self,
        client: discord.Client,
        database: Database,
        clock: Clock,
        *,
        requests_per_second: float | None = None,
    ) -> None:
        self.client = client
        self.database = database
        self.clock = clock
        self._pacer = RatePacer(requests_per_second) if requests_per_second else None
        self._dm_closed: dict[int, datetime] = {}
        self._dm_channels: dict[int, int] = {}

    async def pace(self) -> None:
        """Wait for this process's turn to make one more request to Discord."""
        if self._pacer is not None:
            await self._pacer.acquire()

    def dm_known_closed(self, user_id: int) -> bool:
        since = self._dm_closed.get(user_id)
        return since is not None and self.clock.now() - since < DM_CLOSED_FOR

    async def dm(
        self,
        user_id: int,
        content: str,
        *,
        embeds: Sequence[discord.Embed] = (),
        view: discord.ui.View | None = None,
        nonce: str | None = None,
        fallback_channel_id: int | None = None,
    ) -> Result:
        """A direct message; when the member's DMs are closed, a post in ``fallback_channel_id``
        that mentions them (FELL_BACK), or FAILED without one."""
        if not self.dm_known_closed(user_id):
            try:

                async def send(channel: discord.abc.Messageable) -> discord.Message:
                    await self.pace()
                    return await channel.send(
                        text.fit(content, text.MESSAGE_CONTENT),
                        embeds=fit_embeds(embeds) or None,
                        view=view,
                        nonce=nonce,
                        allowed_mentions=mentions(),
                    )

                try:
                    message = await send(await self._dm_channel(user_id))
                except discord.NotFound:  # a channel kept from before that Discord no longer knows
                    message = await send(await self._dm_channel(user_id, reopen=True))
                return Result(Status.SENT, message.id)
            except discord.Forbidden as error:
                if error.code != DM_CLOSED:
                    return Result(Status.FAILED, error=str(error))
                self._dm_closed[user_id] = self.clock.now()
                log.info("member %s does not take direct messages", user_id)
            except discord.DiscordServerError:
                raise
            except discord.HTTPException as error:
                return Result(Status.FAILED, error=str(error))
        if fallback_channel_id is None:
            return Result(Status.FAILED, error="direct messages closed")
        posted = await self.post(
            fallback_channel_id,
            f"<@{user_id}> {content}",
            embeds=embeds,
            view=view,
            nonce=nonce,
            mention_users=[user_id],
        )
        return Result(Status.FELL_BACK, posted.message_id) if posted.reached else posted

    async def _dm_channel(self, user_id: int, *, reopen: bool = False) -> discord.abc.Messageable:
        """The member's DM channel: known in memory, else kept in the database, else opened once and
        kept (opening is the request Discord limits most tightly; the channel never changes)."""
        channel_id = None if reopen else self._dm_channels.get(user_id)
        if channel_id is None and not reopen and not session_open():
            async with self.database.session() as session:
                channel_id = await get_dm_channel(session, user_id)
        if channel_id is None:
            user = self.client.get_user(user_id)
            if user is None:
                await self.pace()
                user = await self.client.fetch_user(user_id)
            await self.pace()
            opened = await user.create_dm()
            channel_id = opened.id
            if not session_open():
                async with self.database.session() as session:
                    await save_dm_channel(session, user_id, channel_id, self.clock.now())
        self._dm_channels[user_id] = channel_id
        return self.client.get_partial_messageable(channel_id, type=discord.ChannelType.private)

    async def post(
        self,
        channel_id: int,
        content: str,
        *,
        embeds: Sequence[discord.Embed] = (),
        view: discord.ui.View | None = None,
        nonce: str | None = None,
        mention_users: Sequence[int] = (),
        files: Sequence[tuple[str, bytes]] = (),
    ) -> Result:
        """A message in a channel or thread; only the members in ``mention_users`` are pinged.
        ``files`` are (name, bytes) attachments, e.g. a photo an embed shows as attachment://name."""
        try:
            channel = self.client.get_channel(channel_id)
            if channel is None or isinstance(channel, discord.Thread):
                # Whether a thread is archived changes on Discord's side: read it fresh.
                await self.pace()
                channel = await self.client.fetch_channel(channel_id)
        except discord.DiscordServerError:
            raise
        except discord.HTTPException as error:
            log.warning("could not find channel %s: %s", channel_id, error)
            return Result(Status.FAILED, error=str(error))
        if not isinstance(channel, discord.abc.Messageable):
            return Result(Status.FAILED, error=f"channel {channel_id} takes no messages")
        return await self.send_to(
            channel, content, embeds=embeds, view=view, nonce=nonce, mention_users=mention_users, files=files
        )

    async def send_to(
        self,
        channel: discord.abc.Messageable,
        content: str,
        *,
        embeds: Sequence[discord.Embed] = (),
        view: discord.ui.View | None = None,
        nonce: str | None = None,
        mention_users: Sequence[int] = (),
        files: Sequence[tuple[str, bytes]] = (),
    ) -> Result:
        """A message in a channel the caller holds (e.g. a thread it just created)."""
        in_server = isinstance(channel, discord.abc.GuildChannel | discord.Thread)
        if files and in_server and not channel.permissions_for(channel.guild.me).attach_files:  # type: ignore[union-attr]
            # Without Attach Files the message still goes out, without its pictures.
            files = ()
            for embed in embeds:
                if embed.image and (embed.image.url or "").startswith("attachment://"):
                    embed.set_image(url=None)

        async def send() -> discord.Message:
            await self.pace()
            return await channel.send(
                text.fit(content, text.MESSAGE_CONTENT),
                embeds=fit_embeds(embeds) or None,
                view=view,
                nonce=nonce,
                allowed_mentions=mentions(mention_users),
                files=[discord.File(io.BytesIO(data), filename=name) for name, data in files] or MISSING,
            )

        try:
            if isinstance(channel, discord.Thread) and channel.archived and not channel.locked:
                await self._unarchive(channel)
            try:
                message = await send()
            except discord.HTTPException as error:
                # A quiet thread archives itself after a week; the bot reopens its own threads.
                if error.code != THREAD_ARCHIVED or not isinstance(channel, discord.Thread):
                    raise
                await self._unarchive(channel)
                message = await send()
        except discord.DiscordServerError:
            raise
        except discord.HTTPException as error:
            log.warning("could not post in channel %s: %s", getattr(channel, "id", "?"), error)
            return Result(Status.FAILED, error=str(error))
        return Result(Status.SENT, message.id)

    async def _unarchive(self, thread: discord.Thread) -> None:
        await self.pace()
        await thread.edit(archived=False)

    async def alert_moderators(self, guild_id: int, content: str, *, nonce: str | None = None) -> Result:
        """A message in the moderator channel chosen in /setup; FAILED when there is none."""
        async with self.database.session() as session:
            settings = await get_guild_settings(session, guild_id)
        if settings is None or settings.mod_channel_id is None:
            log.warning("no moderator channel in guild %s for: %s", guild_id, content)
            return Result(Status.FAILED, error="no moderator channel")
        return await self.post(settings.mod_channel_id, content, nonce=nonce)

    async def publish(self, channel_id: int, message_id: int, *, hold: timedelta = PUBLISH_HOLD) -> Published:
        """Publish (crosspost) a message of an announcement channel to the servers that follow it.

        Never waits long: a publish the client would hold for its rate limit for more than
        ``hold`` comes back RATE_LIMITED, for the caller's durable queue to try later.
        """
        channel = self.client.get_channel(channel_id)
        if channel is None:
            # Not in the cache: gone, or its server is unavailable for now. Worth another try.
            return Published(PublishStatus.FAILED, error=f"channel {channel_id} is not known here")
        if not isinstance(channel, discord.TextChannel) or not channel.is_news():
            return Published(PublishStatus.REFUSED, error=f"channel {channel_id} is no announcement channel")
        await self.pace()
        try:
            await asyncio.wait_for(channel.get_partial_message(message_id).publish(), hold.total_seconds())
        except TimeoutError:
            # discord.py also sleeps out a bucket inside the call that emptied it (the tenth
            # publish of the hour): the publish may well have happened. The message says.
            return await self._published_anyway(channel, message_id, hold)
        except discord.RateLimited as limited:
            return Published(
                PublishStatus.RATE_LIMITED, timedelta(seconds=limited.retry_after), error=str(limited)
            )
        except discord.DiscordServerError as error:
            return Published(PublishStatus.FAILED, error=str(error))
        except discord.HTTPException as error:
            if error.code == ALREADY_CROSSPOSTED:
                return Published(PublishStatus.ALREADY)
            if error.status == 429:
                return Published(PublishStatus.RATE_LIMITED, error=str(error))
            log.warning("could not publish message %s in channel %s: %s", message_id, channel_id, error)
            return Published(PublishStatus.REFUSED, error=str(error))
        except OSError as error:
            return Published(PublishStatus.FAILED, error=str(error))
        return Published(PublishStatus.PUBLISHED)

    async def _published_anyway(
        self, channel: discord.TextChannel, message_id: int, hold: timedelta
    ) -> Published:
        """After a publish call we stopped waiting for: PUBLISHED if the message is crossposted,
        else RATE_LIMITED (the client held it back before sending)."""
        held = Published(PublishStatus.RATE_LIMITED, error="held by the client's rate limit")
        try:
            await self.pace()
            message = await asyncio.wait_for(channel.fetch_message(message_id), hold.total_seconds())
        except discord.NotFound as error:
            return Published(PublishStatus.REFUSED, error=str(error))
        except (discord.HTTPException, TimeoutError, OSError):
            return held
        return Published(PublishStatus.PUBLISHED) if message.flags.crossposted else held


async def download(url: str, *, max_bytes: int, timeout_s: float = 10.0) -> bytes | None:
    """The bytes of a file on Discord's CDN (an attachment a member gave), or None if it cannot be
    read in time or is larger than ``max_bytes``. Attachment URLs expire after about a day, so a
    file the bot will show later is downloaded while its URL is fresh and posted as a file."""
    try:
        timeout = aiohttp.ClientTimeout(total=timeout_s)
        async with aiohttp.ClientSession(timeout=timeout) as http, http.get(url) as response:
            if response.status != 200:
                return None
            data = await response.content.read(max_bytes + 1)
    except (aiohttp.ClientError, TimeoutError) as error:
        log.info("could not download %s: %s", url[:80], error)
        return None
    return data if len(data) <= max_bytes else None

"""The partnership job handlers: each asks the service for its share of the work, says it on
Discord through :mod:`bot.delivery`, and records what it posted. Every message carries the job's
nonce, so a retry after a crash returns the first message instead of posting twice."""

from __future__ import annotations

import logging

import discord

from bot import text
from bot.checkins.service import CheckinService
from bot.delivery import Delivery, download
from bot.i18n import _, join_list, ngettext, using_locale
from bot.partners.checkins import KIND as CHECKIN_KIND
from bot.partners.models import Status
from bot.partners.posts import PartnerPosts, Post
from bot.scheduler import JobContext
from cogs.partners._buttons import queue_buttons
from cogs.partners._render import (
    anniversary_post,
    announcement,
    command,
    name,
    news_post,
    queue_message,
    safe,
)

log = logging.getLogger("cogs.partners")
QUIET_LISTED = 20
PHOTO_MAX_BYTES = 8 * 1024 * 1024
_PHOTO_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")


def photo_name(url: str) -> str:
    """A safe file name for a photo, keeping its image suffix (attachment://photo.jpg)."""
    path = url.split("?", 1)[0].lower()
    suffix = next((s for s in _PHOTO_SUFFIXES if path.endswith(s)), ".png")
    return f"photo{suffix}"


def with_photo(embed: discord.Embed | None, photo: tuple[str, bytes] | None) -> list[tuple[str, bytes]]:
    """Show ``photo`` as the embed's image from the message's own attachment; without one, show
    no image rather than a link that has expired."""
    if embed is None:
        return []
    if photo is None:
        embed.set_image(url=None)
        return []
    embed.set_image(url=f"attachment://{photo[0]}")
    return [photo]


class PartnerJobs:
    def __init__(
        self, client: discord.Client, service: PartnerPosts, delivery: Delivery, checkins: CheckinService
    ) -> None:
        self.client = client
        self.service = service
        self.delivery = delivery
        self.checkins = checkins

    def _is_news(self, channel_id: int) -> bool:
        channel = self.client.get_channel(channel_id)
        return isinstance(channel, discord.TextChannel) and channel.is_news()

    async def queue(self, ctx: JobContext) -> None:
        """Post a proposal in the moderator channel with its three buttons."""
        found = await self.service.queue_item(int(ctx.payload["partnership_id"]))
        if found is None:
            return
        partnership, channel_id, locale = found
        with using_locale(locale):
            if channel_id is None:
                log.warning("no moderator channel for partnership proposal %s", partnership.id)
                return
            content, embed = queue_message(partnership)
            # The member's attachment link expires in about a day; the queue post keeps the photo.
            files = with_photo(embed, await self._photo(partnership.photo_url))
            sent = await self.delivery.post(
                channel_id,
                content,
                embeds=[embed],
                view=queue_buttons(partnership.id),
                nonce=ctx.nonce,
                files=files,
            )
        if sent.message_id is not None:
            await self.service.record_queue_message(partnership.id, sent.message_id)

    async def tell(self, ctx: JobContext) -> None:
        """The proposer hears the moderators' decision by direct message."""
        partnership = await self.service.decision(int(ctx.payload["partnership_id"]))
        if partnership is None or partnership.proposer_id is None:
            return
        decision = ctx.payload["decision"]
        note = partnership.decision_note or ""
        _timezone, guild_locale = await self.service.guild(partnership.guild_id)
        settings = await self.service.settings(partnership.guild_id)
        with using_locale(partnership.locale):
            title = name(partnership)
            if decision == Status.ACTIVE:
                content = _(
                    "Your partnership proposal “{name}” was approved and is being announced. Congratulations!"
                )
            elif decision == Status.REJECTED:
                content = _(
                    "Your partnership proposal “{name}” was not approved. The moderators wrote: {note}"
                )
            else:
                content = _(
                    "The moderators ask for changes to your partnership proposal “{name}”: {note}\n"
                    "Send it again with {command} (partnership #{id})."
                )
            content = content.format(
                name=safe(title, 300), note=note, command=command("partner edit"), id=partnership.id
            )
            # Good news may fall back to the announcements channel; a refusal stays private, and
            # nobody who left the server is named in public (moderators are told instead).
            public = settings is not None and decision == Status.ACTIVE
            if public and not await self._in_server(partnership.guild_id, partnership.proposer_id):
                public = False
            fallback = settings.announce_channel_id if public and settings else None
            sent = await self.delivery.dm(
                partnership.proposer_id, content, nonce=ctx.nonce, fallback_channel_id=fallback
            )
        if not sent.reached:
            with using_locale(guild_locale):
                alert = _(
                    "I could not tell <@{member}> about the decision on partnership #{id} (direct "
                    "messages closed): please let them know."
                ).format(member=partnership.proposer_id, id=partnership.id)
            await self.delivery.alert_moderators(
                partnership.guild_id, alert, nonce=ctx.nonce_for("moderators")
            )

    async def _in_server(self, guild_id: int, user_id: int) -> bool:
        """Whether the member is still in the server (asked of Discord when not in the cache)."""
        guild = self.client.get_guild(guild_id)
        if guild is None:
            return False
        if guild.get_member(user_id) is not None:
            return True
        if guild.chunked:  # every member is in the cache: not there, not in the server
            return False
        try:
            await self.delivery.pace()
            await guild.fetch_member(user_id)
        except discord.HTTPException:
            return False
        return True

    async def _photo(self, url: str | None) -> tuple[str, bytes] | None:
        if not url:
            return None
        data = await download(url, max_bytes=PHOTO_MAX_BYTES)
        return (photo_name(url), data) if data is not None else None

    async def _queued_photo(self, post: Post) -> tuple[str, bytes] | None:
        """The proposal's photo from its queue post, whose link Discord renews when it is read;
        else from the link the member gave (fresh only for about a day)."""
        partnership = post.partnership
        channel_id = await self.service.moderator_channel(partnership.guild_id)
        if partnership.queue_message_id and channel_id:
            channel = self.client.get_channel(channel_id)
            if isinstance(channel, discord.TextChannel):
                try:
                    await self.delivery.pace()
                    queued = await channel.fetch_message(partnership.queue_message_id)
                except discord.HTTPException:
                    queued = None
                if queued is not None and queued.attachments:
                    return await self._photo(queued.attachments[0].url)
        return await self._photo(partnership.photo_url)

    async def _post(
        self,
        ctx: JobContext,
        post: Post,
        content: str,
        embed: discord.Embed | None,
        photo: tuple[str, bytes] | None = None,
    ) -> int | None:
        """Post it and record it; the message's id, or None when it could not be posted."""
        files = with_photo(embed, photo)
        sent = await self.delivery.post(
            post.channel_id, content, embeds=[embed] if embed else (), nonce=ctx.nonce, files=files
        )
        if sent.message_id is None:
            with using_locale(post.locale):
                alert = _(
                    "I could not post about partnership #{id} in <#{channel}>: check my permissions "
                    "there ({command})."
                ).format(
                    id=post.partnership.id, channel=post.channel_id, command=command("partner-admin settings")
                )
            await self.delivery.alert_moderators(
                post.partnership.guild_id, alert, nonce=ctx.nonce_for("moderators")
            )
            return None
        await self.service.record_post(
            guild_id=post.partnership.guild_id,
            channel_id=post.channel_id,
            message_id=sent.message_id,
            publish=self._is_news(post.channel_id),
            partnership_id=post.partnership.id if post.news is None and not post.years else None,
            news_id=post.news.id if post.news is not None else None,
        )
        return sent.message_id

    async def announce(self, ctx: JobContext) -> None:
        post = await self.service.announcement(int(ctx.payload["partnership_id"]))
        if post is None:
            return
        with using_locale(post.locale):
            content, embed = announcement(post.partnership)
        message_id = await self._post(ctx, post, content, embed, await self._queued_photo(post))
        if message_id is not None:
            await self._open_thread(post, message_id)

    async def _open_thread(self, post: Post, message_id: int) -> None:
        """A thread on the announcement, with the partnership's members in it, where its
        check-ins are posted (a thread opened on a message has the message's id)."""
        partnership = post.partnership
        channel = self.client.get_channel(post.channel_id)
        if not isinstance(channel, discord.TextChannel):
            return
        with using_locale(post.locale):
            title = text.fit(_("Partnership: {name}").format(name=name(partnership)), text.THREAD_NAME)
        try:
            await self.delivery.pace()
            thread = await channel.get_partial_message(message_id).create_thread(
                name=title, auto_archive_duration=10080
            )
            for user_id in partnership.member_ids():
                if not await self._in_server(partnership.guild_id, user_id):
                    continue  # left the server: Discord would refuse them
                await self.delivery.pace()
                await thread.add_user(discord.Object(id=user_id))
        except discord.HTTPException as error:
            # Already there after a retry, or the bot may not open threads here: check-ins are
            # still planned; moderators hear from check-ins if its posts fail.
            log.info("thread for partnership %s not opened: %s", partnership.id, error)
        await self.checkins.open_subject(
            CHECKIN_KIND, partnership.id, partnership.guild_id, thread_id=message_id
        )

    async def news(self, ctx: JobContext) -> None:
        post = await self.service.news_item(int(ctx.payload["news_id"]))
        if post is None or post.news is None:
            return
        with using_locale(post.locale):
            content, embed = news_post(post.partnership, post.news)
        await self._post(ctx, post, content, embed, await self._photo(post.news.photo_url))

    async def anniversary(self, ctx: JobContext) -> None:
        post = await self.service.anniversary(int(ctx.payload["partnership_id"]), int(ctx.payload["years"]))
        if post is None:
            return
        with using_locale(post.locale):
            content = anniversary_post(post.partnership, post.years)
        await self._post(ctx, post, content, None)

    async def quiet(self, ctx: JobContext) -> None:
        guild_id = int(ctx.payload["guild_id"])
        quiet = await self.service.quiet(guild_id)
        if not quiet.partnerships:
            return
        with using_locale(quiet.locale):
            names = join_list(f"#{p.id} {safe(name(p), 120)}" for p in quiet.partnerships[:QUIET_LISTED])
            alert = ngettext(
                "{count} partnership has had no news or check-in for {days} days: {names}. "
                "Its members can post with {news} or check in with {checkin}.",
                "{count} partnerships have had no news or check-in for {days} days: {names}. "
                "Their members can post with {news} or check in with {checkin}.",
                len(quiet.partnerships),
            ).format(
                count=len(quiet.partnerships),
                days=quiet.days,
                names=names,
                news=command("partner news"),
                checkin=command("partner checkin"),
            )
        sent = await self.delivery.alert_moderators(guild_id, alert, nonce=ctx.nonce)
        if sent.reached:
            await self.service.mark_quiet([p.id for p in quiet.partnerships])

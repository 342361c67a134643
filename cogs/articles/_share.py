"""Sharing an article, from /article share and from the "Share this article" message menu.

The input is checked first (a refusal changes nothing), then the interaction is deferred before
anything else: a slow site can take longer than Discord's 3 s to answer, and so can the queue of
other members' shares. The post goes out once per channel at a time (Discord's 5 per 5 s), under
a nonce made from the article's id, so a post sent again does not appear twice.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

import discord

from bot import text
from bot.articles.errors import ArticleError
from bot.articles.repository import ArticleView
from bot.articles.service import ArticleService, Shared, ShareInput, ShareOutcome, parse_share
from bot.delivery import fit_embed, mentions
from bot.errors import UserFacingError
from bot.i18n import _, using_locale
from cogs.articles._buttons import article_buttons
from cogs.articles._render import article_embed, command, counts, post_link, refusal_text

if TYPE_CHECKING:
    from bot.client import BotCore

log = logging.getLogger("cogs.articles")

# The most forum tags Discord lets a post carry.
FORUM_TAGS = 5
# How long the member waits for the post before hearing that it is on its way.
ANSWER_WITHIN_S = 10.0
# Discord's clock and ours may differ a little.
CLOCK_SKEW = timedelta(minutes=5)


# One post at a time per channel: Discord allows 5 messages per 5 s in a channel, so they cannot
# go faster, and a queue of twenty posts waiting in discord.py for the window to reopen met a few
# 429s here (measured once on PostgreSQL) when the window's end and discord.py's wake-up crossed.
@dataclass
class _Posting:
    """One bot's posting state (a bot and its locks live on one event loop)."""

    turns: dict[int, asyncio.Lock] = field(default_factory=dict)  # by channel
    # (guild, article) being posted by a share right now: a second share does not post it again.
    articles: set[tuple[int, int]] = field(default_factory=set)


_posting: weakref.WeakKeyDictionary[object, _Posting] = weakref.WeakKeyDictionary()


def _state(client: object) -> _Posting:
    state = _posting.get(client)
    if state is None:
        state = _posting[client] = _Posting()
    return state


def in_dm_refusal() -> str:
    return _(
        "Articles are shared in a server, where everyone can find them again: run this in a "
        "channel of your server, not in direct messages."
    )


async def share(
    interaction: discord.Interaction,
    service: ArticleService,
    url: str,
    note: str | None = None,
    tags: str | None = None,
    title: str | None = None,
) -> None:
    if interaction.guild is None:
        await interaction.response.send_message(in_dm_refusal(), ephemeral=True)
        return
    try:
        shared = parse_share(url, note, tags, title)
    except ArticleError as error:
        raise UserFacingError(refusal_text(error, url)) from error
    # The first answer before any database work or page fetch: neither a slow site nor a queue
    # of other members' shares keeps Discord's 3-second deadline waiting.
    await interaction.response.defer(ephemeral=True, thinking=True)
    try:
        outcome = await service.share(interaction.guild.id, interaction.user.id, shared)
    except ArticleError as error:
        if error.code != "no_channel":
            raise
        raise UserFacingError(
            _("Moderators have not chosen an articles channel yet ({command}). Nothing was shared.").format(
                command=command("article settings channel")
            )
        ) from error
    await _answer(interaction, service, shared, outcome)


async def _answer(
    interaction: discord.Interaction, service: ArticleService, shared: ShareInput, outcome: ShareOutcome
) -> None:
    """Posts the article when it needs a post and tells the member; if Discord's limit on posts in
    the channel holds the post back, the member hears so first, then how it ended."""
    assert interaction.guild is not None
    assert outcome.channel_id is not None
    key = (interaction.guild.id, outcome.view.article.id)
    in_flight = _state(interaction.client).articles
    if not outcome.needs_post or key in in_flight:  # nothing to post, or another share posts it now
        await _follow_up(interaction, _known_reply(interaction.guild.id, outcome))
        return
    in_flight.add(key)
    try:
        posting = asyncio.ensure_future(_post(interaction, service, shared, outcome))
        done, _pending = await asyncio.wait({posting}, timeout=ANSWER_WITHIN_S)
        if not done:
            await _follow_up(
                interaction,
                _(
                    "Shared. Discord lets me post only a few messages at a time in <#{channel}>: "
                    "yours will be there shortly."
                ).format(channel=outcome.channel_id),
            )
        posted = await posting
    finally:
        in_flight.discard(key)
    if posted is None:
        reply = _(
            "The article is saved, but I could not post it in <#{channel}> just now. Share the link "
            "again later to post it; if that fails too, ask a moderator to check my permissions there."
        ).format(channel=outcome.channel_id)
    elif outcome.shared is Shared.POSTED:
        reply = _("Shared: {link}").format(link=_message_link(interaction.guild.id, posted))
        if outcome.fetch_refusal is not None:
            reply += "\n" + _(
                "I could not read the page itself, so it shows the title you gave (or the link)."
            )
    else:
        reply = _known_reply(interaction.guild.id, outcome, _message_link(interaction.guild.id, posted))
    await _follow_up(interaction, reply)


async def _follow_up(interaction: discord.Interaction, content: str) -> None:
    await interaction.followup.send(content, ephemeral=True, allowed_mentions=mentions())


def _message_link(guild_id: int, posted: tuple[int, int]) -> str:
    return f"https://discord.com/channels/{guild_id}/{posted[0]}/{posted[1]}"


def _known_reply(guild_id: int, outcome: ShareOutcome, link: str | None = None) -> str:
    """What a member hears who shared an article already known here."""
    view = outcome.view
    link = link or post_link(view, guild_id) or command("article search")
    if outcome.shared is Shared.VOTED:
        return _("Already shared here: {link}. Your share counts as a vote ({counts}).").format(
            link=link, counts=counts(view)
        )
    if outcome.shared is Shared.ALREADY:
        return _("You shared or voted for this article before: {link}").format(link=link)
    return _("Moderators removed this article, so it is not shared again.")


async def _post(
    interaction: discord.Interaction, service: ArticleService, shared: ShareInput, outcome: ShareOutcome
) -> tuple[int, int] | None:
    assert interaction.guild is not None
    assert outcome.channel_id is not None
    client: BotCore = interaction.client  # type: ignore[assignment]
    view = outcome.view
    try:
        with using_locale(await client.guild_locale(interaction.guild.id)):  # the server's language
            posted = await post_article(
                client,
                interaction.guild,
                outcome.channel_id,
                view,
                shared.tags or view.tags,
                retry=outcome.shared is not Shared.POSTED,
            )
    except discord.DiscordServerError:  # Discord's trouble: the next share of the link posts it
        log.warning("could not post article %s: Discord answered with an error", view.article.id)
        return None
    if posted is not None:
        await service.posted(view.article.id, *posted)
    return posted


async def post_article(
    client: BotCore,
    guild: discord.Guild,
    channel_id: int,
    view: ArticleView,
    tags: tuple[str, ...],
    *,
    retry: bool = False,
) -> tuple[int, int] | None:
    """Posts the article once; (channel or forum post id, message id), or None when it could not.

    A message carries a nonce made from the article's id: a post sent again (by discord.py after a
    5xx, or by a later share after a failure) within Discord's nonce window returns the first
    message instead of a second one. A forum post takes no nonce: a ``retry`` first looks for
    the post an earlier attempt opened.
    """
    turn = _state(client).turns.setdefault(channel_id, asyncio.Lock())
    async with turn:
        return await _post_once(client, guild, channel_id, view, tags, retry=retry)


async def _post_once(
    client: BotCore,
    guild: discord.Guild,
    channel_id: int,
    view: ArticleView,
    tags: tuple[str, ...],
    *,
    retry: bool,
) -> tuple[int, int] | None:
    embed = article_embed(view)
    buttons = article_buttons(view.article.id)
    channel = guild.get_channel(channel_id)
    if isinstance(channel, discord.ForumChannel):
        name = text.fit(text.single_line(view.article.title), text.THREAD_NAME)
        if retry:
            earlier = await _forum_post(client, channel, name, view)
            if earlier is not None:
                return earlier
        applied = [tag for tag in channel.available_tags if tag.name.casefold() in tags][:FORUM_TAGS]
        try:
            await client.delivery.pace()
            created = await channel.create_thread(
                name=name,
                embed=fit_embed(embed),
                view=buttons,
                applied_tags=applied,
                allowed_mentions=mentions(),
            )
        except discord.HTTPException:
            return None
        return created.thread.id, created.message.id
    # The link in angle brackets: Discord shows the bot's embed, not a second preview of its own.
    if view.article.sharer_id is None:  # from a partner's feed
        content = _("New from a partner newsletter: <{url}>").format(url=view.article.url)
    else:
        content = _("<@{user}> shared an article: <{url}>").format(
            user=view.article.sharer_id, url=view.article.url
        )
    result = await client.delivery.post(
        channel_id, content, embeds=[embed], view=buttons, nonce=post_nonce(view.article.id)
    )
    return (channel_id, result.message_id) if result.reached and result.message_id else None


def post_nonce(article_id: int) -> str:
    """At most 22 characters (Discord takes 25)."""
    return f"art{article_id}"


async def _forum_post(
    client: BotCore, forum: discord.ForumChannel, name: str, view: ArticleView
) -> tuple[int, int] | None:
    """The bot's post of this article opened by an earlier attempt: in this forum, of this name,
    opened since the article was stored."""
    await client.delivery.pace()
    since = view.article.created_at - CLOCK_SKEW
    for thread in await forum.guild.active_threads():
        if (
            thread.parent_id == forum.id
            and thread.owner_id == client.user.id  # type: ignore[union-attr]
            and thread.name == name
            and thread.created_at is not None
            and thread.created_at >= since
        ):
            return thread.id, thread.id  # a forum post's first message has the thread's id
    return None

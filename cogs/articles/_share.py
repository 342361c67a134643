"""Sharing an article, from /article share and from the "Share this article" message menu.

The input is checked first (a refusal changes nothing), then the interaction is deferred before
the page is read, since a slow site can take longer than Discord's 3 s to answer.
"""

from __future__ import annotations

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

# The most forum tags Discord lets a post carry.
FORUM_TAGS = 5


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
    channel_id = await service.channel(interaction.guild.id)
    if channel_id is None:
        raise UserFacingError(
            _("Moderators have not chosen an articles channel yet ({command}). Nothing was shared.").format(
                command=command("article settings channel")
            )
        )
    await interaction.response.defer(ephemeral=True, thinking=True)
    outcome = await service.share(interaction.guild.id, interaction.user.id, shared)
    reply = await _reply(interaction, service, channel_id, shared, outcome)
    await interaction.followup.send(reply, ephemeral=True, allowed_mentions=mentions())


async def _reply(
    interaction: discord.Interaction,
    service: ArticleService,
    channel_id: int,
    shared: ShareInput,
    outcome: ShareOutcome,
) -> str:
    assert interaction.guild is not None
    guild_id = interaction.guild.id
    view = outcome.view
    link = post_link(view, guild_id) or command("article search")
    if outcome.shared is Shared.VOTED:
        return _("Already shared here: {link}. Your share counts as a vote ({counts}).").format(
            link=link, counts=counts(view)
        )
    if outcome.shared is Shared.ALREADY:
        return _("You shared or voted for this article before: {link}").format(link=link)
    if outcome.shared is Shared.REMOVED:
        return _("Moderators removed this article, so it is not shared again.")
    client: BotCore = interaction.client  # type: ignore[assignment]
    with using_locale(await client.guild_locale(guild_id)):  # the post speaks the server's language
        posted = await post_article(client, interaction.guild, channel_id, view, shared.tags)
    if posted is None:
        return _(
            "The article is saved, but I could not post in <#{channel}>: ask a moderator to check my "
            "permissions there."
        ).format(channel=channel_id)
    await service.posted(view.article.id, *posted)
    reply = _("Shared: {link}").format(
        link=f"https://discord.com/channels/{guild_id}/{posted[0]}/{posted[1]}"
    )
    if outcome.fetch_refusal is not None:
        reply += "\n" + _("I could not read the page itself, so it shows the title you gave (or the link).")
    return reply


async def post_article(
    client: BotCore, guild: discord.Guild, channel_id: int, view: ArticleView, tags: tuple[str, ...]
) -> tuple[int, int] | None:
    """Posts the article; (channel or forum post id, message id), or None when it could not."""
    embed = article_embed(view)
    buttons = article_buttons(view.article.id)
    channel = guild.get_channel(channel_id)
    if isinstance(channel, discord.ForumChannel):
        applied = [tag for tag in channel.available_tags if tag.name.casefold() in tags][:FORUM_TAGS]
        try:
            await client.delivery.pace()
            created = await channel.create_thread(
                name=text.fit(text.single_line(view.article.title), text.THREAD_NAME),
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
    result = await client.delivery.post(channel_id, content, embeds=[embed], view=buttons)
    return (channel_id, result.message_id) if result.reached and result.message_id else None

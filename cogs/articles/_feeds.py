"""/feed: partner newsletters (moderators), and the poll job that posts their new issues."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import text
from bot.articles.errors import ArticleError
from bot.articles.feed_service import FeedService
from bot.articles.repository import ArticleView
from bot.checks import moderator_only
from bot.errors import UserFacingError
from bot.i18n import N_, _, ngettext, using_locale
from bot.inputs import check_id
from bot.scheduler import JobContext
from bot.translator import _T
from cogs.articles._render import refusal_text
from cogs.articles._share import post_article

if TYPE_CHECKING:
    from bot.articles.service import ArticleService
    from bot.client import BotCore

# Why a feed could not be read, by the fetch's refusal code.
FEED_REFUSALS = {
    "duplicate": N_("That feed is followed here already (see /feed list)."),
    "too_many": N_("This server follows {limit} feeds already: remove one first."),
    "not_a_feed": N_("There is no RSS or Atom feed at that link."),
    "content_type": N_("There is no RSS or Atom feed at that link."),
    "too_large": N_("That feed is larger than 1 MB, which is more than I read."),
    "timeout": N_("The site took too long to answer. Try again later."),
    "http_status": N_("The site answered with an error. Check the link."),
    "address_refused": N_("That link leads to a private or local address, which I never read."),
}
GENERIC = N_("I could not read a feed at that link. Check it and try again.")


@moderator_only()
class Feeds(
    commands.GroupCog, group_name=_T("feed"), group_description=_T("Partner newsletters by feed (moderators)")
):
    def __init__(self, service: FeedService) -> None:
        self.service = service
        super().__init__()

    @app_commands.command(
        name=_T("add"), description=_T("Follow an RSS or Atom feed; its new issues are posted")
    )
    @app_commands.describe(
        url=_T("The feed's link, starting with https://"),
        channel=_T("Where to post (the articles channel by default)"),
    )
    @app_commands.rename(url=_T("url"), channel=_T("channel"))
    async def add(
        self, interaction: discord.Interaction, url: str, channel: discord.TextChannel | None = None
    ) -> None:
        assert interaction.guild is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            added = await self.service.add(
                interaction.guild.id, url, channel.id if channel else None, interaction.user.id
            )
        except ArticleError as error:
            template = FEED_REFUSALS.get(error.code)
            reply = _(template).format(**error.params) if template else refusal_text(error, url)
            if template is None and error.code not in {"scheme", "empty", "not_a_url", "no_host", "bad_host"}:
                reply = _(GENERIC)
            await interaction.followup.send(reply, ephemeral=True)
            return
        reply = _("Following {title}. Its new issues will be posted; the ones already there are not.").format(
            title=text.quote(added.feed.title or added.feed.url, 100)
        )
        if added.newest is not None and added.newest.title:
            reply += "\n" + _("Newest issue: {title}").format(title=text.quote(added.newest.title, 100))
        await interaction.followup.send(reply, ephemeral=True)

    @app_commands.command(name=_T("list"), description=_T("The feeds this server follows"))
    async def list_feeds(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        found = await self.service.feeds_of(interaction.guild.id)
        if not found:
            reply = _("This server follows no feeds yet.")
        else:
            lines = []
            for feed in found:
                line = f"**{feed.id}.** {text.quote(feed.title or '', 80)} <{feed.url}>"
                if feed.failures:
                    failing = ngettext(
                        "(failing: {count} time in a row)", "(failing: {count} times in a row)", feed.failures
                    )
                    line += " " + failing.format(count=feed.failures)
                lines.append(line)
            reply = "\n".join(lines)
        await interaction.response.send_message(text.fit(reply, text.MESSAGE_CONTENT), ephemeral=True)

    @app_commands.command(name=_T("remove"), description=_T("Stop following a feed"))
    @app_commands.describe(id=_T("The feed's number in /feed list"))
    @app_commands.rename(id=_T("id"))
    async def remove(self, interaction: discord.Interaction, id: app_commands.Range[int, 1]) -> None:
        assert interaction.guild is not None
        feed_id = check_id(id, N_("There is no feed {id} here. Nothing was changed."), id=id)
        if await self.service.remove(interaction.guild.id, feed_id) is None:
            raise UserFacingError(_("There is no feed {id} here. Nothing was changed.").format(id=id))
        await interaction.response.send_message(
            _("Feed {id} is no longer followed.").format(id=id), ephemeral=True
        )


class FeedJobs:
    def __init__(self, bot: BotCore, feeds: FeedService, articles: ArticleService) -> None:
        self.bot, self.feeds, self.articles = bot, feeds, articles

    async def poll(self, context: JobContext) -> None:
        polled = await self.feeds.poll(int(context.payload["feed_id"]))
        if polled is None:
            return
        feed = polled.feed
        with using_locale(await self.bot.guild_locale(feed.guild_id)):
            if polled.report:
                await self.bot.delivery.alert_moderators(
                    feed.guild_id,
                    _(
                        "The feed {title} ({url}) has failed {count} times in a row; "
                        "I keep trying, less often."
                    ).format(
                        title=text.quote(feed.title or "", 80), url=f"<{feed.url}>", count=feed.failures
                    ),
                    nonce=context.nonce_for("report"),
                )
            channel_id = feed.channel_id or await self.articles.channel(feed.guild_id)
            guild = self.bot.get_guild(feed.guild_id)  # type: ignore[attr-defined]
            if channel_id is None or guild is None:
                return
            for article, _item in polled.posts:
                posted = await post_article(self.bot, guild, channel_id, ArticleView(article, (), 0, 0), ())
                if posted is not None:
                    await self.feeds.posted(article.id, *posted)

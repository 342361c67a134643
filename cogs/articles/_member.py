"""/article: share, find and keep articles; moderators choose the channel, remove articles and tidy tags.

Parses options, calls the article service, renders its outcome. The commands also appear in
direct messages, where they refuse politely: articles belong to a server.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot import text
from bot.articles.errors import ArticleError
from bot.articles.repository import Page
from bot.articles.service import ArticleService, Period
from bot.articles.urls import find_urls
from bot.checks import moderator_check
from bot.delivery import mentions
from bot.errors import UserFacingError
from bot.i18n import N_, _, current_locale, join_list, ngettext, set_locale
from bot.inputs import check_id, check_languages
from bot.translator import _T
from bot.ui import OwnerPager
from cogs.articles._buttons import Loader
from cogs.articles._render import command, page_embed, refusal_text
from cogs.articles._share import in_dm_refusal, share

log = logging.getLogger("bot.articles")

WEEKDAYS = (
    _T("Monday"),
    _T("Tuesday"),
    _T("Wednesday"),
    _T("Thursday"),
    _T("Friday"),
    _T("Saturday"),
    _T("Sunday"),
)
PERIODS = {
    Period.WEEK: _T("This week"),
    Period.MONTH: _T("This month"),
    Period.YEAR: _T("This year"),
    Period.ALL: _T("All time"),
}


class PostChannel(app_commands.Transformer):
    """A text channel or a forum (Discord's media channels are left out)."""

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.channel

    @property
    def channel_types(self) -> list[discord.ChannelType]:
        return [discord.ChannelType.text, discord.ChannelType.forum]

    async def transform(
        self, interaction: discord.Interaction, value: object, /
    ) -> discord.TextChannel | discord.ForumChannel:
        resolved = value.resolve() if isinstance(value, app_commands.AppCommandChannel) else value
        if not isinstance(resolved, discord.TextChannel | discord.ForumChannel):
            raise UserFacingError(_("Choose a text channel or a forum of this server."))
        return resolved


class ArticleModeration:
    """The moderators' subcommands (checked when run: Discord cannot hide subcommands)."""

    service: ArticleService
    settings_group = app_commands.Group(name=_T("settings"), description=_T("Article settings (moderators)"))
    tag_group = app_commands.Group(name=_T("tag"), description=_T("Rename or merge tags (moderators)"))

    @settings_group.command(name=_T("channel"), description=_T("Choose where shared articles are posted"))
    @app_commands.describe(channel=_T("A text channel, or a forum (its tags are applied to posts)"))
    @app_commands.rename(channel=_T("channel"))
    @moderator_check()
    async def settings_channel(
        self,
        interaction: discord.Interaction,
        channel: app_commands.Transform[discord.TextChannel | discord.ForumChannel, PostChannel],
    ) -> None:
        assert interaction.guild is not None
        allowed = channel.permissions_for(interaction.guild.me)
        needed = allowed.send_messages_in_threads if isinstance(channel, discord.ForumChannel) else True
        if not (allowed.view_channel and allowed.send_messages and needed):
            raise UserFacingError(
                _("I cannot post in {channel}. Nothing was saved; let me view and post there first.").format(
                    channel=channel.mention
                )
            )
        await self.service.set_channel(interaction.guild.id, channel.id)
        await interaction.response.send_message(
            _("Shared articles will be posted in {channel}.").format(channel=channel.mention), ephemeral=True
        )

    @settings_group.command(name=_T("digest"), description=_T("A weekly digest of the most-read articles"))
    @app_commands.describe(
        weekday=_T("The day it is posted, or Off"), hour=_T("The hour, in the server's time zone (0-23)")
    )
    @app_commands.rename(weekday=_T("weekday"), hour=_T("hour"))
    @app_commands.choices(
        weekday=[app_commands.Choice(name=label, value=day) for day, label in enumerate(WEEKDAYS)]
        + [app_commands.Choice(name=_T("Off"), value=-1)]
    )
    @moderator_check()
    async def settings_digest(
        self, interaction: discord.Interaction, weekday: int, hour: app_commands.Range[int, 0, 23] = 9
    ) -> None:
        assert interaction.guild is not None
        due = await self.service.set_digest(interaction.guild.id, weekday if weekday >= 0 else None, hour)
        if due is None:
            reply = _("The weekly digest is off.")
        else:
            reply = _("The weekly digest is on; the first one comes {when}.").format(
                when=f"<t:{int(due.timestamp())}:F>"
            )
        await interaction.response.send_message(reply, ephemeral=True)

    @app_commands.command(name=_T("remove"), description=_T("Remove a shared article (moderators)"))
    @app_commands.describe(id=_T("The article's number, shown under it"), reason=_T("Why (kept in the log)"))
    @app_commands.rename(id=_T("id"), reason=_T("reason"))
    @moderator_check()
    async def remove(
        self,
        interaction: discord.Interaction,
        id: app_commands.Range[int, 1],
        reason: app_commands.Range[str, 1, 300],
    ) -> None:
        assert interaction.guild is not None
        article_id = check_id(id, N_("There is no article {id} here. Nothing was changed."), id=id)
        removed = await self.service.remove(interaction.guild.id, article_id, interaction.user.id, reason)
        if removed is None:
            raise UserFacingError(_("There is no article {id} here. Nothing was changed.").format(id=id))
        await interaction.response.send_message(
            _("Article {id} is removed from every list.").format(id=id), ephemeral=True
        )

    @tag_group.command(name=_T("rename"), description=_T("Rename a tag on every article (moderators)"))
    @app_commands.describe(old=_T("The tag as it is now"), new=_T("Its new name (not yet in use)"))
    @app_commands.rename(old=_T("old"), new=_T("new"))
    @moderator_check()
    async def tag_rename(
        self,
        interaction: discord.Interaction,
        old: app_commands.Range[str, 1, 100],
        new: app_commands.Range[str, 1, 100],
    ) -> None:
        assert interaction.guild is not None
        try:
            done = await self.service.rename_tag(interaction.guild.id, old, new, interaction.user.id)
        except ArticleError as error:
            raise UserFacingError(refusal_text(error, new)) from error
        reply = ngettext(
            "The tag `{old}` is now `{new}` on {count} article.",
            "The tag `{old}` is now `{new}` on {count} articles.",
            done.articles,
        )
        await interaction.response.send_message(
            reply.format(old=done.old, new=done.new, count=done.articles),
            ephemeral=True,
            allowed_mentions=mentions(),
        )

    @tag_group.command(name=_T("merge"), description=_T("Merge one tag into another (moderators)"))
    @app_commands.describe(
        source=_T("The tag that goes away"), target=_T("The tag it becomes (already in use)")
    )
    @app_commands.rename(source=_T("from"), target=_T("into"))
    @moderator_check()
    async def tag_merge(
        self,
        interaction: discord.Interaction,
        source: app_commands.Range[str, 1, 100],
        target: app_commands.Range[str, 1, 100],
    ) -> None:
        assert interaction.guild is not None
        try:
            done = await self.service.merge_tags(interaction.guild.id, source, target, interaction.user.id)
        except ArticleError as error:
            raise UserFacingError(refusal_text(error, target)) from error
        reply = ngettext(
            "The tag `{old}` is merged into `{new}`: {count} article changed.",
            "The tag `{old}` is merged into `{new}`: {count} articles changed.",
            done.articles,
        )
        await interaction.response.send_message(
            reply.format(old=done.old, new=done.new, count=done.articles),
            ephemeral=True,
            allowed_mentions=mentions(),
        )


class Articles(
    ArticleModeration,
    commands.GroupCog,
    group_name=_T("article"),
    group_description=_T("Share articles and find them again"),
):
    def __init__(self, service: ArticleService, tree: app_commands.CommandTree[discord.Client]) -> None:
        self.service = service
        self.tree = tree
        super().__init__()
        self.menu = app_commands.ContextMenu(name=_T("Share this article"), callback=self.share_message)

    async def cog_load(self) -> None:
        self.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        self.tree.remove_command(self.menu.name, type=self.menu.type)

    @app_commands.command(name=_T("share"), description=_T("Share an article with the server"))
    @app_commands.describe(
        url=_T("The article's link, starting with https://"),
        note=_T("Why it is worth reading (optional)"),
        tags=_T("Tags, separated by commas (optional)"),
        title=_T("A title, if the page does not give one (optional)"),
    )
    @app_commands.rename(url=_T("url"), note=_T("note"), tags=_T("tags"), title=_T("title"))
    async def share(
        self,
        interaction: discord.Interaction,
        url: str,
        note: str | None = None,
        tags: str | None = None,
        title: str | None = None,
    ) -> None:
        await share(interaction, self.service, url, note, tags, title)

    async def share_message(self, interaction: discord.Interaction, message: discord.Message) -> None:
        set_locale(str(interaction.locale))
        if interaction.guild is None:
            await interaction.response.send_message(in_dm_refusal(), ephemeral=True)
            return
        links = find_urls(message.content)
        if not links:
            raise UserFacingError(_("That message has no link to share."))
        await share(interaction, self.service, links[0])

    @app_commands.command(name=_T("search"), description=_T("Search the articles shared here"))
    @app_commands.describe(
        query=_T("Words to look for (Chinese works too)"),
        tag=_T("Only articles with this tag"),
        language=_T("Only articles in this language, e.g. zh or en"),
    )
    @app_commands.rename(query=_T("query"), tag=_T("tag"), language=_T("language"))
    async def search(
        self,
        interaction: discord.Interaction,
        query: str,
        tag: str | None = None,
        language: str | None = None,
    ) -> None:
        guild_id = self._guild(interaction)
        # A language by name or code in any language the bot speaks ("Chinese", "中文", "zh").
        code = check_languages(language, current_locale())[0] if language and language.strip() else None

        async def load(page: int) -> Page:
            return await self.service.search(guild_id, query, tag=tag, language=code, page=page)

        try:
            first = await load(0)
        except ArticleError as error:
            raise UserFacingError(refusal_text(error, query)) from error
        title = _("Articles about “{query}”").format(query=text.quote(query))
        await self._list(interaction, title, _("No article matches. Try fewer or other words."), load, first)

    @app_commands.command(name=_T("recent"), description=_T("The articles shared most recently"))
    async def recent(self, interaction: discord.Interaction) -> None:
        guild_id = self._guild(interaction)

        async def load(page: int) -> Page:
            return await self.service.recent(guild_id, page)

        empty = _("Nothing has been shared yet: be the first with {command}.").format(
            command=command("article share")
        )
        await self._list(interaction, _("Recently shared"), empty, load, await load(0))

    @app_commands.command(name=_T("top"), description=_T("The most voted and saved articles"))
    @app_commands.describe(period=_T("Which articles to count (this week by default)"))
    @app_commands.rename(period=_T("period"))
    @app_commands.choices(
        period=[app_commands.Choice(name=label, value=code) for code, label in PERIODS.items()]
    )
    async def top(self, interaction: discord.Interaction, period: str = Period.WEEK) -> None:
        guild_id = self._guild(interaction)
        chosen = Period(period)

        async def load(page: int) -> Page:
            return await self.service.top(guild_id, chosen, page)

        title = _("Most read: {period}").format(period=_(PERIODS[chosen].message))
        await self._list(interaction, title, _("Nothing shared in that time."), load, await load(0))

    @app_commands.command(name=_T("saved"), description=_T("Your reading list"))
    async def saved(self, interaction: discord.Interaction) -> None:
        guild_id = self._guild(interaction)
        user_id = interaction.user.id

        async def load(page: int) -> Page:
            return await self.service.saved(guild_id, user_id, page)

        empty = _("Your reading list is empty: press Save under an article to keep it here.")
        await self._list(interaction, _("Your reading list"), empty, load, await load(0), ephemeral=True)

    @app_commands.command(name=_T("tags"), description=_T("The tags used on articles here"))
    async def tags(self, interaction: discord.Interaction) -> None:
        guild_id = self._guild(interaction)
        counted = await self.service.tags(guild_id)
        if not counted:
            reply = _("No tags yet: add some when you share an article.")
        else:
            reply = _("Tags: {tags}").format(tags=join_list(f"`{tag}` ({count})" for tag, count in counted))
        await interaction.response.send_message(reply, ephemeral=True, allowed_mentions=mentions())

    def _guild(self, interaction: discord.Interaction) -> int:
        if interaction.guild is None:
            raise UserFacingError(in_dm_refusal())
        return interaction.guild.id

    async def _list(
        self,
        interaction: discord.Interaction,
        title: str,
        empty: str,
        load: Loader,
        first: Page,
        *,
        ephemeral: bool = False,
    ) -> None:
        pager = OwnerPager(
            interaction.user.id,
            first,
            load=load,
            render=lambda page: page_embed(title, page, empty),
            position=lambda page: (page.page, page.pages),
            name="article list page",
        )
        await interaction.response.send_message(
            embed=pager.embed(),
            view=pager if first.pages > 1 else discord.utils.MISSING,
            ephemeral=ephemeral,
            allowed_mentions=mentions(),
        )

"""What article messages look like. Text is translated in the locale the caller has set; every
piece the member typed is fitted here or in :mod:`bot.delivery`, and never pings."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot import text
from bot.articles.errors import ArticleError
from bot.articles.repository import ArticleView, Page
from bot.i18n import N_, _, command_mention, ngettext

# A member's input refused, by the code the domain names (bot.articles.errors, bot.articles.service).
REFUSALS = {
    "empty": N_("The link is empty. Paste a link that starts with https://."),
    "too_long": N_("That link is too long (at most {limit} characters). Nothing was shared."),
    "not_a_url": N_("“{value}” is not a link. Paste one that starts with https://."),
    "scheme": N_("Only http and https links can be shared; “{value}” is not one."),
    "no_host": N_("“{value}” names no web site. Links look like https://example.org/page."),
    "bad_port": N_("“{value}” has a port that is not a number from 1 to 65535."),
    "credentials": N_("That link carries a user name or password. Remove it and share again."),
    "bad_host": N_("“{value}” does not name a web site. Check the link and share again."),
    "bad_tag": N_("The tag “{value}” cannot be used: tags are words, without @, <, >, * or similar."),
    "tag_too_long": N_("The tag “{value}” is too long (at most {limit} characters)."),
    "too_many_tags": N_("At most {limit} tags, separated by commas."),
    "one_tag": N_("Give one tag, without commas: “{value}” holds several. Nothing was changed."),
    "empty_tag": N_("The tag shows nothing: type a word or two. Nothing was changed."),
    "same_tag": N_("“{value}” is the same tag. Nothing was changed."),
    "unknown_tag": N_("No article here has the tag “{value}”; see /article tags. Nothing was changed."),
    "tag_in_use": N_("The tag “{value}” is in use already: merge into it with /article tag merge instead."),
    "invisible": N_("Your {field} shows nothing: write some visible text, or leave it out."),
    "too_long_field": N_("Your {field} is too long (at most {limit} characters). Nothing was changed."),
    "empty_query": N_("Type some words to search for."),
}
FIELDS = {"note": N_("note"), "title": N_("title"), "query": N_("search")}


def refusal_text(error: ArticleError, value: str) -> str:
    """The refusal for ``error`` raised on the member's ``value`` (quoted, at most 50 characters)."""
    template = REFUSALS.get(error.code, N_("“{value}” cannot be shared. Check the link and try again."))
    params = {key: v for key, v in error.params.items() if key not in {"value", "field"}}
    quoted = str(error.params.get("tag", value))
    return _(template).format(
        value=text.quote(quoted), field=_(FIELDS.get(str(error.params.get("field")), "note")), **params
    )


def article_embed(view: ArticleView, *, sharer_id: int | None = None) -> discord.Embed:
    """The article as posted: the page's own title and description, the member's note and tags."""
    article = view.article
    embed = discord.Embed(
        title=text.fit(text.single_line(article.title), text.EMBED_TITLE),
        url=article.url,
        description=text.fit(article.description or "", text.EMBED_DESCRIPTION) or None,
        colour=discord.Colour.teal(),
    )
    if article.site_name:
        embed.set_author(name=text.fit(text.single_line(article.site_name), text.EMBED_AUTHOR))
    if article.image_url:
        embed.set_thumbnail(url=article.image_url)
    who = sharer_id if sharer_id is not None else article.sharer_id
    if article.note:
        name = _("Note from the sharer") if who is None else _("Why it is worth reading")
        embed.add_field(name=name, value=text.fit(article.note, text.EMBED_FIELD_VALUE), inline=False)
    if who is not None:
        embed.add_field(name=_("Shared by"), value=f"<@{who}>", inline=True)
    if view.tags:
        embed.add_field(name=_("Tags"), value=" ".join(f"`{tag}`" for tag in view.tags), inline=True)
    embed.set_footer(text=_("Article {id}").format(id=article.id))
    return embed


def counts(view: ArticleView) -> str:
    votes = ngettext("{count} vote", "{count} votes", view.votes).format(count=view.votes)
    saves = ngettext("{count} save", "{count} saves", view.saves).format(count=view.saves)
    return f"{votes} · {saves}"


def post_link(view: ArticleView, guild_id: int) -> str | None:
    article = view.article
    if article.channel_id is None or article.message_id is None:
        return None
    return f"https://discord.com/channels/{guild_id}/{article.channel_id}/{article.message_id}"


def page_embed(title: str, page: Page, empty: str) -> discord.Embed:
    """One page of a list: each article's title as a link, its site, counts and tags."""
    embed = discord.Embed(title=text.fit(title, text.EMBED_TITLE), colour=discord.Colour.teal())
    if not page.items:
        embed.description = empty
        return embed
    embed.description = list_text(page.items)
    if page.more:  # a search counts and ranks its newest matches only
        footer = _("Page {page} of {pages} · {total}+ articles, the newest {total} ranked")
    else:
        footer = _("Page {page} of {pages} · {total} articles")
    embed.set_footer(text=footer.format(page=page.page + 1, pages=page.pages, total=f"{page.total:,}"))
    return embed


def digest_embed(views: Sequence[ArticleView]) -> discord.Embed:
    return discord.Embed(
        title=_("This week's most-read articles"), description=list_text(views), colour=discord.Colour.teal()
    )


def list_text(views: Sequence[ArticleView]) -> str:
    lines = []
    for view in views:
        article = view.article
        name = text.fit(text.single_line(article.title).replace("]", ")").replace("[", "("), 150)
        line = f"**{article.id}.** [{name}]({article.url})"
        details = [counts(view)]
        if article.site_name:
            details.insert(0, text.fit(text.single_line(article.site_name), 60))
        if view.tags:
            details.append(" ".join(f"`{tag}`" for tag in view.tags))
        lines.append(f"{line}\n{' · '.join(details)}")
    return text.fit("\n\n".join(lines), text.EMBED_DESCRIPTION)


def command(path: str) -> str:
    return command_mention(path)

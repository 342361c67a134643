"""What seeking posts and fits look like. Text is translated in the locale the caller has set;
whatever a member typed is escaped (no markdown, no mentions) and fitted to Discord's limits."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot import text
from bot.i18n import _, command_mention, current_locale, join_list
from bot.reference import localized_country_name, localized_language_name
from bot.seeking.models import SeekingPost
from bot.seeking.repository import Page
from bot.seeking.rules import ListFilter
from bot.seeking.service import Notice

COLOUR = discord.Colour.dark_gold()
# What one post shows of its offer and hope in a list, so a page of five stays within 6,000.
LIST_TEXT = 300


def plain(value: str, limit: int) -> str:
    """A member's text as it is shown: markdown and mentions made harmless, cut to ``limit``."""
    escaped = discord.utils.escape_mentions(discord.utils.escape_markdown(value))
    return text.fit(escaped, limit)


def flag(code: str) -> str:
    if len(code) != 2 or not code.isalpha():
        return ""
    return "".join(chr(0x1F1E6 + ord(letter) - ord("A")) for letter in code.upper())


def country(code: str) -> str:
    return f"{flag(code)} {localized_country_name(code, current_locale())}".strip()


def languages(codes: Sequence[str]) -> str:
    return join_list(localized_language_name(code, current_locale()) for code in codes)


def library_line(post: SeekingPost) -> str:
    """ "Shanghai Library · 🇨🇳 China" """
    return f"{plain(text.single_line(post.library), 150)} · {country(post.country)}"


def post_embed(post: SeekingPost, *, title: str, limit: int = text.EMBED_FIELD_VALUE) -> discord.Embed:
    embed = discord.Embed(title=text.fit(title, text.EMBED_TITLE), colour=COLOUR)
    embed.description = library_line(post)
    embed.add_field(name=_("Languages we work in"), value=languages(post.languages), inline=False)
    embed.add_field(name=_("What we offer"), value=plain(post.offer, limit), inline=False)
    embed.add_field(name=_("What we hope for"), value=plain(post.hope, limit), inline=False)
    embed.add_field(name=_("Posted by"), value=f"<@{post.user_id}>", inline=False)
    return embed


def filter_title(chosen: ListFilter) -> str:
    parts = []
    if chosen.country is not None:
        parts.append(country(chosen.country))
    if chosen.language is not None:
        parts.append(localized_language_name(chosen.language, current_locale()))
    if not parts:
        return _("Libraries seeking a sister")
    return _("Libraries seeking a sister: {filters}").format(filters=" · ".join(parts))


def page_embed(title: str, page: Page) -> discord.Embed:
    embed = discord.Embed(title=text.fit(title, text.EMBED_TITLE), colour=COLOUR)
    if not page.items:
        embed.description = _(
            "No open post matches. Try without filters, or post yours with {command}."
        ).format(command=command_mention("seeking post"))
        return embed
    for post in page.items:
        value = "\n".join(
            (
                _("Languages: {languages}").format(languages=languages(post.languages)),
                _("Offers: {text}").format(text=plain(text.single_line(post.offer), LIST_TEXT)),
                _("Hopes for: {text}").format(text=plain(text.single_line(post.hope), LIST_TEXT)),
                _("Contact: {member}").format(member=f"<@{post.user_id}>"),
            )
        )
        embed.add_field(
            name=text.fit(library_line(post), text.EMBED_FIELD_NAME),
            value=text.fit(value, text.EMBED_FIELD_VALUE),
            inline=False,
        )
    embed.set_footer(
        text=_("Page {page} of {pages} · {total} open posts").format(
            page=page.page + 1, pages=page.pages, total=page.total
        )
    )
    return embed


def fit_lines(notices: Sequence[tuple[SeekingPost, Sequence[str]]]) -> str:
    """One line per fitting post: its library, country, shared languages and who to contact."""
    return "\n".join(
        _("• {library}: you share {languages}; reach out to {member}.").format(
            library=library_line(post), languages=languages(shared), member=f"<@{post.user_id}>"
        )
        for post, shared in notices
    )


def notice_message(notice: Notice, guild_name: str) -> tuple[str, discord.Embed]:
    """The direct message that tells a member about one fit, and the other post as an embed."""
    content = _(
        "A library seeking a sister in {server} fits your post: {library}. You share {languages}. "
        "Reach out to {member} with a direct message or in the server; {command} shows every open post."
    ).format(
        server=plain(guild_name, 100),
        library=library_line(notice.other),
        languages=languages(notice.fit.shared_languages),
        member=f"<@{notice.other.user_id}>",
        command=command_mention("seeking list"),
    )
    return content, post_embed(notice.other, title=_("Their post"))


def pending_text(notices: Sequence[Notice]) -> str:
    """Fits the member could not be told about by direct message, for the top of a reply."""
    if not notices:
        return ""
    heading = _("While your direct messages were closed, these posts were found to fit yours:")
    return heading + "\n" + fit_lines([(notice.other, notice.fit.shared_languages) for notice in notices])

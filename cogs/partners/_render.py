"""What partnership messages look like. Text is translated in the locale the caller has set;
names are shown as typed (a partner library's own spelling), escaped so they cannot reformat or
ping, and every piece is fitted to Discord's limits here or in :mod:`bot.delivery`."""

from __future__ import annotations

import discord

from bot import text
from bot.i18n import N_, _, command_mention, current_locale, join_list, ngettext
from bot.partners.models import Kind, Partnership, PartnershipNews, Side, Status
from bot.partners.rules import flag
from bot.partners.service import NEWS_LIMIT, Page, Refusal, Refused
from bot.reference import localized_country_name

KINDS = {Kind.FORMAL: N_("Formal agreement"), Kind.INFORMAL: N_("Informal partnership")}
STATUSES = {
    Status.DRAFT: N_("draft"),
    Status.PENDING: N_("waiting for moderators"),
    Status.CHANGES: N_("changes requested"),
    Status.REJECTED: N_("not approved"),
    Status.ACTIVE: N_("active"),
    Status.ENDED: N_("ended"),
}
REFUSALS = {
    Refusal.GONE: N_("There is no such partnership here (it may have been rejected or removed)."),
    Refusal.NOT_YOURS: N_("Only the partnership's members and moderators can do that."),
    Refusal.ENDED: N_("That partnership has ended; it stays in the history but cannot change."),
    Refusal.DECIDED: N_("Another moderator already decided on this proposal ({status}). Nothing changed."),
    Refusal.NOT_ACTIVE: N_("That is only possible for an approved, active partnership ({status} now)."),
    Refusal.NO_CHANNEL: N_(
        "Choose the announcements channel first with {command}; the proposal is still waiting."
    ),
    Refusal.TOO_MUCH_NEWS: N_(
        "A partnership can share at most {count} news in 24 hours; the next one is possible {when}. "
        "Nothing was posted."
    ),
}
ACCENT = discord.Colour.from_rgb(46, 125, 110)


def command(path: str) -> str:
    return command_mention(path)


def kind_text(kind: str) -> str:
    return _(KINDS.get(Kind(kind), KINDS[Kind.INFORMAL])) if kind in set(Kind) else kind


def status_text(status: str) -> str:
    return _(STATUSES[Status(status)]) if status in set(Status) else status


def refusal_text(refused: Refused) -> str:
    status = status_text(refused.partnership.status) if refused.partnership else "—"
    when = f"<t:{int(refused.until.timestamp())}:R>" if refused.until else "—"
    return _(REFUSALS[refused.reason]).format(
        status=status, command=command("partner-admin settings"), count=NEWS_LIMIT.count, when=when
    )


def safe(value: str, limit: int) -> str:
    """A member's text for an embed or message: one line, escaped, fitted."""
    return text.quote(value, limit)


def country_text(code: str | None) -> str:
    if not code:
        return "—"
    return f"{flag(code)} {localized_country_name(code, current_locale())}".strip()


def name(partnership: Partnership) -> str:
    """ "Our library ⇄ Partner library", as typed."""
    ours = partnership.our_library or "?"
    theirs = partnership.partner_library or "?"
    return f"{ours} ⇄ {theirs}"


def members_text(partnership: Partnership, side: str) -> str:
    ids = partnership.member_ids(side)
    return join_list(f"<@{user_id}>" for user_id in ids) or "—"


def partnership_embed(partnership: Partnership, *, title: str, with_members: bool = True) -> discord.Embed:
    embed = discord.Embed(
        title=text.fit(title, text.EMBED_TITLE),
        description=text.fit(partnership.goals, text.EMBED_DESCRIPTION) if partnership.goals else None,
        colour=ACCENT,
    )
    embed.add_field(
        name=_("Our library"),
        value=f"{safe(partnership.our_library, 200)}\n{country_text(partnership.our_country)}",
    )
    where = ", ".join(
        part
        for part in (safe(partnership.partner_city, 100), country_text(partnership.partner_country))
        if part and part != "—"
    )
    embed.add_field(name=_("Partner library"), value=f"{safe(partnership.partner_library, 200)}\n{where}")
    embed.add_field(name=_("Kind"), value=kind_text(partnership.kind))
    if partnership.start_date:
        embed.add_field(name=_("Since"), value=partnership.start_date.isoformat())
    if with_members:
        embed.add_field(name=_("Members here"), value=members_text(partnership, Side.OURS))
        theirs = partnership.member_ids(Side.THEIRS)
        if theirs:
            embed.add_field(name=_("Partner library's members"), value=members_text(partnership, Side.THEIRS))
    if partnership.photo_url:
        embed.set_image(url=partnership.photo_url)
    embed.set_footer(
        text=_("Partnership #{id} · {status}").format(
            id=partnership.id, status=status_text(partnership.status)
        )
    )
    return embed


def queue_message(partnership: Partnership) -> tuple[str, discord.Embed]:
    proposer = f"<@{partnership.proposer_id}>" if partnership.proposer_id else _("a former member")
    content = _("New partnership proposal from {member}: approve, reject or ask for changes.").format(
        member=proposer
    )
    return content, partnership_embed(partnership, title=_("Proposal: {name}").format(name=name(partnership)))


def decided_line(partnership: Partnership) -> str:
    who = f"<@{partnership.decided_by}>" if partnership.decided_by else "—"
    if partnership.status == Status.ACTIVE:
        return _("Approved by {moderator}.").format(moderator=who)
    if partnership.status == Status.REJECTED:
        return _("Rejected by {moderator}.").format(moderator=who)
    return _("{moderator} asked for changes.").format(moderator=who)


def announcement(partnership: Partnership) -> tuple[str, discord.Embed]:
    content = _("🎉 A new sister-library partnership: {ours} and {theirs}!").format(
        ours=safe(partnership.our_library, 200), theirs=safe(partnership.partner_library, 200)
    )
    return content, partnership_embed(partnership, title=name(partnership))


def news_post(partnership: Partnership, news: PartnershipNews) -> tuple[str, discord.Embed]:
    embed = discord.Embed(
        title=text.fit(_("News from {name}").format(name=name(partnership)), text.EMBED_TITLE),
        description=text.fit(news.text, text.EMBED_DESCRIPTION),
        colour=ACCENT,
    )
    if news.photo_url:
        embed.set_image(url=news.photo_url)
    author = f"<@{news.author_id}>" if news.author_id else _("a former member")
    embed.add_field(name=_("Shared by"), value=author)
    embed.set_footer(text=_("Partnership #{id}").format(id=partnership.id))
    content = _("News from the partnership {name}").format(name=safe(name(partnership), 300))
    return content, embed


def anniversary_post(partnership: Partnership, years: int) -> str:
    return ngettext(
        "🎂 {name} celebrate {years} year of partnership today (since {since}). Congratulations!",
        "🎂 {name} celebrate {years} years of partnership today (since {since}). Congratulations!",
        years,
    ).format(
        name=safe(name(partnership), 300),
        years=years,
        since=partnership.start_date.isoformat() if partnership.start_date else "—",
    )


def page_embed(page: Page, title: str) -> discord.Embed:
    embed = discord.Embed(title=text.fit(title, text.EMBED_TITLE), colour=ACCENT)
    if not page.partnerships:
        embed.description = _("No partnership matches.")
        return embed
    for partnership in page.partnerships:
        ended = f" · {status_text(partnership.status)}" if partnership.status != Status.ACTIVE else ""
        embed.add_field(
            name=text.fit(f"#{partnership.id} {name(partnership)}", text.EMBED_FIELD_NAME),
            value=text.fit(
                f"{country_text(partnership.partner_country)} · {kind_text(partnership.kind)}"
                f" · {partnership.start_date.isoformat() if partnership.start_date else '—'}{ended}",
                text.EMBED_FIELD_VALUE,
            ),
            inline=False,
        )
    embed.set_footer(
        text=ngettext(
            "Page {page} of {pages} · {total} partnership",
            "Page {page} of {pages} · {total} partnerships",
            page.total,
        ).format(page=page.page, pages=page.pages, total=page.total)
    )
    return embed


def choice_label(partnership: Partnership) -> str:
    label = f"#{partnership.id} {name(partnership)}"
    if partnership.status != Status.ACTIVE:
        label += f" ({status_text(partnership.status)})"
    return text.fit(text.single_line(label), text.CHOICE_NAME)

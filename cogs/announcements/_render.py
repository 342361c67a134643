"""What the moderators read about announcements: confirmations, the list, alerts."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import discord

from bot import permissions, text
from bot.announcements.models import AnnouncementState, AnnouncePublish, PublishState, ScheduledAnnouncement
from bot.announcements.service import Listing, Scheduled
from bot.announcements.when import Fold
from bot.errors import UserFacingError
from bot.i18n import N_, _, join_list
from bot.timefmt import discord_timestamp, local_time

# What the bot needs in the channel (names as moderators see them: bot.channels).
NEEDS = ("view_channel", "send_messages")
# What the confirmation shows of the text: the rest of the reply must fit in the same message.
PREVIEW_LIMIT = 1000
SCHEDULED = N_("Announcement {id} will be posted in {channel} on {local} ({utc}).")
_MENTION = re.compile(r"<@[!&]?\d+>|@everyone|@here")
FAILURES = {
    "missing_permissions": N_("I was missing permissions in the channel"),
    "channel_gone": N_("the channel is gone, or I cannot see it"),
    "post_failed": N_("Discord refused the message"),
}


def missing_permissions(channel: discord.abc.GuildChannel) -> list[str]:
    return permissions.missing_permissions(channel, NEEDS)


def check_channel(channel: discord.abc.GuildChannel) -> None:
    """Refuse a channel the bot cannot post in, naming what to grant."""
    missing = missing_permissions(channel)
    if missing:
        raise UserFacingError(
            _(
                "I cannot post in {channel}: I am missing {permissions} there. Grant them, or pick "
                "another channel. Nothing was scheduled."
            ).format(channel=channel.mention, permissions=join_list(missing))
        )


def utc_text(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def confirmation(outcome: Scheduled, verb: str, announcing_in: discord.abc.GuildChannel | None) -> str:
    """``verb`` is an N_() sentence with {id}, {local}, {utc} and {channel}."""
    row, when = outcome.announcement, outcome.when
    channel = f"<#{row.channel_id}>"
    lines = [
        _(verb).format(
            id=row.id, local=local_time(row.post_at, row.timezone), utc=utc_text(row.post_at), channel=channel
        )
    ]
    if when.fold is Fold.AMBIGUOUS:
        lines.append(
            _(
                "That clock time happens twice that night in {zone} (the clocks go back); "
                "I took the first one, {utc}."
            ).format(zone=row.timezone, utc=utc_text(row.post_at))
        )
    if _MENTION.search(row.content):
        lines.append(_("Mentions in the text are shown as written but ping nobody."))
    if isinstance(announcing_in, discord.TextChannel) and announcing_in.is_news():
        lines.append(
            _(
                "It is an announcement channel: the post is also published to following servers "
                "(at most 10 per hour; more wait their turn)."
            )
        )
    lines.append(_("Preview:") + "\n" + text.fit(_quote_block(row.content), PREVIEW_LIMIT))
    return text.fit("\n".join(lines), text.MESSAGE_CONTENT)


def _quote_block(content: str) -> str:
    return "\n".join("> " + line for line in content.splitlines() or [""])


def listing(found: Listing) -> str:
    lines: list[str] = []
    if found.upcoming:
        lines.append("**" + _("Upcoming") + "**")
        for row in found.upcoming:
            lines.append(_line(row, discord_timestamp(row.post_at, "f")))
    if found.recent:
        lines.append("**" + _("Recent") + "**")
        for row in found.recent:
            lines.append(_line(row, _recent_state(row, found.publishes.get(row.message_id or 0))))
    if not lines:
        return _("No announcements are scheduled. Schedule one with /announce schedule.")
    return text.fit("\n".join(lines), text.MESSAGE_CONTENT)


def _line(row: ScheduledAnnouncement, state: str) -> str:
    excerpt = text.quote(row.content, 60)
    return f"`{row.id}` · <#{row.channel_id}> · {state} · {excerpt}"


def _recent_state(row: ScheduledAnnouncement, published: AnnouncePublish | None) -> str:
    if row.state == AnnouncementState.CANCELLED:
        return _("cancelled")
    if row.state == AnnouncementState.FAILED:
        reason = FAILURES.get(row.error or "", FAILURES["post_failed"])
        return _("not posted: {reason}").format(reason=_(reason))
    posted = _("posted {time}").format(time=discord_timestamp(row.posted_at or row.post_at, "f"))
    if published is None:
        return posted
    if published.state == PublishState.PUBLISHED:
        return posted + ", " + _("published")
    if published.state == PublishState.FAILED:
        return posted + ", " + _("not published")
    return posted + ", " + _("to be published {time}").format(time=discord_timestamp(published.slot_at, "R"))


def failure_alert(row: ScheduledAnnouncement, reason: str, missing: list[str]) -> str:
    message = _("Announcement {id} for {channel} could not be posted: {reason}.").format(
        id=row.id, channel=f"<#{row.channel_id}>", reason=_(FAILURES[reason])
    )
    if missing:
        message += " " + _("Missing: {permissions}.").format(permissions=join_list(missing))
    return message + " " + _("Fix it, then give it a new time with /announce edit {id}.").format(id=row.id)


def publish_alert(channel_id: int, error: str | None) -> str:
    return _("A post in {channel} could not be published to following servers: {error}").format(
        channel=f"<#{channel_id}>", error=text.quote(error or "", 120)
    )

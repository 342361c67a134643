"""The bot's messages as Discord builds and checks them: shared by every route that posts.

Building a message from a request body (attachments, component ids, who is pinged), editing one,
and the refusals that depend on the channel: closed DMs, archived and locked threads, slowmode,
embeds Discord drops without Embed Links.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.sandbox._http import ApiError, Call
from bot.sandbox._model import MESSAGE_FLAG_EPHEMERAL, Channel, Message, User
from bot.sandbox._uploads import Upload

if TYPE_CHECKING:
    from bot.sandbox._host import Host

# Flags a bot may set on a message it sends: suppress embeds, ephemeral, suppress notifications, v2.
_SENDABLE_FLAGS = (1 << 2) | MESSAGE_FLAG_EPHEMERAL | (1 << 12) | (1 << 15)


def attachments_for(sandbox: Host, body: dict[str, Any], files: list[dict[str, Any]]) -> list[dict[str, Any]]:
    described = {str(a.get("id")): a for a in body.get("attachments") or [] if isinstance(a, dict)}
    attachments = []
    cdn = sandbox.base_url.removesuffix("/api/v10")
    for index, upload in enumerate(files):
        meta = described.get(str(index), {})
        attachment_id = sandbox.world.snowflakes.next()
        filename = meta.get("filename") or upload["filename"]
        if "data" in upload:  # served at the attachment's URL, like Discord's CDN
            sandbox.driver.uploads[attachment_id] = Upload(filename, upload["data"])
        attachments.append(
            {
                "id": str(attachment_id),
                "filename": filename,
                "size": upload["size"],
                "content_type": upload.get("content_type"),
                "url": f"{cdn}/attachments/{attachment_id}/{filename}",
                "proxy_url": f"{cdn}/attachments/{attachment_id}/{filename}",
            }
        )
    return attachments


def numbered(components: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Components as Discord stores them: each with an ``id``, counted from 1 in reading order."""
    taken = set()
    pending: list[dict[str, Any]] = []

    def walk(component: dict[str, Any]) -> dict[str, Any]:
        copy = dict(component)
        if isinstance(copy.get("id"), int):
            taken.add(copy["id"])
        else:
            pending.append(copy)
        for key in ("components",):
            if isinstance(copy.get(key), list):
                copy[key] = [walk(child) if isinstance(child, dict) else child for child in copy[key]]
        for key in ("accessory", "component"):
            if isinstance(copy.get(key), dict):
                copy[key] = walk(copy[key])
        return copy

    result = [walk(component) for component in components or [] if isinstance(component, dict)]
    next_id = 1
    for component in pending:
        while next_id in taken:
            next_id += 1
        component["id"] = next_id
        taken.add(next_id)
    return result


def check_not_empty(body: dict[str, Any], files: list[dict[str, Any]], channel: Channel | None) -> None:
    if not (
        body.get("content")
        or body.get("embeds")
        or body.get("components")
        or files
        or body.get("sticker_ids")
        or body.get("poll")
    ):
        raise ApiError(
            400,
            50006,
            "Cannot send an empty message",
            channel=channel,
            violation=True,
            detail="no content, embeds, components or files",
        )


def build_message(
    sandbox: Host,
    channel: Channel,
    body: dict[str, Any],
    files: list[dict[str, Any]],
    *,
    visible_to: User | None = None,
    **fields: Any,
) -> Message:
    """A message from the bot, as the request *body* describes it."""
    world = sandbox.world
    content = body.get("content") or ""
    allowed = body.get("allowed_mentions")
    flags = (body.get("flags") or 0) & _SENDABLE_FLAGS
    users, roles, everyone = world.pings(content, allowed, channel, world.guild_member(world.bot.id))
    return sandbox.new_message(
        channel,
        world.bot,
        content,
        embeds=list(body.get("embeds") or []),
        components=numbered(body.get("components")),
        attachments=attachments_for(sandbox, body, files),
        flags=flags,
        allowed_mentions=allowed,
        mentions=users,
        mention_roles=roles,
        mention_everyone=everyone,
        visible_to=visible_to if flags & MESSAGE_FLAG_EPHEMERAL else None,
        **fields,
    )


def apply_edit(sandbox: Host, message: Message, body: dict[str, Any], files: list[dict[str, Any]]) -> None:
    world = sandbox.world
    if "content" in body:
        message.content = body["content"] or ""
    if "embeds" in body:
        message.embeds = list(body["embeds"] or [])
    if "components" in body:
        message.components = numbered(body["components"])
    # The transcript shows what this very request sent; an edit never notifies anyone anyway.
    message.allowed_mentions = body.get("allowed_mentions")
    if "attachments" in body or files:
        kept = {str(a.get("id")) for a in body.get("attachments") or [] if isinstance(a, dict)}
        message.attachments = [a for a in message.attachments if a["id"] in kept] + attachments_for(
            sandbox, body, files
        )
    if body.get("flags") is not None:
        keep = message.flags & ~(1 << 2)
        message.flags = keep | (body["flags"] & (1 << 2))
    users, roles, everyone = world.pings(
        message.content, message.allowed_mentions, message.channel, world.guild_member(message.author.id)
    )
    message.mentions, message.mention_roles, message.mention_everyone = users, roles, everyone
    message.edited_at = sandbox.clock.now()


def check_recipient(call: Call, channel: Channel) -> None:
    """A closed DM, or a user who shares no server with the bot any more: 50007."""
    recipient = channel.recipient
    if recipient is None:
        return
    if recipient.dms_closed or call.world.guild_member(recipient.id) is None:
        reason = "does not accept DMs" if recipient.dms_closed else "shares no server with the bot"
        raise ApiError(
            403,
            50007,
            "Cannot send messages to this user",
            channel=channel,
            detail=f"{recipient.name} {reason}",
        )


def send_permission(channel: Channel) -> str:
    return "send_messages_in_threads" if channel.is_thread else "send_messages"


def bot_has(call: Call, channel: Channel, name: str) -> bool:
    world = call.world
    return channel.recipient is not None or world.has(world.members[world.bot.id], channel, name)


def check_open_thread(call: Call, channel: Channel) -> None:
    """An archived thread takes nothing until unarchived; a locked one only Manage Threads' posts."""
    if not channel.is_thread:
        return
    if channel.archived:
        raise ApiError(
            400, 50083, "Thread is archived", channel=channel, detail=f"{channel.label} is archived"
        )
    if channel.locked and not bot_has(call, channel, "manage_threads"):
        raise ApiError(
            403,
            50013,
            "Missing Permissions",
            channel=channel,
            detail=f"{channel.label} is locked and the bot lacks manage_threads",
        )


def check_slowmode(call: Call, channel: Channel) -> None:
    """Discord's slowmode binds the bot too, unless it may manage messages or the channel."""
    if not channel.rate_limit_per_user or channel.recipient is not None:
        return
    exempt = (
        "manage_messages",
        "manage_channels",
        "manage_threads" if channel.is_thread else "manage_channels",
    )
    if any(bot_has(call, channel, name) for name in exempt):
        return
    last = channel.last_post.get(call.world.bot.id)
    if last is None:
        return
    # Real seconds pass on Discord; so does time the scenario moves the clock over.
    virtual = (call.sandbox.clock.now() - last[0]).total_seconds()
    waited = max(virtual, call.sandbox.monotonic() - last[1])
    if waited < channel.rate_limit_per_user:
        raise SlowmodeError(channel, channel.rate_limit_per_user - waited)


class SlowmodeError(ApiError):
    """Answered as Discord does: 429 with code 20016 and how long to wait."""

    def __init__(self, channel: Channel, retry_after: float) -> None:
        super().__init__(
            429,
            20016,
            "This action cannot be performed due to slowmode rate limit.",
            channel=channel,
            detail=f"slowmode of {channel.rate_limit_per_user} s in {channel.label}",
        )
        self.retry_after = round(retry_after, 3)

    def body(self) -> dict[str, Any]:
        return super().body() | {"retry_after": self.retry_after, "global": False}


def drop_embeds(call: Call, channel: Channel, body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Without Embed Links, Discord posts the message and silently leaves its embeds out."""
    if not body.get("embeds") or bot_has(call, channel, "embed_links"):
        return body, False
    return {**body, "embeds": []}, True

"""Channel routes beyond posting: editing a channel or thread, pins, bulk delete, webhooks."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from bot.sandbox._gateway import GUILD_MESSAGES, GUILDS
from bot.sandbox._http import (
    ApiError,
    Call,
    RateLimitedError,
    Reply,
    channel_of,
    json_reply,
    message_of,
    no_content,
    require_bot,
    route,
)
from bot.sandbox._messages import (
    apply_edit,
    bot_has,
    build_message,
    check_not_empty,
    check_open_thread,
)
from bot.sandbox._model import (
    ADMINISTRATOR,
    MESSAGE_FLAG_EPHEMERAL,
    Channel,
    Overwrite,
    Webhook,
    iso,
    permission_names,
)

MAX_PINS = 50
RENAMES_PER_WINDOW = 2
RENAME_WINDOW_S = 600.0
MAX_WEBHOOKS = 15
BULK_DELETE_AGE = timedelta(days=14)
_PINS = "/channels/{channel_id}/messages/pins"
_LEGACY_PINS = "/channels/{channel_id}/pins"
_GUILD_CHANNEL_FIELDS = ("name", "topic", "rate_limit_per_user")
_THREAD_FIELDS = ("name", "archived", "locked", "auto_archive_duration", "rate_limit_per_user", "invitable")


def _invalid(channel: Channel, field: str, code: str, message: str) -> ApiError:
    return ApiError(
        400,
        50035,
        "Invalid Form Body",
        channel=channel,
        detail=f"{field}: {message}",
        errors={field: {"_errors": [{"code": code, "message": message}]}},
    )


# -- editing a channel or a thread ---------------------------------------------------------------


@route("PATCH", "/channels/{channel_id}")
async def edit_channel(call: Call) -> Reply:
    sandbox = call.sandbox
    channel = channel_of(call)
    body = call.body or {}
    if channel.recipient is not None:
        raise ApiError(403, 50003, "Cannot execute action on a DM channel", channel=channel)
    if channel.is_thread:
        _edit_thread(call, channel, body)
        event = "THREAD_UPDATE"
    else:
        require_bot(call, channel, "manage_channels")
        if "permission_overwrites" in body:
            require_bot(call, channel, "manage_roles")
            channel.overwrites = [
                _overwrite(call, channel, entry) for entry in body["permission_overwrites"] or []
            ]
        if any(key in body and body[key] != getattr(channel, key) for key in ("name", "topic")):
            _count_rename(call, channel)
        for key in _GUILD_CHANNEL_FIELDS:
            if key in body:
                setattr(channel, key, body[key] if key != "rate_limit_per_user" else int(body[key] or 0))
        event = "CHANNEL_UPDATE"
    changed = {
        key: body[key]
        for key in (*_GUILD_CHANNEL_FIELDS, *_THREAD_FIELDS, "permission_overwrites")
        if key in body
    }
    sandbox.record("edit_channel", channel=channel.label, changes=changed)
    payload = channel.payload()
    await sandbox.gateway.dispatch(event, payload, intent=GUILDS)
    return json_reply(payload)


def _count_rename(call: Call, channel: Channel) -> None:
    """Discord lets a channel's name or topic change twice per 10 minutes; the third waits."""
    sandbox = call.sandbox
    now, mono = sandbox.clock.now(), sandbox.monotonic()

    def elapsed(when: tuple[datetime, float]) -> float:
        return max((now - when[0]).total_seconds(), mono - when[1])

    recent = [when for when in channel.renames if elapsed(when) < RENAME_WINDOW_S]
    if len(recent) >= RENAMES_PER_WINDOW:
        raise RateLimitedError(
            RENAME_WINDOW_S - elapsed(recent[0]),
            channel=channel,
            detail=f"{channel.label}: name or topic changed {RENAMES_PER_WINDOW} times in 10 minutes",
        )
    channel.renames = [*recent, (now, mono)]


def _overwrite(call: Call, channel: Channel, entry: dict[str, Any]) -> Overwrite:
    world = call.world
    target = int(entry["id"])
    kind = int(entry.get("type", 0))
    known = target in world.roles if kind == 0 else world.guild_member(target) is not None
    if not known:
        raise ApiError(
            404,
            10011 if kind == 0 else 10013,
            "Unknown Role" if kind == 0 else "Unknown User",
            channel=channel,
        )
    overwrite = Overwrite(
        id=target, type=kind, allow=int(entry.get("allow") or 0), deny=int(entry.get("deny") or 0)
    )
    # Discord's rule: a bot grants or takes away in an overwrite only what it has in the channel itself.
    have = world.permissions_in(world.members[world.bot.id], channel)
    if (overwrite.allow | overwrite.deny) & ~have and not have & ADMINISTRATOR:
        raise ApiError(
            403,
            50013,
            "Missing Permissions",
            channel=channel,
            detail=f"the overwrite names {permission_names((overwrite.allow | overwrite.deny) & ~have)}, "
            "which the bot does not have there",
        )
    return overwrite


async def _channel_changed(call: Call, channel: Channel, changes: dict[str, Any]) -> None:
    call.sandbox.record("edit_channel", channel=channel.label, changes=changes)
    await call.sandbox.gateway.dispatch("CHANNEL_UPDATE", channel.payload(), intent=GUILDS)


@route("PUT", "/channels/{channel_id}/permissions/{overwrite_id}")
async def set_permissions(call: Call) -> Reply:
    channel = channel_of(call)
    if channel.recipient is not None or channel.is_thread:
        raise ApiError(400, 50024, "Cannot execute action on this channel type", channel=channel)
    require_bot(call, channel, "manage_roles")
    entry = {**(call.body or {}), "id": call.params["overwrite_id"]}
    overwrite = _overwrite(call, channel, entry)
    channel.overwrites = [o for o in channel.overwrites if o.id != overwrite.id] + [overwrite]
    await _channel_changed(call, channel, {"permission_overwrites": [overwrite.payload()]})
    return no_content()


@route("DELETE", "/channels/{channel_id}/permissions/{overwrite_id}")
async def delete_permissions(call: Call) -> Reply:
    channel = channel_of(call)
    require_bot(call, channel, "manage_roles")
    target = call.snowflake("overwrite_id")
    kept = [o for o in channel.overwrites if o.id != target]
    if len(kept) != len(channel.overwrites):
        channel.overwrites = kept
        await _channel_changed(call, channel, {"permission_overwrites_removed": str(target)})
    return no_content()


def _edit_thread(call: Call, thread: Channel, body: dict[str, Any]) -> None:
    """Discord's rules: the owner or Manage Threads archives and renames; only Manage Threads locks,
    or brings back a thread a moderator locked; an archived thread takes no other change."""
    world = call.world
    manages = bot_has(call, thread, "manage_threads")
    owns = thread.owner_id == world.bot.id
    if "locked" in body and bool(body["locked"]) != thread.locked and not manages:
        require_bot(call, thread, "manage_threads")
    if thread.locked and body.get("archived") is False and not manages:
        require_bot(call, thread, "manage_threads")
    others = set(body) - {"archived", "locked"}
    if thread.archived and body.get("archived") is not False and others:
        raise ApiError(400, 50083, "Thread is archived", channel=thread, detail=f"{thread.label} is archived")
    if not (owns or manages):
        require_bot(call, thread, "manage_threads")
    if "name" in body and not 1 <= len(str(body["name"] or "")) <= 100:
        raise _invalid(thread, "name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    now = call.sandbox.clock.now()
    if "archived" in body and bool(body["archived"]) != thread.archived:
        thread.archived = bool(body["archived"])
        thread.archived_at = now
    if "locked" in body:
        thread.locked = bool(body["locked"])
    if "name" in body:
        thread.name = str(body["name"])
    if "auto_archive_duration" in body:
        thread.auto_archive_duration = int(body["auto_archive_duration"])
    if "rate_limit_per_user" in body:
        thread.rate_limit_per_user = int(body["rate_limit_per_user"] or 0)


# -- pins ----------------------------------------------------------------------------------------


def _pin_permission(call: Call, channel: Channel) -> None:
    if not (bot_has(call, channel, "pin_messages") or bot_has(call, channel, "manage_messages")):
        require_bot(call, channel, "pin_messages")


def _pinned(call: Call, channel: Channel) -> list[Any]:
    pinned = [m for m in call.world.channel_messages(channel) if m.pinned_at is not None]
    return sorted(pinned, key=lambda m: (m.pinned_at, m.id), reverse=True)


async def _pins_update(call: Call, channel: Channel) -> None:
    newest = next(iter(_pinned(call, channel)), None)
    data: dict[str, Any] = {
        "channel_id": str(channel.id),
        "last_pin_timestamp": None if newest is None or newest.pinned_at is None else iso(newest.pinned_at),
    }
    if channel.guild_id is not None:
        data["guild_id"] = str(channel.guild_id)
    await call.sandbox.gateway.dispatch("CHANNEL_PINS_UPDATE", data, intent=GUILDS)


@route("GET", _PINS)
async def list_pins(call: Call) -> Reply:
    """Newest pin first, a page at a time: ``{"items": [{"pinned_at", "message"}], "has_more"}``."""
    channel = channel_of(call)
    require_bot(call, channel, "read_message_history")
    pinned = _pinned(call, channel)
    if "before" in call.query:
        before = call.query["before"]
        pinned = [m for m in pinned if m.pinned_at is not None and iso(m.pinned_at) < before]
    limit = int(call.query.get("limit", "50"))
    page = pinned[:limit]
    items = [
        {"pinned_at": iso(m.pinned_at), "message": call.sandbox.message_payload(m)}
        for m in page
        if m.pinned_at is not None
    ]
    return json_reply({"items": items, "has_more": len(pinned) > limit})


@route("GET", _LEGACY_PINS)
async def list_pins_legacy(call: Call) -> Reply:
    channel = channel_of(call)
    require_bot(call, channel, "read_message_history")
    return json_reply([call.sandbox.message_payload(m) for m in _pinned(call, channel)])


@route("PUT", _PINS + "/{message_id}")
@route("PUT", _LEGACY_PINS + "/{message_id}")
async def pin(call: Call) -> Reply:
    sandbox = call.sandbox
    channel = channel_of(call)
    message = message_of(call, channel)
    _pin_permission(call, channel)
    check_open_thread(call, channel)
    if message.pinned_at is None:
        if len(_pinned(call, channel)) >= MAX_PINS:
            raise ApiError(400, 30003, f"Maximum number of pins reached ({MAX_PINS})", channel=channel)
        message.pinned_at = sandbox.clock.now()
        sandbox.record("pin", channel=channel.label, target=message.line)
        await sandbox.emit_message("MESSAGE_UPDATE", message)
        await _pins_update(call, channel)
    return no_content()


@route("DELETE", _PINS + "/{message_id}")
@route("DELETE", _LEGACY_PINS + "/{message_id}")
async def unpin(call: Call) -> Reply:
    sandbox = call.sandbox
    channel = channel_of(call)
    message = message_of(call, channel)
    _pin_permission(call, channel)
    check_open_thread(call, channel)
    if message.pinned_at is not None:
        message.pinned_at = None
        sandbox.record("unpin", channel=channel.label, target=message.line)
        await sandbox.emit_message("MESSAGE_UPDATE", message)
        await _pins_update(call, channel)
    return no_content()


# -- bulk delete ---------------------------------------------------------------------------------


@route("POST", "/channels/{channel_id}/messages/bulk-delete")
async def bulk_delete(call: Call) -> Reply:
    sandbox = call.sandbox
    channel = channel_of(call)
    if channel.recipient is not None:
        raise ApiError(403, 50003, "Cannot execute action on a DM channel", channel=channel)
    require_bot(call, channel, "manage_messages")
    check_open_thread(call, channel)
    ids = [int(raw) for raw in (call.body or {}).get("messages") or []]
    if not 2 <= len(ids) <= 100:
        raise _invalid(channel, "messages", "BASE_TYPE_BAD_LENGTH", "Must be between 2 and 100 in length.")
    found = [call.world.messages.get(message_id) for message_id in ids]
    messages = [
        m for m in found if m is not None and not m.deleted and m.channel is channel and not m.ephemeral
    ]
    oldest_allowed = sandbox.clock.now() - BULK_DELETE_AGE
    if any(m.created_at < oldest_allowed for m in messages):
        raise ApiError(
            400,
            50034,
            "You can only bulk delete messages that are under 14 days old.",
            channel=channel,
            detail="a message is older than 14 days by the clock",
        )
    for message in messages:
        message.deleted = True
    sandbox.record("delete", channel=channel.label, targets=[m.line for m in messages], bulk=True)
    if messages:
        data = {
            "ids": [str(m.id) for m in messages],
            "channel_id": str(channel.id),
            "guild_id": str(channel.guild_id),
        }
        await sandbox.gateway.dispatch("MESSAGE_DELETE_BULK", data, intent=GUILD_MESSAGES)
    return no_content()


# -- webhooks ------------------------------------------------------------------------------------


@route("POST", "/channels/{channel_id}/webhooks")
async def create_webhook(call: Call) -> Reply:
    world = call.world
    channel = channel_of(call)
    if channel.recipient is not None or channel.is_thread:
        raise ApiError(400, 50024, "Cannot execute action on this channel type", channel=channel)
    require_bot(call, channel, "manage_webhooks")
    name = str((call.body or {}).get("name") or "")
    if "clyde" in name.lower() or "discord" in name.lower():
        raise _invalid(channel, "name", "USERNAME_INVALID_CONTAINS", f"Username cannot contain {name!r}")
    if sum(1 for hook in world.webhooks.values() if hook.channel is channel) >= MAX_WEBHOOKS:
        raise ApiError(400, 30007, f"Maximum number of webhooks reached ({MAX_WEBHOOKS})", channel=channel)
    webhook = Webhook(
        id=world.snowflakes.next(),
        token=secrets.token_urlsafe(48),
        channel=channel,
        name=name,
        creator=world.bot,
    )
    world.webhooks[webhook.id] = webhook
    call.sandbox.record("webhook", channel=channel.label, name=name)
    return json_reply(webhook.payload(application_id=world.application_id))


@route("GET", "/channels/{channel_id}/webhooks")
async def list_webhooks(call: Call) -> Reply:
    world = call.world
    channel = channel_of(call)
    require_bot(call, channel, "manage_webhooks")
    hooks = [hook for hook in world.webhooks.values() if hook.channel is channel]
    return json_reply([hook.payload(application_id=world.application_id) for hook in hooks])


def channel_webhook(call: Call) -> Webhook | None:
    """The channel webhook a ``/webhooks/{id}/{token}`` path names; None for an interaction's token."""
    raw = call.params.get("webhook_id", "")
    webhook = call.world.webhooks.get(int(raw)) if raw.isdigit() else None
    if webhook is None:
        return None
    if not secrets.compare_digest(webhook.token, call.params.get("webhook_token", "")):
        raise ApiError(401, 50027, "Invalid Webhook Token", channel=webhook.channel)
    return webhook


async def execute_webhook(call: Call, webhook: Webhook) -> Reply:
    """A webhook posts under its own name; it needs no permission of the bot's, only an open channel."""
    sandbox = call.sandbox
    channel = webhook.channel
    body = call.body or {}
    thread_id = call.query.get("thread_id")
    if thread_id is not None:
        thread = call.world.channels.get(int(thread_id)) if thread_id.isdigit() else None
        if thread is None or thread.parent_id != channel.id:
            raise ApiError(400, 10003, "Unknown Channel", channel=channel, detail=f"thread {thread_id}")
        channel = thread
        check_open_thread(call, channel)
    check_not_empty(body, call.files, channel)
    body = {**body, "flags": (body.get("flags") or 0) & ~MESSAGE_FLAG_EPHEMERAL}
    message = build_message(sandbox, channel, body, call.files, webhook_id=webhook.id)
    message.author = webhook.author()
    sandbox.record_message("send", message, webhook=webhook.name)
    await sandbox.emit_message("MESSAGE_CREATE", message)
    if not call.flag("wait"):
        return no_content()
    return json_reply(sandbox.message_payload(message))


async def webhook_message(call: Call, webhook: Webhook) -> Reply:
    """GET, PATCH or DELETE ``/webhooks/{id}/{token}/messages/{message_id}`` of a channel webhook."""
    sandbox = call.sandbox
    raw = call.params.get("message_id", "")
    message = call.world.messages.get(int(raw)) if raw.isdigit() else None
    if message is None or message.deleted or message.webhook_id != webhook.id:
        raise ApiError(404, 10008, "Unknown Message", channel=webhook.channel)
    if call.method == "GET":
        return json_reply(sandbox.message_payload(message))
    check_open_thread(call, message.channel)
    if call.method == "DELETE":
        message.deleted = True
        sandbox.record("delete", channel=message.channel.label, target=message.line)
        await sandbox.emit_message_delete(message)
        return no_content()
    apply_edit(sandbox, message, call.body or {}, call.files)
    sandbox.record_message("edit", message, webhook=webhook.name)
    await sandbox.emit_message("MESSAGE_UPDATE", message)
    return json_reply(sandbox.message_payload(message))


def _bot_webhook(call: Call) -> Webhook:
    webhook = call.world.webhooks.get(call.snowflake("webhook_id"))
    if webhook is None:
        raise ApiError(404, 10015, "Unknown Webhook")
    channel_of_webhook = webhook.channel
    require_bot(call, channel_of_webhook, "manage_webhooks")
    return webhook


@route("GET", "/webhooks/{webhook_id}")
async def get_webhook(call: Call) -> Reply:
    return json_reply(_bot_webhook(call).payload(application_id=call.world.application_id))


@route("DELETE", "/webhooks/{webhook_id}")
async def delete_webhook(call: Call) -> Reply:
    webhook = _bot_webhook(call)
    del call.world.webhooks[webhook.id]
    call.sandbox.record("webhook", channel=webhook.channel.label, name=webhook.name, deleted=True)
    return no_content()

"""Channel routes: messages, edits, deletes, reactions, publishing, DMs and threads."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from bot.sandbox._gateway import GUILD_MEMBERS, GUILDS
from bot.sandbox._http import (
    ApiError,
    Call,
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
    build_message,
    check_not_empty,
    check_open_thread,
    check_recipient,
    check_slowmode,
    drop_embeds,
    send_permission,
)
from bot.sandbox._model import (
    MESSAGE_FLAG_CROSSPOSTED,
    MESSAGE_FLAG_EPHEMERAL,
    Channel,
    ChannelType,
)

if TYPE_CHECKING:
    pass

NONCE_WINDOW = timedelta(minutes=5)
_CHANNEL_MESSAGES = "/channels/{channel_id}/messages"
_CHANNEL_MESSAGE = "/channels/{channel_id}/messages/{message_id}"
_REACTION_ME = "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/@me"


# -- channels ------------------------------------------------------------------------------------


@route("GET", "/channels/{channel_id}")
async def get_channel(call: Call) -> Reply:
    return json_reply(channel_of(call).payload())


@route("POST", "/channels/{channel_id}/typing")
async def typing(call: Call) -> Reply:
    channel = channel_of(call)
    require_bot(call, channel, send_permission(channel))
    return no_content()


@route("POST", "/users/@me/channels")
async def open_dm(call: Call) -> Reply:
    world = call.world
    try:
        recipient_id = int(call.body["recipient_id"])
    except (KeyError, TypeError, ValueError):
        raise ApiError(
            400, 50035, "Invalid Form Body", detail="recipient_id is missing", violation=True
        ) from None
    user = next((u for u in world.users_by_name.values() if u.id == recipient_id), None)
    if user is None:
        raise ApiError(404, 10013, "Unknown User", detail=f"no user {recipient_id}")
    return json_reply(world.dm_channel(user).payload())


# -- messages ------------------------------------------------------------------------------------


@route("GET", _CHANNEL_MESSAGES)
async def list_messages(call: Call) -> Reply:
    """Newest first, like Discord; with ``after``, the oldest ones after it (still newest first)."""
    channel = channel_of(call)
    require_bot(call, channel, "read_message_history")
    found = sorted((m for m in call.world.channel_messages(channel) if not m.ephemeral), key=lambda m: m.id)
    limit = int(call.query.get("limit", "50"))
    if "before" in call.query:
        found = [m for m in found if m.id < int(call.query["before"])]
    if "after" in call.query:
        found = [m for m in found if m.id > int(call.query["after"])][:limit]
    newest_first = found[::-1][:limit]
    return json_reply([call.sandbox.message_payload(m) for m in newest_first])


@route("GET", _CHANNEL_MESSAGE)
async def get_message(call: Call) -> Reply:
    channel = channel_of(call)
    require_bot(call, channel, "read_message_history")
    return json_reply(call.sandbox.message_payload(message_of(call, channel)))


@route("POST", _CHANNEL_MESSAGES)
async def create_message(call: Call) -> Reply:
    sandbox = call.sandbox
    channel = channel_of(call)
    body = call.body or {}
    if channel.type is ChannelType.FORUM:
        raise ApiError(
            400,
            50008,
            "Cannot send messages in a non-text channel",
            channel=channel,
            detail=f"#{channel.name} is a forum: create a post (POST /channels/{{id}}/threads)",
        )
    require_bot(call, channel, send_permission(channel))
    check_open_thread(call, channel)
    check_recipient(call, channel)
    check_not_empty(body, call.files, channel)
    if call.files:
        require_bot(call, channel, "attach_files")
    check_slowmode(call, channel)
    nonce = body.get("nonce")
    key = (channel.id, str(nonce))
    if nonce is not None and body.get("enforce_nonce"):
        earlier = sandbox.rest.nonces.get(key)
        if (
            earlier is not None
            and sandbox.clock.now() - earlier.created_at <= NONCE_WINDOW
            and not earlier.deleted
        ):
            return json_reply(sandbox.message_payload(earlier))
    reference = body.get("message_reference")
    fields: dict[str, Any] = {"nonce": nonce}
    if isinstance(reference, dict) and reference.get("message_id") is not None:
        require_bot(call, channel, "read_message_history")
        referenced = call.world.messages.get(int(reference["message_id"]))
        if referenced is not None and not referenced.deleted and referenced.channel is not channel:
            raise ApiError(
                400,
                50035,
                "Invalid Form Body",
                channel=channel,
                detail=f"a reply in {channel.label} to a message in {referenced.channel.label}",
                errors={
                    "message_reference": {
                        "_errors": [
                            {
                                "code": "REPLIES_CANNOT_REFERENCE_OTHER_CHANNEL",
                                "message": "Cannot reply to a message in a different channel",
                            }
                        ]
                    }
                },
            )
        if referenced is None or referenced.deleted:
            if reference.get("fail_if_not_exists", True):
                raise ApiError(
                    400,
                    50035,
                    "Invalid Form Body",
                    channel=channel,
                    detail="message_reference points at an unknown message",
                    errors={
                        "message_reference": {
                            "_errors": [{"code": "REPLIES_UNKNOWN_MESSAGE", "message": "Unknown message"}]
                        }
                    },
                )
        else:
            fields["type"] = 19
            fields["message_reference"] = {
                "message_id": str(referenced.id),
                "channel_id": str(channel.id),
                "type": 0,
            }
            if channel.guild_id is not None:
                fields["message_reference"]["guild_id"] = str(channel.guild_id)
    body = {**body, "flags": (body.get("flags") or 0) & ~MESSAGE_FLAG_EPHEMERAL}  # only interactions whisper
    body, dropped = drop_embeds(call, channel, body)
    message = build_message(sandbox, channel, body, call.files, **fields)
    if nonce is not None:
        sandbox.rest.nonces[key] = message
    channel.last_post[call.world.bot.id] = (sandbox.clock.now(), sandbox.monotonic())
    extra = {"embeds_dropped": True} if dropped else {}
    sandbox.record_message("dm" if channel.recipient is not None else "send", message, **extra)
    await sandbox.emit_message("MESSAGE_CREATE", message)
    return json_reply(sandbox.message_payload(message))


@route("PATCH", _CHANNEL_MESSAGE)
async def edit_message(call: Call) -> Reply:
    sandbox = call.sandbox
    channel = channel_of(call)
    message = message_of(call, channel)
    if message.author is not call.world.bot:
        raise ApiError(
            403,
            50005,
            "Cannot edit a message authored by another user",
            channel=channel,
            detail=f"message of line {message.line} is by {message.author.name}",
        )
    check_open_thread(call, channel)
    if call.files:
        require_bot(call, channel, "attach_files")
    body, dropped = drop_embeds(call, channel, call.body or {})
    apply_edit(sandbox, message, body, call.files)
    sandbox.record_message("edit", message, **({"embeds_dropped": True} if dropped else {}))
    await sandbox.emit_message("MESSAGE_UPDATE", message)
    return json_reply(sandbox.message_payload(message))


@route("DELETE", _CHANNEL_MESSAGE)
async def delete_message(call: Call) -> Reply:
    sandbox = call.sandbox
    channel = channel_of(call)
    message = message_of(call, channel)
    if message.author is not call.world.bot:
        require_bot(call, channel, "manage_messages")
    check_open_thread(call, channel)
    message.deleted = True
    sandbox.record("delete", channel=channel.label, target=message.line)
    await sandbox.emit_message_delete(message)
    return no_content()


@route("POST", "/channels/{channel_id}/messages/{message_id}/crosspost")
async def crosspost(call: Call) -> Reply:
    sandbox = call.sandbox
    channel = channel_of(call)
    message = message_of(call, channel)
    if channel.type is not ChannelType.ANNOUNCEMENT:
        raise ApiError(
            400,
            50024,
            "Cannot execute action on this channel type",
            channel=channel,
            detail=f"#{channel.name} is not an announcement channel",
        )
    require_bot(call, channel, "send_messages" if message.author is call.world.bot else "manage_messages")
    if message.flags & MESSAGE_FLAG_CROSSPOSTED:
        raise ApiError(400, 40033, "This message has already been crossposted.", channel=channel)
    message.flags |= MESSAGE_FLAG_CROSSPOSTED
    sandbox.record("publish", channel=channel.label, target=message.line, content=message.content)
    await sandbox.emit_message("MESSAGE_UPDATE", message)
    return json_reply(sandbox.message_payload(message))


# -- reactions -----------------------------------------------------------------------------------


def _emoji(call: Call) -> str:
    emoji = unquote(call.params["emoji_name"])
    name, _, emoji_id = emoji.partition(":")
    if emoji_id or name.isascii():
        # The sandbox's guild has no custom emojis, and a bare ASCII word is no emoji at all.
        raise ApiError(400, 10014, "Unknown Emoji", detail=f"emoji {emoji!r}")
    return emoji


@route("PUT", _REACTION_ME)
async def add_reaction(call: Call) -> Reply:
    sandbox = call.sandbox
    channel = channel_of(call)
    message = message_of(call, channel)
    emoji = _emoji(call)
    check_open_thread(call, channel)
    users = message.reactions.get(emoji)
    require_bot(call, channel, "read_message_history", *(() if users else ("add_reactions",)))
    if users is None or call.world.bot.id not in users:
        message.reactions.setdefault(emoji, set()).add(call.world.bot.id)
        sandbox.record("react", channel=channel.label, target=message.line, emoji=emoji)
        await sandbox.emit_reaction("MESSAGE_REACTION_ADD", message, call.world.bot, emoji)
    return no_content()


@route("DELETE", _REACTION_ME)
async def remove_reaction(call: Call) -> Reply:
    sandbox = call.sandbox
    channel = channel_of(call)
    message = message_of(call, channel)
    emoji = _emoji(call)
    users = message.reactions.get(emoji, set())
    if call.world.bot.id in users:
        users.discard(call.world.bot.id)
        await sandbox.emit_reaction("MESSAGE_REACTION_REMOVE", message, call.world.bot, emoji)
    return no_content()


# -- threads -------------------------------------------------------------------------------------


def _new_thread(
    call: Call, parent: Channel, name: str, kind: ChannelType, thread_id: int | None = None
) -> Channel:
    world = call.world
    thread = Channel(
        id=thread_id or world.snowflakes.next(),
        type=kind,
        name=name,
        guild_id=parent.guild_id,
        parent_id=parent.id,
        owner_id=world.bot.id,
        created_at=call.sandbox.clock.now(),
        thread_members={world.bot.id},
        auto_archive_duration=int((call.body or {}).get("auto_archive_duration") or 10080),
    )
    world.channels[thread.id] = thread
    return thread


def _thread_member(thread: Channel, user_id: int, when: str) -> dict[str, Any]:
    return {"id": str(thread.id), "user_id": str(user_id), "join_timestamp": when, "flags": 0}


async def _announce_thread(call: Call, thread: Channel) -> dict[str, Any]:
    when = call.sandbox.clock.now().isoformat()
    payload = thread.payload() | {"member": _thread_member(thread, call.world.bot.id, when)}
    await call.sandbox.gateway.dispatch("THREAD_CREATE", payload | {"newly_created": True}, intent=GUILDS)
    return payload


@route("POST", "/channels/{channel_id}/threads")
async def create_thread(call: Call) -> Reply:
    sandbox = call.sandbox
    parent = channel_of(call)
    body = call.body or {}
    name = str(body.get("name", ""))
    if parent.type is ChannelType.FORUM:
        require_bot(call, parent, "send_messages")
        starter_body = body.get("message")
        if not isinstance(starter_body, dict):
            raise ApiError(
                400,
                50035,
                "Invalid Form Body",
                channel=parent,
                violation=True,
                detail="a forum post needs a message",
                errors={
                    "message": {
                        "_errors": [{"code": "BASE_TYPE_REQUIRED", "message": "This field is required"}]
                    }
                },
            )
        check_not_empty(starter_body, call.files, parent)
        if call.files:
            require_bot(call, parent, "attach_files")
        starter_body, dropped = drop_embeds(call, parent, starter_body)
        thread = _new_thread(call, parent, name, ChannelType.PUBLIC_THREAD)
        starter = build_message(sandbox, thread, starter_body, call.files)
        # A forum post's starter message shares the thread's id.
        del call.world.messages[starter.id]
        starter.id = thread.id
        call.world.messages[starter.id] = starter
        thread.last_message_id = starter.id
        extra = {"embeds_dropped": True} if dropped else {}
        sandbox.record_message("thread", starter, channel=parent.name, thread=name, **extra)
        payload = await _announce_thread(call, thread)
        await sandbox.emit_message("MESSAGE_CREATE", starter)
        return json_reply(payload | {"message": sandbox.message_payload(starter)}, 201)
    if parent.type not in (ChannelType.TEXT, ChannelType.ANNOUNCEMENT):
        raise ApiError(400, 50024, "Cannot execute action on this channel type", channel=parent)
    kind = ChannelType(int(body.get("type") or ChannelType.PRIVATE_THREAD))
    if parent.type is ChannelType.ANNOUNCEMENT:
        if kind is ChannelType.PRIVATE_THREAD:
            raise ApiError(
                400,
                50024,
                "Cannot execute action on this channel type",
                channel=parent,
                detail="announcement channels have no private threads",
            )
        kind = ChannelType.ANNOUNCEMENT_THREAD
    require_bot(
        call,
        parent,
        "create_private_threads" if kind is ChannelType.PRIVATE_THREAD else "create_public_threads",
    )
    thread = _new_thread(call, parent, name, kind)
    sandbox.record(
        "thread", channel=parent.name, thread=name, private=kind is ChannelType.PRIVATE_THREAD or None
    )
    return json_reply(await _announce_thread(call, thread), 201)


@route("POST", "/channels/{channel_id}/messages/{message_id}/threads")
async def create_thread_from_message(call: Call) -> Reply:
    sandbox = call.sandbox
    parent = channel_of(call)
    message = message_of(call, parent)
    if call.world.channels.get(message.id) is not None:
        raise ApiError(400, 160004, "A thread has already been created for this message", channel=parent)
    require_bot(call, parent, "create_public_threads")
    kind = (
        ChannelType.ANNOUNCEMENT_THREAD
        if parent.type is ChannelType.ANNOUNCEMENT
        else ChannelType.PUBLIC_THREAD
    )
    name = str((call.body or {}).get("name", ""))
    thread = _new_thread(call, parent, name, kind, thread_id=message.id)
    sandbox.record("thread", channel=parent.name, thread=name, target=message.line)
    return json_reply(await _announce_thread(call, thread), 201)


@route("PUT", "/channels/{channel_id}/thread-members/{user_id}")
async def add_thread_member(call: Call) -> Reply:
    sandbox = call.sandbox
    world = call.world
    thread = channel_of(call)
    if not thread.is_thread:
        raise ApiError(400, 50024, "Cannot execute action on this channel type", channel=thread)
    member = world.guild_member(call.snowflake("user_id"))
    if member is None:
        raise ApiError(404, 10007, "Unknown Member", channel=thread, detail=f"user {call.params['user_id']}")
    if thread.type is ChannelType.PRIVATE_THREAD and world.bot.id not in thread.thread_members:
        require_bot(call, thread, "manage_threads")
    require_bot(call, thread, "send_messages_in_threads")
    check_open_thread(call, thread)
    if member.user.id not in thread.thread_members:
        thread.thread_members.add(member.user.id)
        sandbox.record("thread_member", channel=thread.label, member=member.name)
        when = sandbox.clock.now().isoformat()
        update = {
            "id": str(thread.id),
            "guild_id": str(thread.guild_id),
            "member_count": len(thread.thread_members),
            "added_members": [_thread_member(thread, member.user.id, when) | {"member": member.payload()}],
        }
        await sandbox.gateway.dispatch("THREAD_MEMBERS_UPDATE", update, intent=GUILD_MEMBERS)
    return no_content()


@route("PUT", "/channels/{channel_id}/thread-members/@me")
async def join_thread(call: Call) -> Reply:
    thread = channel_of(call)
    if not thread.is_thread:
        raise ApiError(400, 50024, "Cannot execute action on this channel type", channel=thread)
    thread.thread_members.add(call.world.bot.id)
    return no_content()

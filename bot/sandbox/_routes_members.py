"""Who is where: archived thread lists, thread members, and a member's roles."""

from __future__ import annotations

from typing import Any

from bot.sandbox._gateway import GUILD_MEMBERS
from bot.sandbox._http import ApiError, Call, Reply, channel_of, json_reply, no_content, require_bot, route
from bot.sandbox._model import PERMISSION_FLAGS, Channel, ChannelType, Member, Role, iso

_THREAD_MEMBER = "/channels/{channel_id}/thread-members/{user_id}"


# -- archived threads ----------------------------------------------------------------------------


def _thread_member(call: Call, thread: Channel, user_id: int) -> dict[str, Any]:
    joined = thread.created_at or call.sandbox.clock.now()
    return {"id": str(thread.id), "user_id": str(user_id), "join_timestamp": iso(joined), "flags": 0}


def _archived_page(call: Call, parent: Channel, threads: list[Channel]) -> Reply:
    """Newest archive first, ``before`` an ISO timestamp, and ``has_more`` as Discord sends it."""
    threads = sorted(threads, key=lambda t: (t.archived_at or t.created_at, t.id), reverse=True)
    if "before" in call.query:
        before = call.query["before"]
        threads = [t for t in threads if iso(t.archived_at or t.created_at) < before]  # type: ignore[arg-type]
    limit = int(call.query.get("limit", "50"))
    page = threads[:limit]
    bot_id = call.world.bot.id
    members = [_thread_member(call, t, bot_id) for t in page if bot_id in t.thread_members]
    return json_reply(
        {"threads": [t.payload() for t in page], "members": members, "has_more": len(threads) > limit}
    )


def _archived(call: Call, parent: Channel, kinds: set[ChannelType]) -> list[Channel]:
    return [
        c
        for c in call.world.channels.values()
        if c.is_thread and c.parent_id == parent.id and c.archived and c.type in kinds
    ]


def _thread_parent(call: Call) -> Channel:
    parent = channel_of(call)
    if parent.type not in (ChannelType.TEXT, ChannelType.ANNOUNCEMENT, ChannelType.FORUM):
        raise ApiError(400, 50024, "Cannot execute action on this channel type", channel=parent)
    return parent


@route("GET", "/channels/{channel_id}/threads/archived/public")
async def archived_public(call: Call) -> Reply:
    parent = _thread_parent(call)
    require_bot(call, parent, "read_message_history")
    kinds = {ChannelType.PUBLIC_THREAD, ChannelType.ANNOUNCEMENT_THREAD}
    return _archived_page(call, parent, _archived(call, parent, kinds))


@route("GET", "/channels/{channel_id}/threads/archived/private")
async def archived_private(call: Call) -> Reply:
    parent = _thread_parent(call)
    require_bot(call, parent, "read_message_history", "manage_threads")
    return _archived_page(call, parent, _archived(call, parent, {ChannelType.PRIVATE_THREAD}))


@route("GET", "/channels/{channel_id}/users/@me/threads/archived/private")
async def archived_private_joined(call: Call) -> Reply:
    parent = _thread_parent(call)
    require_bot(call, parent, "read_message_history")
    bot_id = call.world.bot.id
    joined = [t for t in _archived(call, parent, {ChannelType.PRIVATE_THREAD}) if bot_id in t.thread_members]
    return _archived_page(call, parent, joined)


# -- thread members ------------------------------------------------------------------------------


def _thread(call: Call) -> Channel:
    thread = channel_of(call)
    if not thread.is_thread:
        raise ApiError(400, 50024, "Cannot execute action on this channel type", channel=thread)
    return thread


def _with_member(call: Call, entry: dict[str, Any], user_id: int) -> dict[str, Any]:
    member = call.world.guild_member(user_id)
    return entry | ({"member": member.payload()} if member is not None and call.flag("with_member") else {})


@route("GET", "/channels/{channel_id}/thread-members")
async def list_thread_members(call: Call) -> Reply:
    thread = _thread(call)
    entries = [
        _with_member(call, _thread_member(call, thread, user_id), user_id)
        for user_id in sorted(thread.thread_members)
    ]
    return json_reply(entries)


@route("GET", _THREAD_MEMBER)
async def get_thread_member(call: Call) -> Reply:
    thread = _thread(call)
    user_id = call.snowflake("user_id")
    if user_id not in thread.thread_members:
        raise ApiError(
            404, 10007, "Unknown Member", channel=thread, detail=f"user {user_id} is not in the thread"
        )
    return json_reply(_with_member(call, _thread_member(call, thread, user_id), user_id))


async def _members_left(call: Call, thread: Channel, user_id: int) -> None:
    thread.thread_members.discard(user_id)
    update = {
        "id": str(thread.id),
        "guild_id": str(thread.guild_id),
        "member_count": len(thread.thread_members),
        "removed_member_ids": [str(user_id)],
    }
    await call.sandbox.gateway.dispatch("THREAD_MEMBERS_UPDATE", update, intent=GUILD_MEMBERS)


@route("DELETE", _THREAD_MEMBER)
async def remove_thread_member(call: Call) -> Reply:
    """Manage Threads, or the owner of a private thread, removes others; an archived thread refuses."""
    thread = _thread(call)
    world = call.world
    user_id = call.snowflake("user_id")
    if thread.archived:
        raise ApiError(400, 50083, "Thread is archived", channel=thread, detail=f"{thread.label} is archived")
    owner_may = thread.type is ChannelType.PRIVATE_THREAD and thread.owner_id == world.bot.id
    if not owner_may:
        require_bot(call, thread, "manage_threads")
    if user_id not in thread.thread_members:
        raise ApiError(
            404, 10007, "Unknown Member", channel=thread, detail=f"user {user_id} is not in the thread"
        )
    member = world.guild_member(user_id)
    call.sandbox.record(
        "thread_member", channel=thread.label, member=member.name if member else str(user_id), removed=True
    )
    await _members_left(call, thread, user_id)
    return no_content()


@route("DELETE", "/channels/{channel_id}/thread-members/@me")
async def leave_thread(call: Call) -> Reply:
    thread = _thread(call)
    if thread.archived:
        raise ApiError(400, 50083, "Thread is archived", channel=thread, detail=f"{thread.label} is archived")
    if call.world.bot.id in thread.thread_members:
        await _members_left(call, thread, call.world.bot.id)
    return no_content()


# -- a member's roles ----------------------------------------------------------------------------


def _top_position(member: Member) -> int:
    return max((role.position for role in member.roles), default=0)


def _role_change(call: Call) -> tuple[Member, Role]:
    world = call.world
    if call.params["guild_id"] != str(world.guild_id):
        raise ApiError(404, 10004, "Unknown Guild")
    member = world.guild_member(call.snowflake("user_id"))
    if member is None:
        raise ApiError(404, 10007, "Unknown Member", detail=f"user {call.params['user_id']}")
    role = world.roles.get(call.snowflake("role_id"))
    if role is None or role.id == world.guild_id:
        raise ApiError(404, 10011, "Unknown Role", detail=f"role {call.params['role_id']}")
    bot = world.members[world.bot.id]
    allowed = world.base_permissions(bot)
    if not allowed & PERMISSION_FLAGS["manage_roles"]:
        raise ApiError(403, 50013, "Missing Permissions", detail="the bot lacks manage_roles")
    # Discord's hierarchy: a bot manages only roles below its own highest one (owners excepted).
    if role.managed or (bot.user.id != world.owner_id and role.position >= _top_position(bot)):
        raise ApiError(
            403,
            50013,
            "Missing Permissions",
            detail=f"role {role.name!r} is not below the bot's highest role"
            if not role.managed
            else "a managed role",
        )
    return member, role


async def _member_updated(call: Call, member: Member, *, added: Role | None, removed: Role | None) -> None:
    world = call.world
    call.sandbox.record(
        "roles",
        channel=None,
        member=member.name,
        add=[added.name] if added else [],
        remove=[removed.name] if removed else [],
    )
    data = member.payload() | {"guild_id": str(world.guild_id)}
    await call.sandbox.gateway.dispatch("GUILD_MEMBER_UPDATE", data, intent=GUILD_MEMBERS)


@route("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}")
async def add_member_role(call: Call) -> Reply:
    member, role = _role_change(call)
    if role not in member.roles:
        member.roles.append(role)
        await _member_updated(call, member, added=role, removed=None)
    return no_content()


@route("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}")
async def remove_member_role(call: Call) -> Reply:
    member, role = _role_change(call)
    if role in member.roles:
        member.roles.remove(role)
        await _member_updated(call, member, added=None, removed=role)
    return no_content()

"""Permissions as Discord computes them: overwrites, implicit denials, and what each route needs."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest

from bot.clock import ManualClock
from bot.sandbox import DiscordSandbox, SandboxError
from bot.sandbox.runner import RunningBot, capture_bot_errors

GUILD: dict[str, Any] = {
    "name": "Overwrites",
    "roles": [
        {"name": "Moderators", "permissions": ["manage_guild"]},
        {"name": "Admins", "permissions": ["administrator"]},
        {"name": "Muted", "permissions": []},
    ],
    "channels": [
        {"name": "general"},
        {
            "name": "staff",
            "overwrites": [
                {"target": "@everyone", "deny": ["view_channel"]},
                {"target": "Moderators", "allow": ["view_channel"]},
                {"target": "ana", "allow": ["view_channel"]},
            ],
        },
        {
            "name": "lobby",
            "overwrites": [
                {"target": "Muted", "deny": ["send_messages"]},
                {"target": "wei", "allow": ["send_messages"]},
            ],
        },
        {"name": "quiet", "overwrites": [{"target": "bot", "deny": ["send_messages"]}]},
        {"name": "plain", "overwrites": [{"target": "bot", "deny": ["embed_links", "attach_files"]}]},
        {"name": "no-history", "overwrites": [{"target": "bot", "deny": ["read_message_history"]}]},
        {"name": "articles", "type": "forum", "overwrites": [{"target": "bot", "deny": ["embed_links"]}]},
        {
            "name": "slow",
            "rate_limit_per_user": 10,
            "overwrites": [{"target": "bot", "deny": ["manage_messages"]}],
        },
    ],
    "members": [
        {"name": "mod", "roles": ["Moderators"]},
        {"name": "boss", "roles": ["Admins"]},
        {"name": "wei", "roles": ["Muted"]},
        {"name": "ana", "roles": ["Muted"]},
    ],
}


@pytest.fixture
async def box(clock: ManualClock) -> AsyncIterator[DiscordSandbox]:
    sandbox = DiscordSandbox(clock=clock)
    await sandbox.start()
    sandbox.install()
    sandbox.build_guild(GUILD)
    with capture_bot_errors(sandbox):
        yield sandbox
    await sandbox.stop()


@pytest.fixture
async def http(box: DiscordSandbox) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(
        base_url=box.base_url + "/", headers={"Authorization": f"Bot {box.token}"}
    ) as session:
        yield session


def cid(box: DiscordSandbox, name: str) -> int:
    channel = box.world.channel_named(name)
    assert channel is not None
    return channel.id


def can(box: DiscordSandbox, member: str, channel: str, *names: str) -> bool:
    world = box.world
    member_obj = world.members[world.bot.id] if member == "bot" else world.member_named(member)
    target = world.channel_named(channel)
    assert target is not None
    return world.has(member_obj, target, *names)


async def send(http: aiohttp.ClientSession, channel_id: int, body: dict[str, Any]) -> tuple[int, Any]:
    async with http.post(f"channels/{channel_id}/messages", json=body) as response:
        return response.status, await response.json()


def test_overwrites_apply_everyone_then_roles_then_the_member(box: DiscordSandbox) -> None:
    assert not can(box, "wei", "staff", "view_channel")
    assert can(box, "mod", "staff", "view_channel")
    assert can(box, "ana", "staff", "view_channel")  # a member overwrite beats @everyone's deny
    assert can(box, "boss", "staff", "view_channel", "manage_channels")  # administrators bypass all
    assert not can(box, "bot", "staff", "view_channel")
    # A role denies, a member overwrite allows again: the member's wins.
    assert can(box, "wei", "lobby", "send_messages")
    assert not can(box, "ana", "lobby", "send_messages")


def test_without_send_messages_what_needs_it_goes_too(box: DiscordSandbox) -> None:
    assert can(box, "ana", "general", "embed_links", "attach_files", "mention_everyone")
    assert can(box, "ana", "lobby", "view_channel")
    for name in ("send_messages", "embed_links", "attach_files", "mention_everyone"):
        assert not can(box, "ana", "lobby", name)
    assert not can(box, "bot", "quiet", "embed_links")
    # Without View Channel, nothing else.
    assert box.world.permissions_in(box.world.member_named("wei"), box.world.channel_named("staff")) == 0  # type: ignore[arg-type]


def test_overwrites_name_real_targets_and_permissions(clock: ManualClock) -> None:
    bad_target = {"name": "G", "channels": [{"name": "x", "overwrites": [{"target": "nobody", "deny": []}]}]}
    with pytest.raises(SandboxError, match="'nobody' is no role, member"):
        DiscordSandbox(clock=clock).build_guild(bad_target)
    bad_flag = {"name": "G", "channels": [{"name": "x", "overwrites": [{"target": "bot", "deny": ["fly"]}]}]}
    with pytest.raises(SandboxError, match="unknown permission 'fly'"):
        DiscordSandbox(clock=clock).build_guild(bad_flag)


async def test_routes_refuse_with_discords_codes(box: DiscordSandbox, http) -> None:
    status, body = await send(http, cid(box, "staff"), {"content": "hi"})
    assert (status, body["code"]) == (403, 50001)
    status, body = await send(http, cid(box, "quiet"), {"content": "hi"})
    assert (status, body["code"]) == (403, 50013)
    async with http.post(f"channels/{cid(box, 'quiet')}/typing") as typing:
        assert typing.status == 403
        assert (await typing.json())["code"] == 50013
    async with http.post(f"channels/{cid(box, 'general')}/typing") as typing:
        assert typing.status == 204
    errors = [line for line in box.transcript if line["action"] == "error"]
    assert [line["channel"] for line in errors] == ["staff", "quiet", "quiet"]


async def test_embeds_are_dropped_and_uploads_refused_without_the_permissions(
    box: DiscordSandbox, http
) -> None:
    plain = cid(box, "plain")
    status, body = await send(http, plain, {"content": "card", "embeds": [{"title": "Card"}]})
    assert status == 200
    assert body["embeds"] == []
    line = box.transcript[-1]
    assert line["action"] == "send"
    assert line["embeds_dropped"] is True
    assert line["embeds"] == []
    status, body = await send(http, cid(box, "general"), {"content": "card", "embeds": [{"title": "Card"}]})
    assert body["embeds"] == [{"title": "Card"}]
    assert "embeds_dropped" not in box.transcript[-1]
    form = aiohttp.FormData()
    form.add_field("payload_json", json.dumps({"content": "file"}), content_type="application/json")
    form.add_field("files[0]", b"hello", filename="a.txt", content_type="text/plain")
    async with http.post(f"channels/{plain}/messages", data=form) as upload:
        assert upload.status == 403
        assert (await upload.json())["code"] == 50013


async def test_replies_need_history_and_the_same_channel(box: DiscordSandbox, http) -> None:
    _, first = await send(http, cid(box, "general"), {"content": "first"})
    _, there = await send(http, cid(box, "no-history"), {"content": "there"})
    reply = {"content": "re", "message_reference": {"message_id": there["id"]}}
    status, body = await send(http, cid(box, "no-history"), reply)
    assert (status, body["code"]) == (403, 50013)
    across = {"content": "re", "message_reference": {"message_id": first["id"]}}
    status, body = await send(http, cid(box, "plain"), across)
    assert (status, body["code"]) == (400, 50035)
    assert list(body["errors"]) == ["message_reference"]
    assert (
        body["errors"]["message_reference"]["_errors"][0]["code"] == "REPLIES_CANNOT_REFERENCE_OTHER_CHANNEL"
    )
    status, body = await send(http, cid(box, "general"), across)
    assert status == 200
    assert body["message_reference"]["message_id"] == first["id"]


async def test_slowmode_binds_a_bot_that_cannot_manage_messages(box: DiscordSandbox, http, clock) -> None:
    slow = cid(box, "slow")
    assert (await send(http, slow, {"content": "one"}))[0] == 200
    async with http.post(f"channels/{slow}/messages", json={"content": "two"}) as refused:
        body = await refused.json()
        assert refused.status == 429
        assert refused.headers["Via"]
    assert body["code"] == 20016
    assert 0 < body["retry_after"] <= 10
    assert box.rate_limited == 1
    clock.advance(timedelta(seconds=10))
    assert (await send(http, slow, {"content": "two"}))[0] == 200
    assert (await send(http, cid(box, "general"), {"content": "a"}))[0] == 200
    assert (await send(http, cid(box, "general"), {"content": "b"}))[0] == 200


async def test_archived_and_locked_threads_refuse_posts(box: DiscordSandbox, http) -> None:
    async with http.post(f"channels/{cid(box, 'general')}/threads", json={"name": "t", "type": 11}) as made:
        thread = await made.json()
    model = box.world.channels[int(thread["id"])]
    _, posted = await send(http, model.id, {"content": "before"})
    model.archived = True
    status, body = await send(http, model.id, {"content": "late"})
    assert (status, body["code"]) == (400, 50083)
    async with http.delete(f"channels/{model.id}/messages/{posted['id']}") as deleting:
        assert deleting.status == 400
        assert (await deleting.json())["code"] == 50083
    wei = box.world.user_named("wei").id
    async with http.put(f"channels/{model.id}/thread-members/{wei}") as adding:
        assert adding.status == 400
        assert (await adding.json())["code"] == 50083
    model.archived = False
    model.locked = True
    assert (await send(http, model.id, {"content": "mods only"}))[0] == 200  # the bot manages threads
    box.deny_bot(channel="general", permission="manage_threads")
    status, body = await send(http, model.id, {"content": "now refused"})
    assert (status, body["code"]) == (403, 50013)


async def test_role_changes_reach_discord_py_and_the_permission_checks(
    box: DiscordSandbox, clock, sample_bot
) -> None:
    running = await RunningBot.start(sample_bot, clock, "sqlite+aiosqlite:///:memory:", box)
    try:
        guild = running.bot.guilds[0]
        wei = guild.get_member_named("wei") or await guild.fetch_member(box.world.user_named("wei").id)
        assert not can(box, "wei", "staff", "view_channel")
        await box.set_member_roles("wei", add=["Moderators"], remove=["Muted"])
        assert can(box, "wei", "staff", "view_channel")
        cached = guild.get_member(wei.id)
        assert cached is not None
        assert sorted(role.name for role in cached.roles) == ["@everyone", "Moderators"]
        with pytest.raises(SandboxError, match="no role named 'Nobody'"):
            await box.set_member_roles("wei", add=["Nobody"])
    finally:
        await running.stop()


async def test_a_forum_post_loses_its_embeds_too(box: DiscordSandbox, http) -> None:
    post = {"name": "A reading list", "message": {"content": "see", "embeds": [{"title": "List"}]}}
    async with http.post(f"channels/{cid(box, 'articles')}/threads", json=post) as made:
        assert made.status == 201
        body = await made.json()
    assert body["message"]["embeds"] == []
    line = box.transcript[-1]
    assert (line["action"], line["embeds_dropped"]) == ("thread", True)

"""Routes a community bot uses beyond messages and interactions, and the package's import graph."""

from __future__ import annotations

import ast
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest

import bot.sandbox
from bot.clock import ManualClock
from bot.sandbox import DiscordSandbox
from bot.sandbox._model import BOT_DEFAULT
from bot.sandbox.runner import RunningBot, capture_bot_errors

PACKAGE = "bot.sandbox"


def _imports(path: Path, modules: set[str]) -> set[str]:
    """Every bot.sandbox module *path* imports, TYPE_CHECKING blocks and function bodies included."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
            for alias in node.names:
                # ``from bot.sandbox import runner`` loads that module; any other name, the package.
                submodule = f"{node.module}.{alias.name}"
                names.add(submodule if submodule in modules else node.module)
    return names & modules


def _graph() -> dict[str, set[str]]:
    folder = Path(bot.sandbox.__file__).parent
    modules = {
        (PACKAGE if path.stem == "__init__" else f"{PACKAGE}.{path.stem}"): path
        for path in folder.glob("*.py")
    }
    return {name: _imports(path, set(modules)) - {name} for name, path in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (found := visit(target)) is not None:
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)) is not None:
            return found
    return None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_sandbox_modules_import_one_another_without_a_cycle() -> None:
    graph = _graph()
    assert "bot.sandbox._routes_messages" in graph
    # The routes reach the sandbox through its host protocol, never through sandbox.py.
    assert "bot.sandbox._host" in graph["bot.sandbox._messages"]
    assert not any("bot.sandbox.sandbox" in graph[name] for name in graph if "_routes_" in name)
    assert _cycle(graph) is None


# -- the routes, driven by discord.py itself -----------------------------------------------------

GUILD: dict[str, Any] = {
    "name": "Routes",
    "roles": [
        {"name": "Helpers", "permissions": []},
        {"name": "Moderators", "permissions": ["manage_guild"]},
    ],
    "bot": {"permissions": [*BOT_DEFAULT, "manage_roles", "manage_webhooks", "manage_channels"]},
    "channels": [{"name": "general"}, {"name": "announcements", "type": "announcement"}],
    "members": [{"name": "wei"}, {"name": "ana", "roles": ["Helpers"]}],
}


@pytest.fixture
async def box(clock: ManualClock) -> AsyncIterator[DiscordSandbox]:
    sandbox = DiscordSandbox(clock=clock)
    await sandbox.start()
    sandbox.install()
    sandbox.build_guild(GUILD)
    sandbox.rest.check_responses = True
    with capture_bot_errors(sandbox):
        yield sandbox
    await sandbox.stop()
    assert sandbox.violations == [], sandbox.format_transcript()


@pytest.fixture
async def client(box: DiscordSandbox, clock: ManualClock, sample_bot) -> AsyncIterator[discord.Client]:
    running = await RunningBot.start(sample_bot, clock, "sqlite+aiosqlite:///:memory:", box)
    yield running.bot
    await running.stop()


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


def text_channel(client: discord.Client, name: str) -> discord.TextChannel:
    channel = discord.utils.get(client.get_all_channels(), name=name)
    assert isinstance(channel, discord.TextChannel)
    return channel


def actions(box: DiscordSandbox) -> list[str]:
    return [line["action"] for line in box.transcript]


async def test_pins_put_list_and_delete(box: DiscordSandbox, client) -> None:
    general = text_channel(client, "general")
    first = await general.send("first")
    second = await general.send("second")
    await first.pin()
    await second.pin()
    pinned = [m.content async for m in general.pins()]
    assert pinned == ["second", "first"]
    await first.unpin()
    assert [m.content async for m in general.pins()] == ["second"]
    assert actions(box) == ["send", "send", "pin", "pin", "unpin"]
    assert box.transcript[-1]["target"] == box.transcript[0]["line"]
    assert box.rate_limited == 0


async def test_channel_and_thread_edits_with_archive_and_lock(box: DiscordSandbox, client) -> None:
    general = text_channel(client, "general")
    await general.edit(topic="Sister libraries", slowmode_delay=5)
    model = box.world.channel_named("general")
    assert model is not None
    assert (model.topic, model.rate_limit_per_user) == ("Sister libraries", 5)
    thread = await general.create_thread(name="pair", type=discord.ChannelType.public_thread)
    await thread.send("hello")
    archived = await thread.edit(archived=True, locked=True)
    assert archived.archived
    assert archived.locked
    with pytest.raises(discord.HTTPException) as refused:
        await thread.send("too late")
    assert refused.value.code == 50083
    listed = [t.name async for t in general.archived_threads()]
    assert listed == ["pair"]
    reopened = await archived.edit(archived=False, locked=False)
    assert not reopened.archived
    await reopened.send("open again")
    assert [t.name async for t in general.archived_threads()] == []
    lines = [line for line in box.transcript if line["action"] == "edit_channel"]
    assert [line["changes"] for line in lines][-1] == {"archived": False, "locked": False}


async def test_archived_lists_page_with_has_more(box: DiscordSandbox, http) -> None:
    general = cid(box, "general")
    for index in range(3):
        async with http.post(f"channels/{general}/threads", json={"name": f"t{index}", "type": 11}) as made:
            thread = await made.json()
        async with http.patch(f"channels/{thread['id']}", json={"archived": True}) as archived:
            assert archived.status == 200
    async with http.get(f"channels/{general}/threads/archived/public", params={"limit": "2"}) as page:
        body = await page.json()
    assert [t["name"] for t in body["threads"]] == ["t2", "t1"]
    assert body["has_more"] is True
    assert all(t["thread_metadata"]["archived"] for t in body["threads"])
    async with http.get(f"channels/{general}/threads/archived/private") as private:
        assert (await private.json()) == {"threads": [], "members": [], "has_more": False}


async def test_thread_members_list_add_and_remove(box: DiscordSandbox, client) -> None:
    general = text_channel(client, "general")
    thread = await general.create_thread(name="trio", type=discord.ChannelType.private_thread)
    wei = general.guild.get_member(box.world.user_named("wei").id) or await general.guild.fetch_member(
        box.world.user_named("wei").id
    )
    await thread.add_user(wei)
    members = await thread.fetch_members()
    assert sorted(m.id for m in members) == sorted([box.world.bot.id, wei.id])
    await thread.remove_user(wei)
    assert [m.id for m in await thread.fetch_members()] == [box.world.bot.id]
    removed = [line for line in box.transcript if line["action"] == "thread_member"]
    assert [(line["member"], line.get("removed")) for line in removed] == [("wei", None), ("wei", True)]


async def test_member_roles_follow_discords_hierarchy(box: DiscordSandbox, client) -> None:
    guild = client.guilds[0]
    wei = await guild.fetch_member(box.world.user_named("wei").id)
    helpers = discord.utils.get(guild.roles, name="Helpers")
    moderators = discord.utils.get(guild.roles, name="Moderators")
    assert helpers is not None
    assert moderators is not None
    await wei.add_roles(helpers)
    assert [r.name for r in box.world.member_named("wei").roles] == ["Helpers"]
    box.world.role_named("Moderators").position = 99  # type: ignore[union-attr]
    with pytest.raises(discord.Forbidden) as refused:
        await wei.add_roles(moderators)
    assert refused.value.code == 50013
    await wei.remove_roles(helpers)
    assert box.world.member_named("wei").roles == []
    assert [line["action"] for line in box.transcript if line["action"] in {"roles", "error"}] == [
        "roles",
        "error",
        "roles",
    ]


async def test_channel_webhooks_post_announcements(box: DiscordSandbox, client) -> None:
    announcements = text_channel(client, "announcements")
    webhook = await announcements.create_webhook(name="Library news")
    assert [hook.name for hook in await announcements.webhooks()] == ["Library news"]
    posted = await webhook.send("New partner library!", wait=True)
    assert posted.webhook_id == webhook.id
    assert posted.author.name == "Library news"
    line = box.transcript[-1]
    assert (line["action"], line["webhook"], line["content"]) == (
        "send",
        "Library news",
        "New partner library!",
    )
    with pytest.raises(discord.HTTPException) as refused:
        await announcements.create_webhook(name="discord bot")
    assert refused.value.code == 50035
    edited = await posted.edit(content="New partner library: Shanghai!")
    assert edited.content == "New partner library: Shanghai!"
    assert box.transcript[-1]["action"] == "edit"
    await posted.delete()
    assert box.messages("announcements") == []
    fetched = await client.fetch_webhook(webhook.id)
    assert fetched.name == "Library news"
    await fetched.delete()
    assert await announcements.webhooks() == []
    with pytest.raises(discord.NotFound):
        await webhook.send("gone", wait=True)


async def test_bulk_delete_two_to_a_hundred_under_fourteen_days(
    box: DiscordSandbox, client, clock, http
) -> None:
    general = text_channel(client, "general")
    sent = [await general.send(f"m{i}") for i in range(3)]
    await general.delete_messages(sent[:2])
    assert [m.content for m in box.messages("general")] == ["m2"]
    line = box.transcript[-1]
    assert (line["action"], line["targets"], line["bulk"]) == ("delete", [1, 2], True)
    older = await general.send("old")
    clock.advance(timedelta(days=15))
    newer = await general.send("new")
    async with http.post(
        f"channels/{general.id}/messages/bulk-delete", json={"messages": [str(older.id), str(newer.id)]}
    ) as refused:
        assert refused.status == 400
        assert (await refused.json())["code"] == 50034
    assert [m.content for m in box.messages("general")] == ["m2", "old", "new"]


async def test_components_carry_ids_and_a_command_patch_is_checked_whole(box: DiscordSandbox, http) -> None:
    row = {"type": 1, "components": [{"type": 2, "style": 1, "label": "Yes", "custom_id": "y"}]}
    async with http.post(f"channels/{cid(box, 'general')}/messages", json={"components": [row]}) as posted:
        body = await posted.json()
    assert body["components"][0]["id"] == 1
    assert body["components"][0]["components"][0]["id"] == 2
    app = box.world.application_id
    command = {"name": "penpal", "description": "Pen pals", "type": 1}
    async with http.put(f"applications/{app}/commands", json=[command]) as synced:
        stored = (await synced.json())[0]
    path = f"applications/{app}/commands/{stored['id']}"
    async with http.patch(path, json={"description": "Find a pen pal"}) as edited:
        assert edited.status == 200
        assert (await edited.json())["description"] == "Find a pen pal"
    async with http.patch(path, json={"name": "Pen Pal"}) as refused:
        assert refused.status == 400
        errors = (await refused.json())["errors"]
    assert list(errors) == ["name"]
    box.violations.clear()  # that refusal was provoked on purpose


async def test_channel_overwrites_set_by_the_bot_take_effect(box: DiscordSandbox, client) -> None:
    general = text_channel(client, "general")
    guild = general.guild
    wei = await guild.fetch_member(box.world.user_named("wei").id)
    await general.set_permissions(wei, view_channel=False)
    assert not box.world.has(
        box.world.member_named("wei"), box.world.channel_named("general"), "view_channel"
    )  # type: ignore[arg-type]
    await general.set_permissions(wei, overwrite=None)
    assert box.world.has(box.world.member_named("wei"), box.world.channel_named("general"), "view_channel")  # type: ignore[arg-type]
    everyone = guild.default_role
    await general.edit(overwrites={everyone: discord.PermissionOverwrite(send_messages=False)})
    assert not box.world.has(
        box.world.member_named("ana"), box.world.channel_named("general"), "send_messages"
    )  # type: ignore[arg-type]
    # The bot cannot hand out what it does not have itself.
    with pytest.raises(discord.Forbidden):
        await general.set_permissions(wei, administrator=True)
    changes = [line["changes"] for line in box.transcript if line["action"] == "edit_channel"]
    assert len(changes) == 3


async def test_an_idle_thread_is_archived_by_the_clock(box: DiscordSandbox, client, clock) -> None:
    general = text_channel(client, "general")
    thread = await general.create_thread(
        name="pair", type=discord.ChannelType.private_thread, auto_archive_duration=1440
    )
    await thread.send("welcome")
    clock.advance(timedelta(hours=23))
    await thread.send("still open")
    clock.advance(timedelta(hours=24, minutes=1))
    with pytest.raises(discord.HTTPException) as refused:
        await thread.send("a day after the last message")
    assert refused.value.code == 50083
    # THREAD_UPDATE told discord.py, which drops archived threads from its cache, as on Discord.
    assert general.guild.get_thread(thread.id) is None
    reopened = await thread.edit(archived=False)
    await reopened.send("back")
    assert [m.content for m in box.messages("pair")][-1] == "back"


async def test_a_channel_is_renamed_twice_per_ten_minutes(box: DiscordSandbox, http, clock) -> None:
    general = cid(box, "general")
    for topic in ("one", "two"):
        async with http.patch(f"channels/{general}", json={"topic": topic}) as renamed:
            assert renamed.status == 200
    async with http.patch(f"channels/{general}", json={"rate_limit_per_user": 3}) as other:
        assert other.status == 200  # only names and topics count
    async with http.patch(f"channels/{general}", json={"topic": "three"}) as refused:
        assert refused.status == 429
        assert refused.headers["Via"]
        body = await refused.json()
    assert 590 < body["retry_after"] <= 600
    assert box.rate_limited == 1
    clock.advance(timedelta(minutes=10))
    async with http.patch(f"channels/{general}", json={"topic": "three"}) as later:
        assert later.status == 200

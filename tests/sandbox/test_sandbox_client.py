"""The real discord.py client against the sandbox, over real sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import io
import re
import time
from datetime import timedelta

import aiohttp
import discord
import pytest

from bot.clock import ManualClock
from bot.sandbox import DiscordSandbox, SandboxError


async def test_connects_to_ready_with_guild_channels_roles_and_members(
    sandbox: DiscordSandbox, start_bot
) -> None:
    began = time.perf_counter()
    running = await start_bot()
    elapsed = time.perf_counter() - began
    print(f"\nlogin + connect to ready: {elapsed * 1000:.1f} ms")  # noqa: T201
    bot = running.bot
    guild = bot.guilds[0]
    assert guild.name == "Sister Libraries"
    assert {m.name for m in guild.members} == {"sisterlib", "mod", "wei", "ana"}  # chunked over op 8
    assert guild.chunked
    assert {c.name: c.type for c in guild.channels} == {
        "general": discord.ChannelType.text,
        "pen-pals": discord.ChannelType.text,
        "articles": discord.ChannelType.forum,
        "announcements": discord.ChannelType.news,
    }
    mod = guild.get_member_named("mod")
    assert mod is not None
    assert mod.guild_permissions.manage_guild
    assert guild.me.guild_permissions.create_private_threads
    assert elapsed < 2.0


async def test_slash_command_with_options_and_ephemeral_reply(sandbox: DiscordSandbox, bot) -> None:
    result = await sandbox.run_command(
        "wei",
        "echo",
        {
            "text": "hi",
            "count": 3,
            "ratio": 0.5,
            "loud": True,
            "who": "ana",
            "where": "pen-pals",
            "role": "Moderators",
        },
    )
    assert result.type == 4
    assert result.ephemeral
    assert result.content == "hi|3|0.5|True|ana|pen-pals|Moderators|zh-CN|False"
    line = sandbox.transcript[-1]
    assert line["action"] == "respond"
    assert line["visible_to"] == "wei"
    assert line["ephemeral"] is True
    assert line["channel"] == "general"
    assert line["time"] == "2026-03-27T09:00:00Z"
    assert sandbox.last_message_for("wei") is result.message
    assert sandbox.last_message_for("ana") is None  # ephemeral: only wei sees it


async def test_bad_steps_raise_clear_errors(sandbox: DiscordSandbox, bot) -> None:
    with pytest.raises(SandboxError, match="no member named 'zoe'"):
        await sandbox.run_command("zoe", "ping")
    with pytest.raises(SandboxError, match="no slash command /nope"):
        await sandbox.run_command("wei", "nope")
    with pytest.raises(SandboxError, match="option 'text' is required"):
        await sandbox.run_command("wei", "echo", {})
    with pytest.raises(SandboxError, match="unknown options"):
        await sandbox.run_command("wei", "echo", {"text": "a", "colour": "red"})
    with pytest.raises(SandboxError, match="needs a subcommand"):
        await sandbox.run_command("wei", "penpal")
    with pytest.raises(SandboxError, match="needs an integer"):
        await sandbox.run_command("wei", "echo", {"text": "a", "count": 1.5})
    with pytest.raises(SandboxError, match="no modal is open"):
        await sandbox.submit_modal("wei", {"Library": "x"})


async def test_default_member_permissions_and_dm_contexts(sandbox: DiscordSandbox, bot) -> None:
    with pytest.raises(
        SandboxError, match=r"wei cannot use /admin: default_member_permissions needs \['manage_guild'\]"
    ):
        await sandbox.run_command("wei", "admin")
    assert (await sandbox.run_command("mod", "admin")).content == "admin ok"
    with pytest.raises(SandboxError, match="cannot be used in DMs"):
        await sandbox.run_command("wei", "guildonly", channel="dm")
    result = await sandbox.run_command("wei", "ping", channel="dm")
    assert result.content == "pong"
    assert sandbox.transcript[-1]["channel"] == "dm:wei"


async def test_defer_then_followup_replaces_the_thinking_message(sandbox: DiscordSandbox, bot) -> None:
    result = await sandbox.run_command("wei", "penpal round preview")
    assert result.type == 5
    assert result.content == "preview: 3 pairs"
    assert result.ephemeral
    actions = [line["action"] for line in result.lines]
    assert actions == ["defer", "followup"]
    assert result.lines[1]["visible_to"] == "wei"


async def test_autocomplete_returns_the_bots_choices(sandbox: DiscordSandbox, bot) -> None:
    choices = await sandbox.autocomplete("wei", "penpal join", {"country": "Ch"}, focused="country")
    assert choices == [{"name": "Chile", "value": "CH"}, {"name": "China", "value": "CH"}]
    assert sandbox.transcript[-1]["action"] == "autocomplete"


async def test_modal_with_classic_text_input_and_label_component(sandbox: DiscordSandbox, bot) -> None:
    opened = await sandbox.run_command("wei", "penpal join", {"country": "CN"})
    assert opened.type == 9
    assert [c["label"] for c in opened.components] == ["Library", "About you"]
    modal_line = sandbox.transcript[-1]
    assert modal_line["action"] == "modal"
    assert modal_line["title"] == "Join the pen pals"
    with pytest.raises(SandboxError, match="has no field"):
        await sandbox.submit_modal("wei", {"Library": "x", "Favourite": "y"})
    submitted = await sandbox.submit_modal("wei", {"Library": "Shanghai Library", "About you": "I like maps"})
    assert submitted.content == "joined: Shanghai Library / I like maps"
    with pytest.raises(SandboxError, match="no modal is open"):
        await sandbox.submit_modal("wei", {"Library": "again"})


async def test_buttons_and_selects_on_a_persistent_view(sandbox: DiscordSandbox, bot) -> None:
    posted = await sandbox.run_command("mod", "poll")
    assert posted.components[:2] == [
        {"type": "button", "label": "Yes", "style": 3, "custom_id": "poll:yes"},
        {"type": "button", "label": "No", "style": 2, "custom_id": "poll:no"},
    ]
    assert sandbox.transcript[-1]["allowed_mentions"] == {"parse": []}
    clicked = await sandbox.click("ana", "Yes", message="last")
    assert clicked.content == "ana said yes"
    with pytest.raises(SandboxError, match="no button 'Maybe'"):
        await sandbox.click("wei", "Maybe", message=posted.lines[0]["line"])
    deferred = await sandbox.click("wei", "No", message=posted.lines[0]["line"])
    assert deferred.type == 6
    picked = await sandbox.select(
        "wei", {"placeholder": "Pick a day", "value": "Friday"}, message=posted.lines[0]["line"]
    )
    assert picked.type == 7
    assert picked.content == "day: friday"
    assert posted.message is not None
    assert posted.message.content == "day: friday"
    assert sandbox.transcript[-1]["action"] == "edit"
    assert sandbox.transcript[-1]["target"] == posted.lines[0]["line"]
    with pytest.raises(SandboxError, match="no option 'Sunday'"):
        await sandbox.select(
            "wei", {"placeholder": "Pick a day", "value": "Sunday"}, message=posted.lines[0]["line"]
        )


async def test_dm_and_closed_dm(sandbox: DiscordSandbox, bot) -> None:
    sent = await sandbox.run_command("mod", "dm", {"who": "wei"})
    assert sent.content == "sent"
    dm_line = next(line for line in sent.lines if line["action"] == "dm")
    assert dm_line["channel"] == "dm:wei"
    assert dm_line["visible_to"] == "wei"
    assert [m.content for m in sandbox.messages("dm:wei")] == ["hello from the bot"]
    refused = await sandbox.run_command("mod", "dm", {"who": "ana"})
    assert refused.content == "closed: 50007"
    error = next(line for line in refused.lines if line["action"] == "error")
    assert "403 50007 Cannot send messages to this user" in error["detail"]
    assert error["channel"] == "dm:ana"


async def test_private_thread_creation_and_denied_permission(sandbox: DiscordSandbox, bot) -> None:
    made = await sandbox.run_command("mod", "pair", {"who": "wei"}, channel="pen-pals")
    assert made.content == "thread pair-wei"
    actions = [(line["action"], line["channel"]) for line in made.lines]
    assert actions == [
        ("thread", "pen-pals"),
        ("thread_member", "pair-wei"),
        ("send", "pair-wei"),
        ("respond", "pen-pals"),
    ]
    assert made.lines[0]["private"] is True
    assert made.lines[2]["pings"] == ["wei"]
    welcome = sandbox.messages("pair-wei")[0]
    assert sandbox.last_message_for("ana") is not welcome  # private thread: ana is not in it
    thread = discord.utils.get(bot.guilds[0].threads, name="pair-wei")
    assert thread is not None
    assert thread.type is discord.ChannelType.private_thread

    sandbox.deny_bot(channel="general", permission="create_private_threads")
    await sandbox.settle()
    denied = await sandbox.run_command("mod", "pair", {"who": "ana"}, channel="general")
    assert denied.content == "cannot: 50013"
    assert "create_private_threads" in denied.lines[0]["detail"]


async def test_contract_violation_is_refused_and_recorded(sandbox: DiscordSandbox, bot) -> None:
    sandbox.interaction_deadline = 0.1  # the refused answer leaves the interaction to time out
    result = await sandbox.run_command("wei", "long")
    assert result.type is None  # the 400 left the interaction unanswered
    assert len(sandbox.violations) == 1
    assert "data.content: must be 2000 or fewer in length (got 2001)" in sandbox.violations[0]
    errors = [line for line in sandbox.transcript if line["action"] == "error"]
    assert "400 50035 Invalid Form Body" in errors[0]["detail"]
    assert any("HTTPException" in line["detail"] for line in errors)  # the bot's logged exception
    sandbox.violations.clear()


async def test_unknown_route_and_wrong_token_are_violations(sandbox: DiscordSandbox, bot) -> None:
    async with aiohttp.ClientSession() as session:
        headers = {"Authorization": f"Bot {sandbox.token}"}
        async with session.get(f"{sandbox.base_url}/nowhere/at/all", headers=headers) as response:
            assert response.status == 404
            assert response.headers["Content-Type"] == "application/json"
        async with session.get(
            f"{sandbox.base_url}/users/@me", headers={"Authorization": "Bot wrong"}
        ) as response:
            assert response.status == 401
        async with session.get(f"{sandbox.base_url}/guilds/1/bans", headers=headers) as response:
            assert response.status == 404
    assert sandbox.violations == [
        "unknown route: GET /nowhere/at/all",
        "GET /users/@me: missing or wrong bot token",
        "route the sandbox does not serve yet: GET /guilds/{guild_id}/bans",
    ]
    sandbox.violations.clear()


async def test_double_acknowledge_is_refused(sandbox: DiscordSandbox, bot) -> None:
    result = await sandbox.run_command("wei", "ping")
    record = sandbox.driver.records[result.interaction_id]
    url = f"{sandbox.base_url}/interactions/{record.id}/{record.token}/callback"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json={"type": 4, "data": {"content": "again"}}) as response,
    ):
        assert response.status == 400
        assert (await response.json())["code"] == 40060
    assert "already been acknowledged" in sandbox.transcript[-1]["detail"]


async def test_answering_after_the_deadline_fails_the_interaction(sandbox: DiscordSandbox, bot) -> None:
    sandbox.interaction_deadline = 0.05
    result = await sandbox.run_command("wei", "slow")
    await sandbox.settle(quiet=0.2)
    assert result.type is None
    details = [line["detail"] for line in sandbox.transcript if line["action"] == "error"]
    assert any("did not answer interaction" in detail and "within 0.05 s" in detail for detail in details)
    assert any("404 10062 Unknown interaction" in detail for detail in details)


async def test_nonce_dedupes_within_five_minutes(sandbox: DiscordSandbox, bot, clock: ManualClock) -> None:
    channel = discord.utils.get(bot.get_all_channels(), name="general")
    assert isinstance(channel, discord.TextChannel)
    first = await channel.send("digest", nonce="job-42")
    again = await channel.send("digest", nonce="job-42")
    assert again.id == first.id
    clock.advance(timedelta(minutes=6))
    later = await channel.send("digest", nonce="job-42")
    assert later.id != first.id
    assert [line["action"] for line in sandbox.transcript] == ["send", "send"]


async def test_pings_show_who_a_message_notifies(sandbox: DiscordSandbox, bot) -> None:
    channel = discord.utils.get(bot.get_all_channels(), name="general")
    assert isinstance(channel, discord.TextChannel)
    wei = bot.guilds[0].get_member_named("wei")
    assert wei is not None
    await channel.send(f"hi @everyone and {wei.mention}")
    await channel.send("hi @everyone", allowed_mentions=discord.AllowedMentions.none())
    await channel.send(
        f"hi {wei.mention}", allowed_mentions=discord.AllowedMentions(everyone=False, users=[wei])
    )
    assert [line.get("pings") for line in sandbox.transcript] == [["@everyone", "wei"], None, ["wei"]]
    assert sandbox.transcript[1]["allowed_mentions"] == {"parse": []}
    assert "allowed_mentions" not in sandbox.transcript[0]


async def test_global_rate_limit_answers_429_and_discord_py_retries(clock: ManualClock, sample_bot) -> None:
    box = DiscordSandbox(clock=clock, rate_limit_per_s=20)
    await box.start()
    box.install()
    box.build_guild({"name": "G", "channels": [{"name": "general"}]})
    bot = sample_bot(clock=clock)
    try:
        await bot.login(box.token)
        channel_id = next(c.id for c in box.world.channels.values() if c.name == "general")
        channels = await asyncio.gather(*(bot.fetch_channel(channel_id) for _ in range(24)))
    finally:
        await bot.close()
        await box.stop()
    assert len(channels) == 24
    assert all(c.id == channel_id for c in channels)
    assert box.rate_limited >= 1
    assert any("429 global rate limit" in line["detail"] for line in box.transcript)


async def test_restart_keeps_the_world_and_persistent_views_work(sandbox: DiscordSandbox, start_bot) -> None:
    first = await start_bot()
    posted = await sandbox.run_command("mod", "poll")
    await first.stop()
    second = await start_bot()
    assert second.bot is not first.bot
    assert sandbox.gateway.identifies == 2
    clicked = await sandbox.click("wei", "Yes", message=posted.lines[0]["line"])
    assert clicked.content == "wei said yes"


async def test_reconnect_resumes_the_session(sandbox: DiscordSandbox, bot) -> None:
    await sandbox.reconnect()
    for _ in range(100):
        if sandbox.gateway.resumes:
            break
        await asyncio.sleep(0.01)
    assert sandbox.gateway.resumes == 1
    assert sandbox.gateway.identifies == 1
    assert (await sandbox.run_command("wei", "ping")).content == "pong"


async def test_member_says_and_leaves(sandbox: DiscordSandbox, bot) -> None:
    await sandbox.say("wei", "!hello")
    assert [m.content for m in bot.seen] == ["!hello"]
    assert sandbox.transcript[-1]["content"] == "hello wei"
    await sandbox.leave("ana")
    assert bot.left == ["ana"]
    assert bot.guilds[0].get_member_named("ana") is None
    with pytest.raises(SandboxError, match="ana has left the server"):
        await sandbox.run_command("ana", "ping")
    await sandbox.join("zoe", locale="fr")
    assert bot.guilds[0].get_member_named("zoe") is not None


async def test_forum_post_publish_and_reaction(sandbox: DiscordSandbox, bot) -> None:
    guild = bot.guilds[0]
    forum = discord.utils.get(guild.forums, name="articles")
    news = discord.utils.get(guild.text_channels, name="announcements")
    assert forum is not None
    assert news is not None
    post = await forum.create_thread(name="Maps of Lyon", content="A new article")
    assert post.message.content == "A new article"
    announcement = await news.send("Round 2 starts")
    await announcement.publish()
    await announcement.add_reaction("🎉")
    await sandbox.settle()
    actions = [(line["action"], line["channel"]) for line in sandbox.transcript]
    assert actions == [
        ("thread", "articles"),
        ("send", "announcements"),
        ("publish", "announcements"),
        ("react", "announcements"),
    ]
    assert sandbox.transcript[0]["content"] == "A new article"
    assert sandbox.transcript[0]["thread"] == "Maps of Lyon"
    assert [m.content for m in sandbox.messages("Maps of Lyon")] == ["A new article"]
    await sandbox.react("wei", "👍", message=sandbox.transcript[1]["line"])
    assert bot.reactions == [("wei", "👍")]
    assert sandbox.transcript[-1]["emoji"] == "🎉"
    wei_id = sandbox.world.user_named("wei").id
    assert sandbox.messages("announcements")[0].reactions == {"🎉": {sandbox.world.bot.id}, "👍": {wei_id}}


async def test_injected_fault(sandbox: DiscordSandbox, bot) -> None:
    with pytest.raises(SandboxError, match=re.escape("serves no POST /channels/{channel_id}/thread;")):
        sandbox.fail_next("POST", "/channels/{channel_id}/thread", status=403)
    sandbox.fail_next(
        "POST", "/channels/{channel_id}/threads", status=403, code=50013, message="Missing Permissions"
    )
    result = await sandbox.run_command("mod", "pair", {"who": "wei"}, channel="pen-pals")
    assert result.content == "cannot: 50013"
    assert "injected by fail_next" in result.lines[0]["detail"]
    assert (
        await sandbox.run_command("mod", "pair", {"who": "wei"}, channel="pen-pals")
    ).content == "thread pair-wei"


async def test_multipart_upload_with_payload_json(sandbox: DiscordSandbox, bot) -> None:
    channel = discord.utils.get(bot.get_all_channels(), name="general")
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send(
        "minutes attached", file=discord.File(io.BytesIO(b"abc"), filename="minutes.txt")
    )
    assert sent.attachments[0].filename == "minutes.txt"
    assert sent.attachments[0].size == 3
    assert sandbox.transcript[-1]["content"] == "minutes attached"


async def test_auto_sharded_client_uses_gateway_bot(sandbox: DiscordSandbox) -> None:
    intents = discord.Intents.default()
    client = discord.AutoShardedClient(intents=intents, guild_ready_timeout=0.01)
    await client.login(sandbox.token)
    task = asyncio.create_task(client.connect(reconnect=False))
    try:
        await asyncio.wait_for(client.wait_until_ready(), 5)
        assert [g.name for g in client.guilds] == ["Sister Libraries"]
        assert client.shard_count == 1
        assert ("GET", "/gateway/bot") in sandbox.rest.requests
    finally:
        await client.close()
        await task


async def test_original_response_followup_edits_deletes_and_threads(sandbox: DiscordSandbox, bot) -> None:
    result = await sandbox.run_command("wei", "lifecycle")
    actions = [(line["action"], line.get("target")) for line in result.lines]
    first = result.lines[0]["line"]
    extra = result.lines[2]["line"]
    assert actions == [
        ("respond", None),
        ("edit", first),
        ("followup", None),
        ("edit", extra),
        ("delete", extra),
        ("react", first),
        ("thread", first),
        ("send", None),
    ]
    assert result.content == "v2"
    assert [m.content for m in sandbox.messages("general")] == ["v2"]
    assert [m.content for m in sandbox.messages("about v2")] == ["in the thread"]


async def test_commands_need_a_synced_tree(sandbox: DiscordSandbox) -> None:
    with pytest.raises(SandboxError, match="never synced its commands"):
        await sandbox.run_command("wei", "ping")


async def test_history_pages_like_discord(sandbox: DiscordSandbox, bot) -> None:
    sandbox.route_window_scale = 0.1  # the fifth message empties the channel's bucket: a 0.5 s wait
    channel = discord.utils.get(bot.get_all_channels(), name="general")
    assert isinstance(channel, discord.TextChannel)
    sent = [await channel.send(f"m{i}") for i in range(5)]
    newest = [m.content async for m in channel.history(limit=3)]
    assert newest == ["m4", "m3", "m2"]
    after = [m.content async for m in channel.history(limit=10, after=sent[1], oldest_first=True)]
    assert after == ["m2", "m3", "m4"]
    fetched = await channel.fetch_message(sent[0].id)
    assert fetched.content == "m0"

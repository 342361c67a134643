"""Personal reminders end to end: the real bot in the sandbox, time moved by the manual clock."""

import asyncio
import copy
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.reminders.models import Reminder
from bot.sandbox._gateway import GUILDS
from bot.sandbox._model import Overwrite, permission_value
from tests.e2e.harness import GUILD, World, world

MEMBERS = [
    {"name": "mod", "roles": ["Moderators"]},
    {"name": "wei", "locale": "zh-CN"},
    {"name": "tom"},
    {"name": "kofi", "locale": "en-GB"},
    {"name": "zoe", "dms_closed": True},
]


@pytest.fixture
async def w(database_url: str) -> AsyncIterator[World]:
    async with world(database_url, guild=dict(GUILD, members=MEMBERS)) as running:
        await running.sandbox.run_command(
            "mod", "setup", {"timezone": "Europe/Berlin", "mod_channel": "mod-queue"}
        )
        yield running
        assert running.sandbox.violations == []
        assert running.errors() == []


def reminders_for(w: World, name: str) -> list[dict[str, Any]]:
    return [line for line in w.lines() if "⏰" in (line.get("content") or "") and name in _who(line)]


def _who(line: dict[str, Any]) -> str:
    return line.get("visible_to") or " ".join(line.get("pings", []))


def forget_refused_requests(w: World) -> None:
    """A closed DM or a denied post is an expected refusal from Discord, not a bot error."""
    w.sandbox.transcript[:] = [line for line in w.sandbox.transcript if line["action"] != "error"]


async def remind(w: World, name: str, when: str, what: str = "call the library", **extra: Any) -> Any:
    return await w.sandbox.run_command(name, "remind me", {"when": when, "what": what, **extra})


async def test_set_then_delivered_by_dm_at_its_time(w: World) -> None:
    reply = await remind(w, "tom", "in 2 hours")
    assert reply.ephemeral
    assert "I will remind you on" in reply.content
    assert "Europe/Berlin (the server's time zone" in reply.content
    await w.advance(timedelta(hours=1, minutes=59))
    assert reminders_for(w, "tom") == []
    await w.advance(timedelta(minutes=2))
    delivered = w.lines("dm", visible_to="tom")
    assert len(delivered) == 1
    assert "⏰ Reminder: call the library" in delivered[0]["content"]
    labels = [c["label"] for c in delivered[0]["components"]]
    assert labels == ["Snooze 10 min", "Snooze 1 hour", "Tomorrow", "Done", "Remind me too"]
    await w.advance(timedelta(days=2))
    assert len(w.lines("dm", visible_to="tom")) == 1  # once


async def test_time_zone_is_the_members_own_then_penpal_then_server(w: World) -> None:
    shown = await w.sandbox.run_command("tom", "timezone show")
    assert "Europe/Berlin" in shown.content
    assert "the server's time zone" in shown.content
    typo = await w.sandbox.run_command("tom", "timezone set", {"timezone": "America/New_Yrok"})
    assert "America/New_York" in typo.content  # did you mean
    saved = await w.sandbox.run_command("tom", "timezone set", {"timezone": "America/New_York"})
    assert "America/New_York" in saved.content
    choices = await w.sandbox.autocomplete("tom", "timezone set", {"timezone": "Shang"}, focused="timezone")
    assert any(choice["value"] == "Asia/Shanghai" for choice in choices)
    reply = await remind(w, "tom", "tomorrow 9am")
    assert "America/New_York (your time zone" in reply.content
    in_dm = await w.sandbox.run_command("tom", "timezone show", channel="dm")
    assert "America/New_York (your time zone" in in_dm.content
    async with w.bot.database.session() as session:
        reminder = (await session.execute(select(Reminder))).scalar_one()
    assert reminder.due_at.isoformat() == "2026-03-28T13:00:00+00:00"  # 09:00 EDT


async def test_closed_dms_fall_back_to_the_channel_with_a_mention_of_that_member_only(w: World) -> None:
    await remind(w, "zoe", "in 10 minutes", "@everyone water the plants")
    await w.advance(timedelta(minutes=10))
    posted = [line for line in w.lines("send") if "⏰" in line["content"]]
    assert len(posted) == 1
    assert posted[0]["channel"] == "general"
    assert posted[0]["pings"] == ["zoe"]
    assert posted[0]["allowed_mentions"]["parse"] == []
    assert "everyone" not in posted[0].get("pings", [])
    # Everyone in the channel sees the buttons; only zoe may use hers.
    refused = await w.sandbox.click("tom", "Done", message=posted[0]["line"])
    assert "Only the member this reminder is for" in refused.content
    passed = await w.sandbox.click("tom", "Remind me too", message=posted[0]["line"])
    assert "time has passed" in passed.content
    done = await w.sandbox.click("zoe", "Done", message=posted[0]["line"])
    assert "finished" in done.content
    forget_refused_requests(w)


async def test_neither_dm_nor_channel_parks_it_and_lists_it(w: World) -> None:
    await remind(w, "zoe", "in 10 minutes", "renew the licence")
    w.sandbox.deny_bot(channel="general", permission="send_messages")
    await w.advance(timedelta(minutes=10))
    assert not [line for line in w.lines("send") if "⏰" in line["content"]]
    listed = await w.sandbox.run_command("zoe", "remind list")
    description = listed.message.embeds[0]["description"]
    assert "renew the licence" in description
    assert "Could not reach you" in description
    forget_refused_requests(w)


async def test_snooze_twice_then_done(w: World) -> None:
    await remind(w, "tom", "in 10 minutes")
    await w.advance(timedelta(minutes=10))
    first = w.lines("dm", visible_to="tom")[-1]
    snoozed = await w.sandbox.click("tom", "Snooze 10 min", message=first["line"])
    assert "Snoozed" in snoozed.content
    await w.advance(timedelta(minutes=10))
    second = w.lines("dm", visible_to="tom")[-1]
    assert second["line"] != first["line"]
    snoozed = await w.sandbox.click("tom", "Snooze 1 hour", message=second["line"])
    assert "Snoozed" in snoozed.content
    await w.advance(timedelta(minutes=59))
    assert len(w.lines("dm", visible_to="tom")) == 2
    await w.advance(timedelta(minutes=1))
    third = w.lines("dm", visible_to="tom")[-1]
    assert len(w.lines("dm", visible_to="tom")) == 3
    done = await w.sandbox.click("tom", "Done", message=third["line"])
    assert "finished" in done.content
    again = await w.sandbox.click("tom", "Snooze 1 hour", message=third["line"])
    assert "already done" in again.content
    await w.advance(timedelta(days=1))
    assert len(w.lines("dm", visible_to="tom")) == 3


async def test_remind_me_too_copies_it_for_the_presser(w: World) -> None:
    reply = await remind(w, "tom", "tomorrow 9am", "book club", share=True)
    assert reply.ephemeral
    shared = [line for line in w.lines("followup") if "will be reminded" in line["content"]]
    assert len(shared) == 1
    assert shared[0]["allowed_mentions"]["parse"] == []
    mine = await w.sandbox.click("tom", "Remind me too", message=shared[0]["line"])
    assert "already yours" in mine.content
    copied = await w.sandbox.click("kofi", "Remind me too", message=shared[0]["line"])
    assert "Added to your reminders" in copied.content
    twice = await w.sandbox.click("kofi", "Remind me too", message=shared[0]["line"])
    assert "already have this reminder" in twice.content
    listed = await w.sandbox.run_command("kofi", "remind list")
    assert "book club" in listed.message.embeds[0]["description"]
    await w.advance(timedelta(days=1))
    assert len(w.lines("dm", visible_to="tom")) == 1
    assert len(w.lines("dm", visible_to="kofi")) == 1
    assert "book club" in w.lines("dm", visible_to="kofi")[0]["content"]


@pytest.mark.parametrize(
    ("zone", "start", "expected"),
    [
        # New York springs forward on Sunday 8 March 2026, Berlin on Sunday 29 March.
        ("America/New_York", "2026-03-06T18:00:00+00:00", ["13:00", "12:00", "12:00", "12:00"]),
        ("Europe/Berlin", "2026-03-27T09:00:00+00:00", ["07:00", "06:00", "06:00", "06:00"]),
    ],
)
async def test_a_daily_reminder_keeps_its_local_time_across_dst(
    database_url: str, zone: str, start: str, expected: list[str]
) -> None:
    from datetime import datetime  # noqa: PLC0415

    async with world(
        database_url, guild=dict(GUILD, members=MEMBERS), start=datetime.fromisoformat(start)
    ) as w:
        await w.sandbox.run_command("tom", "timezone set", {"timezone": zone})
        reply = await remind(w, "tom", "every day 8am", "stretch")
        assert "every day at 08:00" in reply.content
        await w.advance(timedelta(days=4))
        delivered = w.lines("dm", visible_to="tom")
        assert [line["time"][11:16] for line in delivered] == expected  # UTC: 08:00 local each day
        assert all("Repeats every day at 08:00" in line["content"] for line in delivered)
        assert w.errors() == []


async def test_reminders_due_while_the_bot_was_down_are_delivered_after_restart(w: World) -> None:
    await remind(w, "tom", "in 10 minutes", "first")
    await remind(w, "kofi", "in 20 minutes", "second")
    await w.running.stop()
    w.clock.advance(timedelta(hours=1))
    await w.restart()
    await w.sandbox.settle()
    assert len(w.lines("dm", visible_to="tom")) == 1
    assert len(w.lines("dm", visible_to="kofi")) == 1
    assert "This comes late: it was due <t:" in w.lines("dm", visible_to="kofi")[0]["content"]
    # The buttons of a message sent before a restart still work.
    delivered = w.lines("dm", visible_to="tom")[0]
    done = await w.sandbox.click("tom", "Done", message=delivered["line"])
    assert "finished" in done.content


async def test_the_twenty_sixth_reminder_is_refused_and_nothing_saved(w: World) -> None:
    for day in range(1, 26):
        reply = await remind(w, "tom", f"in {day} days", f"task {day}")
        assert "I will remind you" in reply.content
    refused = await remind(w, "tom", "in 30 days", "task 26")
    assert refused.ephemeral
    assert "25 active reminders" in refused.content
    async with w.bot.database.session() as session:
        assert len((await session.execute(select(Reminder))).scalars().all()) == 25


@pytest.mark.parametrize(
    ("name", "when", "expected"),
    [
        ("tom", "yesterday", "has already passed"),
        ("tom", "in 3 years", "at most 2 years ahead"),
        ("tom", "whenever you like @everyone", "could not read “whenever you like @\u200beveryone”"),
        ("tom", "x" * 300, "too long for a time"),
        ("wei", "随便什么时候", "无法"),
        ("wei", "昨天", "已经过去"),
        ("wei", "3年后", "最多"),
        # outside the stated range (30 minutes to 31 days): refused, never an internal error
        ("tom", "every minute", "repeats too often or too rarely"),
        ("wei", "每1分钟", "重复得太频繁或太稀疏"),
        ("tom", "every 32 days", "between every 30 minutes and every 31 days"),
        # impossible or ambiguous times are refused, not read as some other time
        ("tom", "tomorrow 25:00", "not a real date or time"),
        ("wei", "明天下午0点", "不是有效的日期或时间"),
    ],
)
async def test_bad_when_inputs_say_what_to_fix_in_the_members_language(
    w: World, name: str, when: str, expected: str
) -> None:
    reply = await remind(w, name, when)
    assert reply.ephemeral
    assert expected in reply.content
    assert len(reply.content) < 1000
    if name == "wei":
        assert "明天上午9点" in reply.content  # Chinese examples first
    else:
        assert "tomorrow 9am" in reply.content
    async with w.bot.database.session() as session:
        assert (await session.execute(select(Reminder))).first() is None


async def test_cancel_from_the_list(w: World) -> None:
    await remind(w, "tom", "every monday 09:00", "weekly report")
    choices = await w.sandbox.autocomplete("tom", "remind cancel", {"reminder": ""}, focused="reminder")
    assert len(choices) == 1
    assert "weekly report" in choices[0]["name"]
    cancelled = await w.sandbox.run_command("tom", "remind cancel", {"reminder": choices[0]["value"]})
    assert "Cancelled" in cancelled.content
    other = await w.sandbox.run_command("kofi", "remind cancel", {"reminder": choices[0]["value"]})
    assert "no longer exists" in other.content
    await w.advance(timedelta(days=8))
    assert w.lines("dm", visible_to="tom") == []


async def test_a_chinese_speaking_member_sets_and_receives_in_chinese(w: World) -> None:
    reply = await remind(w, "wei", "每周一 9点", "写周报")
    assert "我会每星期一 09:00提醒你" in reply.content
    assert "服务器的时区" in reply.content
    once = await remind(w, "wei", "明天下午3点半", "开会")
    assert "2026年3月28日" in once.content
    assert "15:30 Europe/Berlin" in once.content
    await w.advance(timedelta(days=1, hours=6))
    delivered = w.lines("dm", visible_to="wei")
    assert len(delivered) == 1
    assert "⏰ 提醒：开会" in delivered[0]["content"]
    assert [c["label"] for c in delivered[0]["components"]] == [
        "10 分钟后再提醒",
        "1 小时后再提醒",
        "明天再提醒",
        "完成",
        "也提醒我",
    ]


@pytest.mark.parametrize(
    ("what", "expected"),
    [("   ", "Say what to remind you of"), ("@everyone " + "x" * 600, "too long for a reminder")],
)
async def test_bad_what_is_refused_and_nothing_saved(w: World, what: str, expected: str) -> None:
    reply = await remind(w, "tom", "tomorrow 9am", what)
    assert reply.ephemeral
    assert expected in reply.content
    assert "@everyone" not in reply.content
    assert len(reply.content) < 300
    async with w.bot.database.session() as session:
        assert (await session.execute(select(Reminder))).first() is None


async def test_a_member_who_leaves_is_not_reminded_there(w: World) -> None:
    await remind(w, "kofi", "in 10 minutes", "leaving soon")
    await w.sandbox.leave("kofi")
    await w.advance(timedelta(hours=1))
    assert [line for line in w.lines() if line["action"] in {"dm", "send"}] == []


# -- the channel a reminder may use: only one the member may write in themselves ----------------


def read_only_announcements() -> dict[str, Any]:
    """#announcements where members may not write and the bot may (the usual setup)."""
    guild = copy.deepcopy(dict(GUILD, members=MEMBERS))
    for channel in guild["channels"]:
        if channel["name"] == "announcements":
            channel["overwrites"] = [
                {"target": "@everyone", "deny": ["send_messages"]},
                {"target": "bot", "allow": ["send_messages"]},
            ]
    return guild


async def deny_member(w: World, name: str, channel: str) -> None:
    """A member overwrite taking Send Messages away from one member, told to the bot as Discord would."""
    target = w.sandbox.world.channel_named(channel)
    assert target is not None
    member = w.sandbox.world.member_named(name).user.id
    deny = permission_value(["send_messages"], where="test")
    target.overwrites.append(Overwrite(id=member, type=1, deny=deny))
    await w.sandbox.gateway.dispatch("CHANNEL_UPDATE", target.payload(), intent=GUILDS)
    await w.sandbox.settle()


@pytest.fixture
async def ro(database_url: str) -> AsyncIterator[World]:
    async with world(database_url, guild=read_only_announcements()) as running:
        await running.sandbox.run_command(
            "mod", "setup", {"timezone": "Europe/Berlin", "mod_channel": "mod-queue"}
        )
        with pytest.raises(Exception, match="cannot post in #announcements"):
            await running.sandbox.say("zoe", "spam", channel="announcements")
        yield running
        assert running.sandbox.violations == []


async def test_closed_dm_reminders_never_post_where_the_member_cannot_write(ro: World) -> None:
    for n in range(3):
        reply = await ro.sandbox.run_command(
            "zoe",
            "remind me",
            {"when": "every 30 minutes", "what": f"FREE NITRO {n} https://evil.example"},
            channel="announcements",
        )
        assert "I will remind you" in reply.content
    await ro.advance(timedelta(hours=2, minutes=1))
    assert [line for line in ro.lines("send") if line["channel"] == "announcements"] == []
    listed = await ro.sandbox.run_command("zoe", "remind list")
    assert "Could not reach you" in listed.message.embeds[0]["description"]


async def test_a_reminder_is_not_shared_where_the_member_cannot_write(ro: World) -> None:
    reply = await ro.sandbox.run_command(
        "tom",
        "remind me",
        {"when": "in 1 hour", "what": "FREE NITRO https://evil.example", "share": True},
        channel="announcements",
    )
    assert reply.ephemeral
    assert "You cannot send messages in this channel" in reply.content
    public = [
        line
        for line in ro.sandbox.transcript
        if line.get("channel") == "announcements" and not line.get("ephemeral")
    ]
    assert public == []
    async with ro.bot.database.session() as session:
        assert (await session.execute(select(Reminder))).first() is None
    assert ro.errors() == []


async def test_remind_me_too_in_a_read_only_channel_never_falls_back_there(ro: World) -> None:
    """The sharer may write in #general; a copy keeps #general only for who may write there too."""
    await ro.sandbox.run_command("tom", "remind me", {"when": "in 1 hour", "what": "club", "share": True})
    [shared] = [line for line in ro.lines("followup") if "will be reminded" in line["content"]]
    await deny_member(ro, "zoe", "general")
    await ro.sandbox.click("zoe", "Remind me too", message=shared["line"])
    async with ro.bot.database.session() as session:
        copy_row = (await session.scalars(select(Reminder).where(Reminder.copied_from.is_not(None)))).one()
    assert copy_row.channel_id is None


async def test_the_fallback_channel_is_checked_again_when_it_is_due(w: World) -> None:
    await remind(w, "zoe", "in 10 minutes", "renew the licence")
    await deny_member(w, "zoe", "general")
    await w.advance(timedelta(minutes=10))
    assert not [line for line in w.lines("send") if "⏰" in line["content"]]
    listed = await w.sandbox.run_command("zoe", "remind list")
    assert "Could not reach you" in listed.message.embeds[0]["description"]
    forget_refused_requests(w)


async def test_a_shared_reminder_speaks_the_servers_language_in_public(w: World) -> None:
    reply = await remind(w, "wei", "in 1 hour", "读书会", share=True)
    assert "我会在" in reply.content or "提醒" in reply.content  # the member's own answer: Chinese
    [public] = [line for line in w.lines("followup") if not line.get("ephemeral")]
    assert [c["label"] for c in public["components"]] == ["Remind me too"]
    assert "will be reminded" in public["content"]


async def test_many_reminders_at_once_all_answer_in_time(w: World) -> None:
    await asyncio.gather(*[remind(w, "wei", "in 3 days", f"n{i}") for i in range(28)])
    assert [line for line in w.errors() if "3 s" in line["detail"]] == []
    async with w.bot.database.session() as session:
        assert len((await session.execute(select(Reminder))).scalars().all()) == 25


async def test_two_snooze_buttons_pressed_together_each_time_promised_comes(w: World) -> None:
    await remind(w, "tom", "in 1 hour", "call the library")
    await w.advance(timedelta(hours=1, minutes=1))
    [told] = w.lines("dm", visible_to="tom")
    first, second = await asyncio.gather(  # a double click: two buttons at once
        w.sandbox.click("tom", "Snooze 10 min", message=told["line"]),
        w.sandbox.click("tom", "Snooze 1 hour", message=told["line"]),
    )
    assert first.content.startswith("Snoozed")
    assert second.content.startswith("Snoozed")
    third = await w.sandbox.click("tom", "Tomorrow", message=told["line"])
    assert third.content.startswith("Already snoozed")
    await w.advance(timedelta(hours=2))
    assert len(w.lines("dm", visible_to="tom")[1:]) == 2
    await w.advance(timedelta(days=2))
    assert len(w.lines("dm", visible_to="tom")) == 3

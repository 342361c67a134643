"""Rate limits as Discord applies them: bucket headers, 429s, and discord.py waiting them out."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import discord
import pytest

from bot.clock import ManualClock
from bot.sandbox import DiscordSandbox
from bot.sandbox._limits import MESSAGES, PUBLISH, RateLimits

HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "X-RateLimit-Reset-After")


@pytest.fixture
async def http(sandbox: DiscordSandbox) -> AsyncIterator[aiohttp.ClientSession]:
    """A bare HTTP client with the bot's token: it ignores the headers, as a careless bot would."""
    async with aiohttp.ClientSession(
        base_url=sandbox.base_url + "/", headers={"Authorization": f"Bot {sandbox.token}"}
    ) as session:
        yield session


def channel_id(sandbox: DiscordSandbox, name: str) -> int:
    return next(c.id for c in sandbox.world.channels.values() if c.name == name)


async def post(http: aiohttp.ClientSession, path: str, body: Any = None) -> tuple[int, Any, Any]:
    async with http.post(path.lstrip("/"), json=body) as response:
        return response.status, response.headers, await response.json()


async def test_every_answer_carries_the_bucket_headers(sandbox: DiscordSandbox, http) -> None:
    general = channel_id(sandbox, "general")
    async with http.get(f"channels/{general}") as ok:
        assert ok.status == 200
        assert all(name in ok.headers for name in (*HEADERS, "X-RateLimit-Bucket"))
    async with http.get("channels/1") as missing:
        assert missing.status == 404
        assert missing.headers["X-RateLimit-Limit"] == ok.headers["X-RateLimit-Limit"]
    status, headers, _ = await post(http, f"channels/{general}/messages", {"content": "hi"})
    assert status == 200
    assert headers["X-RateLimit-Limit"] == "5"
    assert headers["X-RateLimit-Remaining"] == "4"
    assert 4.9 < float(headers["X-RateLimit-Reset-After"]) <= 5.0
    assert abs(float(headers["X-RateLimit-Reset"]) - (time.time() + 5)) < 1
    assert headers["X-RateLimit-Bucket"] == MESSAGES.bucket != ok.headers["X-RateLimit-Bucket"]


async def test_a_sixth_message_in_five_seconds_is_refused_per_channel(sandbox: DiscordSandbox, http) -> None:
    general = channel_id(sandbox, "general")
    for index in range(5):
        status, headers, _ = await post(http, f"channels/{general}/messages", {"content": f"m{index}"})
        assert status == 200
    assert headers["X-RateLimit-Remaining"] == "0"
    status, headers, body = await post(http, f"channels/{general}/messages", {"content": "one too many"})
    assert status == 429
    assert headers["X-RateLimit-Scope"] == "user"
    assert "X-RateLimit-Global" not in headers
    assert body["global"] is False
    assert 0 < body["retry_after"] <= 5
    assert headers["X-RateLimit-Remaining"] == "0"
    # Another channel has a bucket of its own.
    status, _, _ = await post(http, f"channels/{channel_id(sandbox, 'pen-pals')}/messages", {"content": "ok"})
    assert status == 200
    assert sandbox.rate_limited == 1
    errors = [line["detail"] for line in sandbox.transcript if line["action"] == "error"]
    assert len(errors) == 1
    assert "429" in errors[0]
    assert "channel messages, 5 per 5 s" in errors[0]
    assert [m.content for m in sandbox.messages("general")] == [f"m{i}" for i in range(5)]


async def test_publishing_is_ten_per_hour_per_channel_by_the_clock_too(
    sandbox: DiscordSandbox, http, clock: ManualClock
) -> None:
    announcements = channel_id(sandbox, "announcements")
    ids = []
    for index in range(11):
        _, _, message = await post(http, f"channels/{announcements}/messages", {"content": f"news {index}"})
        ids.append(message["id"])
        clock.advance(timedelta(seconds=5))  # the message bucket is not what this test is about
    for message_id in ids[:10]:
        status, headers, _ = await post(http, f"channels/{announcements}/messages/{message_id}/crosspost")
        assert status == 200
    assert headers["X-RateLimit-Limit"] == "10"
    status, headers, body = await post(http, f"channels/{announcements}/messages/{ids[10]}/crosspost")
    assert status == 429
    assert headers["X-RateLimit-Scope"] == "shared"
    assert body["retry_after"] > 3000
    clock.advance(timedelta(hours=1))  # an hour passed for the scenario: the bucket is full again
    status, _, _ = await post(http, f"channels/{announcements}/messages/{ids[10]}/crosspost")
    assert status == 200
    assert sandbox.rate_limited == 1


async def test_opening_dms_has_a_bucket(sandbox: DiscordSandbox, http) -> None:
    wei = sandbox.world.user_named("wei").id
    answers = [await post(http, "users/@me/channels", {"recipient_id": str(wei)}) for _ in range(11)]
    assert [status for status, _, _ in answers] == [200] * 10 + [429]
    assert answers[0][1]["X-RateLimit-Limit"] == "10"


async def test_discord_py_waits_out_a_bucket_and_never_meets_a_429(sandbox: DiscordSandbox, bot) -> None:
    channel = discord.utils.get(bot.get_all_channels(), name="general")
    assert isinstance(channel, discord.TextChannel)
    message = await channel.send("react to me")
    started = time.monotonic()
    for emoji in ("✅", "🎉", "📚"):
        await message.add_reaction(emoji)
    elapsed = time.monotonic() - started
    # One reaction per 0.25 s per channel: discord.py sleeps on the headers before each next one.
    assert elapsed >= 0.5
    assert sandbox.rate_limited == 0
    assert [line["emoji"] for line in sandbox.transcript if line["action"] == "react"] == ["✅", "🎉", "📚"]


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_windows_open_with_their_first_request_and_the_global_limit_spares_interactions() -> None:
    clock = ManualClock(datetime(2026, 3, 27, 9, 0, tzinfo=UTC))
    fake = FakeTime()
    limits = RateLimits(clock, global_per_s=3, monotonic=fake, wall=lambda: 0.0)
    messages = "/channels/{channel_id}/messages"
    one = {"channel_id": "1"}
    assert [limits.take("POST", messages, one).limited for _ in range(3)] == [False] * 3  # type: ignore[union-attr]
    refused = limits.take("POST", messages, {"channel_id": "2"})
    assert refused is not None
    assert refused.is_global
    assert refused.refusal_headers()["X-RateLimit-Global"] == "true"
    callback = "/interactions/{interaction_id}/{interaction_token}/callback"
    answered = limits.take("POST", callback, {"interaction_id": "9", "interaction_token": "t"})
    assert answered is not None
    assert not answered.limited
    fake.now += 1.0
    verdicts = [limits.take("POST", messages, one) for _ in range(3)]
    assert [v.limited for v in verdicts if v is not None] == [False, False, True]
    assert verdicts[1] is not None
    assert verdicts[1].exhausted
    assert verdicts[2] is not None
    assert verdicts[2].retry_after == pytest.approx(4.0)
    fake.now += 4.0
    again = limits.take("POST", messages, one)
    assert again is not None
    assert again.headers["X-RateLimit-Remaining"] == "4"
    off = RateLimits(clock, global_per_s=None)
    assert off.take("POST", messages, one) is None
    assert PUBLISH.per == 3600


def test_route_limits_can_be_left_to_the_global_one() -> None:
    clock = ManualClock(datetime(2026, 3, 27, 9, 0, tzinfo=UTC))
    limits = RateLimits(clock, monotonic=FakeTime())
    limits.routes = False
    verdicts = [limits.take("POST", "/channels/{channel_id}/messages", {"channel_id": "1"}) for _ in range(6)]
    assert not any(v is None or v.limited for v in verdicts)
    assert verdicts[0] is not None
    assert verdicts[0].headers["X-RateLimit-Limit"] == "50"


def test_shorter_windows_keep_the_counts_and_an_hour_on_the_clock_is_still_an_hour() -> None:
    clock = ManualClock(datetime(2026, 3, 27, 9, 0, tzinfo=UTC))
    fake = FakeTime()
    limits = RateLimits(clock, monotonic=fake, wall=lambda: 0.0)
    limits.window_scale = 0.1
    messages = "/channels/{channel_id}/messages"
    one = {"channel_id": "1"}
    verdicts = [limits.take("POST", messages, one) for _ in range(6)]
    assert [v.limited for v in verdicts if v is not None] == [False] * 5 + [True]
    assert verdicts[4] is not None
    assert verdicts[4].headers["X-RateLimit-Limit"] == "5"
    assert verdicts[4].headers["X-RateLimit-Reset-After"] == "0.500"
    assert verdicts[5] is not None
    assert verdicts[5].retry_after == pytest.approx(0.5)
    fake.now += 0.49
    assert limits.take("POST", messages, one).limited  # type: ignore[union-attr]
    fake.now += 0.01
    assert not limits.take("POST", messages, one).limited  # type: ignore[union-attr]

    crosspost = "/channels/{channel_id}/messages/{message_id}/crosspost"
    published = [limits.take("POST", crosspost, {"channel_id": "2"}) for _ in range(11)]
    assert [v.limited for v in published if v is not None] == [False] * 10 + [True]
    assert published[10] is not None
    assert published[10].retry_after == pytest.approx(360.0)
    clock.advance(timedelta(minutes=59))  # the injected clock ends a window at its full length only
    assert limits.take("POST", crosspost, {"channel_id": "2"}).limited  # type: ignore[union-attr]
    clock.advance(timedelta(minutes=1))
    assert not limits.take("POST", crosspost, {"channel_id": "2"}).limited  # type: ignore[union-attr]


async def test_a_429_under_shorter_windows_says_so(sandbox: DiscordSandbox, http) -> None:
    sandbox.route_window_scale = 0.1
    general = channel_id(sandbox, "general")
    statuses = [(await post(http, f"channels/{general}/messages", {"content": f"m{i}"}))[0] for i in range(6)]
    assert statuses == [200] * 5 + [429]
    [error] = [line["detail"] for line in sandbox.transcript if line["action"] == "error"]
    assert "channel messages, 5 per 5 s (windows scaled by 0.1)" in error


async def test_an_injected_429_says_how_long_to_wait(sandbox: DiscordSandbox, http) -> None:
    sandbox.fail_next("GET", "/channels/{channel_id}", status=429, message="You are being rate limited.")
    async with http.get(f"channels/{channel_id(sandbox, 'general')}") as refused:
        assert refused.status == 429
        assert refused.headers["Via"]
        body = await refused.json()
    assert body["retry_after"] == 1.0
    assert body["global"] is False
    assert sandbox.rate_limited == 1

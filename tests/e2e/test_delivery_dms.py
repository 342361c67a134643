"""Direct messages through the delivery module: a member's DM channel is opened once, ever."""

from collections.abc import AsyncIterator

import pytest

from tests.e2e.harness import World, world


@pytest.fixture
async def w(database_url: str) -> AsyncIterator[World]:
    async with world(database_url) as running:
        yield running
        assert running.sandbox.violations == []
        assert running.errors() == []


def opened(w: World) -> int:
    return w.sandbox.rest.requests.count(("POST", "/users/@me/channels"))


async def test_a_dm_channel_is_opened_once_and_remembered_across_a_restart(w: World) -> None:
    wei = w.sandbox.world.user_named("wei").id
    first = await w.bot.delivery.dm(wei, "one")
    assert first.reached
    assert opened(w) == 1
    await w.bot.delivery.dm(wei, "two")
    await w.restart()
    third = await w.bot.delivery.dm(wei, "three")
    assert third.reached
    assert opened(w) == 1  # the channel id was kept, not opened again after the restart
    assert [line["content"] for line in w.lines("dm") if line.get("channel", "").endswith("wei")][-3:] == [
        "one",
        "two",
        "three",
    ]

"""How the sandbox judges a task of the bot: busy, waiting on a member, idle or done."""

from __future__ import annotations

import asyncio

import discord

from bot.sandbox._tasks import State, TaskTracker, state_of


async def _turn() -> None:
    for _ in range(3):
        await asyncio.sleep(0)


async def _gather(event: asyncio.Event) -> None:
    await asyncio.gather(event.wait(), asyncio.sleep(5))


async def test_states_of_plain_tasks() -> None:
    event = asyncio.Event()
    queue: asyncio.Queue[int] = asyncio.Queue()
    sleeping = asyncio.create_task(asyncio.sleep(5))
    idle = asyncio.create_task(event.wait())
    getting = asyncio.create_task(queue.get())
    awaiting_idle = asyncio.create_task(asyncio.wait_for(event.wait(), 5))
    gathered = asyncio.create_task(_gather(event))
    await _turn()
    assert state_of(sleeping) is State.BUSY
    assert state_of(idle) is State.IDLE
    assert state_of(getting) is State.IDLE
    assert state_of(awaiting_idle) is State.IDLE
    assert state_of(gathered) is State.BUSY
    event.set()
    assert state_of(idle) is State.BUSY  # woken: it runs on the next turn
    await _turn()
    assert state_of(idle) is State.DONE
    for task in (sleeping, getting, awaiting_idle, gathered):
        task.cancel()
    await asyncio.gather(sleeping, getting, awaiting_idle, gathered, return_exceptions=True)


async def test_a_view_wait_is_waiting_on_a_member() -> None:
    view = discord.ui.View(timeout=None)
    waiting = asyncio.create_task(view.wait())
    waiting_with_timeout = asyncio.create_task(asyncio.wait_for(view.wait(), 10))
    await _turn()
    assert state_of(waiting) is State.MEMBER
    assert state_of(waiting_with_timeout) is State.MEMBER
    view.stop()
    assert state_of(waiting) is State.BUSY
    await asyncio.gather(waiting, waiting_with_timeout)


async def test_only_tasks_started_from_tagged_or_gateway_tasks_are_tagged() -> None:
    tracker = TaskTracker()
    tracker.install(asyncio.get_running_loop())
    try:
        tracker.step = 4
        mine = asyncio.create_task(asyncio.sleep(0))  # started by the test itself: not the bot's
        assert tracker.tagged() == []
        await mine
    finally:
        tracker.uninstall()
    assert asyncio.get_running_loop().get_task_factory() is None

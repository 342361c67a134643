"""Which of the bot's tasks a step still waits for.

The bot runs in the sandbox's own process and loop, so the sandbox can see its tasks. A task
factory tags every task the bot starts while handling something (an event handler, a command, a
view callback, and every task those start) with the step that was open. A step is over when each
tagged task has finished, waits on a member (a view or modal's ``wait()``, ``wait_for``, a view's
timeout) or idles on a queue, event or lock that nothing busy is about to release: the step never
ends on a quiet period, and never waits for a form nobody fills in.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import weakref
from collections.abc import Coroutine, Generator, Iterator
from contextvars import Context
from types import CodeType
from typing import Any

import discord
from discord import shard as discord_shard
from discord.ext import tasks as discord_tasks

# Long-lived tasks that read the gateway: what they start is the bot's work, they are not.
_ROOTS: frozenset[CodeType] = frozenset(
    {
        discord.Client.connect.__code__,
        discord.Client.start.__code__,
        discord.AutoShardedClient.connect.__code__,
        discord_shard.Shard.worker.__code__,
        # A discord.ext.tasks loop runs for the bot's lifetime, wherever it was started from.
        discord_tasks.Loop._loop.__code__,
    }
)
_MEMBER_WAITS: frozenset[CodeType] = frozenset(
    {
        discord.ui.View.wait.__code__,
        discord.Client.wait_for.__code__,
        discord.ui.view.BaseView._BaseView__timeout_task_impl.__code__,  # type: ignore[attr-defined]
    }
)
_IDLE_WAITS: frozenset[CodeType] = frozenset(
    {
        asyncio.Event.wait.__code__,
        asyncio.Queue.get.__code__,
        asyncio.Condition.wait.__code__,
        asyncio.Lock.acquire.__code__,
        asyncio.Semaphore.acquire.__code__,
    }
)
_WAIT_FOR = asyncio.wait_for.__code__


class State(enum.Enum):
    DONE = "done"
    BUSY = "busy"
    MEMBER = "waiting on a member"
    IDLE = "idle"


class TaskTracker:
    """Installs the tagging task factory on a loop and judges the tagged tasks."""

    def __init__(self) -> None:
        self.step = 0
        self._tags: weakref.WeakKeyDictionary[asyncio.Task[Any], int] = weakref.WeakKeyDictionary()
        self._abandoned: weakref.WeakSet[asyncio.Task[Any]] = weakref.WeakSet()
        # The tasks that read the gateway: through them the sandbox sees how far each client got.
        self._roots: weakref.WeakSet[asyncio.Task[Any]] = weakref.WeakSet()
        self._untracked = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._previous: Any = None

    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._loop is not None:
            return
        self._loop = loop
        self._previous = loop.get_task_factory()
        loop.set_task_factory(self._factory)  # type: ignore[arg-type]

    def uninstall(self) -> None:
        if self._loop is not None and self._loop.get_task_factory() == self._factory:
            self._loop.set_task_factory(self._previous)
        self._loop = None

    @contextlib.contextmanager
    def untracked(self) -> Iterator[None]:
        """Tasks created inside are the runner's own long-lived ones (a bot's connect task)."""
        self._untracked += 1
        try:
            yield
        finally:
            self._untracked -= 1

    def _factory(
        self,
        loop: asyncio.AbstractEventLoop,
        coro: Coroutine[Any, Any, Any] | Generator[Any, None, Any],
        *,
        context: Context | None = None,
    ) -> asyncio.Task[Any]:
        if self._previous is not None:
            task = (
                self._previous(loop, coro) if context is None else self._previous(loop, coro, context=context)
            )
        else:
            task = asyncio.Task(coro, loop=loop, context=context)
        code = getattr(coro, "cr_code", None)
        if code in _ROOTS:
            self._roots.add(task)
            return task
        if self._untracked:
            return task
        parent = asyncio.current_task(loop)
        if parent is None:
            return task
        if parent in self._tags:
            self._tags[task] = self._tags[parent]
        elif _code_of(parent) in _ROOTS:
            self._tags[task] = self.step
        return task

    def handled(self) -> dict[str, int]:
        """The last gateway sequence each connected client has handled, by session id.

        discord.py stores the sequence of an event before handling it, and handles a dispatch
        without yielding to the loop: read from another task, the event's handlers have run.
        """
        found: dict[str, int] = {}
        for task in list(self._roots):
            frame = None if task.done() else getattr(task.get_coro(), "cr_frame", None)
            owner = None if frame is None else frame.f_locals.get("self")
            ws = getattr(owner, "ws", None)
            if isinstance(ws, discord.gateway.DiscordWebSocket) and ws.session_id:
                found[ws.session_id] = max(found.get(ws.session_id, 0), ws.sequence or 0)
        return found

    def tagged(self) -> list[tuple[asyncio.Task[Any], int]]:
        return [(task, step) for task, step in list(self._tags.items()) if not task.done()]

    def busy(self, *, exclude: asyncio.Task[Any] | None = None) -> list[tuple[asyncio.Task[Any], int]]:
        return [
            (task, step)
            for task, step in self.tagged()
            if task is not exclude and task not in self._abandoned and state_of(task) is State.BUSY
        ]

    def abandon(self, tasks: list[asyncio.Task[Any]]) -> None:
        """A task judged stuck is reported once; later steps do not wait for it again."""
        self._abandoned.update(tasks)


def _code_of(task: asyncio.Task[Any]) -> CodeType | None:
    return getattr(task.get_coro(), "cr_code", None)


def state_of(task: asyncio.Task[Any], depth: int = 0) -> State:
    """Whether *task* is running (or about to), or only waits for a member or an idle queue."""
    if task.done():
        return State.DONE
    if depth > 20:
        return State.BUSY
    # The future the task is suspended on; None when it is ready to run.
    waiter: Any = getattr(task, "_fut_waiter", None)
    if waiter is None or waiter.done():
        return State.BUSY
    if isinstance(waiter, asyncio.Task):
        return _through(state_of(waiter, depth + 1))
    children = getattr(waiter, "_children", None)
    if children:
        states = {
            _through(state_of(c, depth + 1)) if isinstance(c, asyncio.Task) else State.BUSY for c in children
        }
        for state in (State.BUSY, State.MEMBER):
            if state in states:
                return state
        return State.IDLE
    codes: list[CodeType] = []
    awaitable: Any = task.get_coro()
    while awaitable is not None:
        code = getattr(awaitable, "cr_code", None) or getattr(awaitable, "gi_code", None)
        if code is None:
            break
        codes.append(code)
        if code is _WAIT_FOR and awaitable.cr_frame is not None:
            inner = awaitable.cr_frame.f_locals.get("fut")
            if isinstance(inner, asyncio.Task):
                return _through(state_of(inner, depth + 1))
        awaitable = getattr(awaitable, "cr_await", None) or getattr(awaitable, "gi_yieldfrom", None)
    if any(code in _MEMBER_WAITS for code in codes):
        return State.MEMBER
    if any(code in _IDLE_WAITS for code in codes):
        return State.IDLE
    return State.BUSY


def _through(state: State) -> State:
    """A task awaiting another: a finished inner task wakes the outer one."""
    return State.BUSY if state is State.DONE else state


def describe(task: asyncio.Task[Any]) -> str:
    coro = task.get_coro()
    where = getattr(coro, "__qualname__", None) or repr(coro)
    return f"{task.get_name()} ({where})"

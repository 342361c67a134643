"""When a step is over: the bot's tasks for it are done or wait on a member (see ``_tasks.py``)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Protocol

from bot.sandbox._tasks import State, TaskTracker, describe, state_of

if TYPE_CHECKING:
    from bot.sandbox._gateway import Gateway
    from bot.sandbox._interactions import Driver
    from bot.sandbox._rest import Rest

SETTLE_POLL_S = 0.002
BARRIER_POLL_S = 0.001
BARRIER_TIMEOUT_S = 5.0


class Settling(Protocol):
    gateway: Gateway
    driver: Driver
    rest: Rest
    tasks: TaskTracker
    background: set[asyncio.Task[None]]

    def error(self, detail: str, *, channel: str | None = None, **fields: Any) -> dict[str, Any]: ...


async def settle(sandbox: Settling, limit: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    me = asyncio.current_task()
    while True:
        sandbox.driver.expire_overdue()
        sent = _gateway_sent(sandbox)
        await _barrier(sandbox, deadline)
        if not _still_busy(sandbox, me) and sent == _gateway_sent(sandbox):
            break
        if loop.time() >= deadline:
            _report_stuck(sandbox, limit)
            break
        await asyncio.sleep(SETTLE_POLL_S)
    _report_unfinished_defers(sandbox)


def _gateway_sent(sandbox: Settling) -> tuple[tuple[int, int], ...]:
    return tuple((id(session), session.seq) for session in sandbox.gateway.sessions)


async def _barrier(sandbox: Settling, deadline: float) -> None:
    """Wait until every connected client has handled every event sent to it, so the tasks those
    events start exist. The sandbox reads how far each client got from its gateway task; asking
    the client (op 1) would spend discord.py's budget of 110 gateway sends a minute."""
    loop = asyncio.get_running_loop()
    limit = min(deadline, loop.time() + BARRIER_TIMEOUT_S)
    while True:
        handled = sandbox.tasks.handled()
        behind = [
            s for s in sandbox.gateway.live if s.id in handled and handled[s.id] < s.seq and s.connected
        ]
        if not behind or loop.time() >= limit:
            return
        await asyncio.sleep(BARRIER_POLL_S)


def _still_busy(sandbox: Settling, me: asyncio.Task[Any] | None) -> bool:
    return bool(
        sandbox.driver.pending_answers
        or sandbox.rest.inflight
        or any(not task.done() for task in sandbox.background)
        or sandbox.tasks.busy(exclude=me)
    )


def _report_stuck(sandbox: Settling, limit: float) -> None:
    busy = sandbox.tasks.busy(exclude=asyncio.current_task())
    if busy:
        sandbox.tasks.abandon([task for task, _ in busy])
        names = ", ".join(f"{describe(task)} from step {step}" for task, step in busy[:5])
        sandbox.error(f"the bot was still busy {limit:g} s into the step: {names}")
    elif sandbox.rest.inflight:
        sandbox.error(f"a request to the sandbox was still in flight {limit:g} s into the step")


def _report_unfinished_defers(sandbox: Settling) -> None:
    """A defer promises a followup. Once none of the bot's tasks is busy or waits on a member,
    nothing is left to send it: the member sees "thinking..." forever."""
    if any(state_of(task) is State.MEMBER for task, _ in sandbox.tasks.tagged()):
        return
    for record in sandbox.driver.pending:
        if record.awaiting_followup:
            record.awaiting_followup = False
            sandbox.error(
                f"the bot deferred interaction {record.id} but never followed up",
                channel=record.channel.label,
                step=record.step,
            )

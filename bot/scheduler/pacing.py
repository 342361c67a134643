"""Pacing: keep a process under a request rate (Discord allows 50 requests per second per bot).

:class:`RatePacer` is a token bucket on the event loop: ``await pacer.acquire()`` returns at once
while tokens are left and otherwise sleeps until the next one; waiters are served in arrival order.
The bucket refills at ``rate_per_second`` and holds at most ``burst`` tokens (default 1: evenly
spaced, no bursts), so in any one-second window at most ``burst - 1 + ceil(rate_per_second)``
acquisitions return.

Discord's limit is per bot, not per process: with several processes each gets its share
(``limit / processes``, keeping some headroom, e.g. 45 / 4 per process for the limit of 50). A
process that dies leaves its share unused until it is restarted. ``JobScheduler(...,
runs_per_second=...)`` paces handler *starts*: a handler that sends several messages counts once,
so give such kinds a lower rate or pace inside the handler.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable

__all__ = ["RatePacer"]


class RatePacer:
    """At most ``rate_per_second`` acquisitions per second, after an initial ``burst``.

    Kept as the time the next token is due (the "theoretical arrival time" of the generic cell
    rate algorithm, equivalent to a token bucket), so each waiter computes one sleep and float
    error never leaves it a hair short of a token. ``monotonic`` and ``sleep`` are injectable so
    tests can run on a fake clock.
    """

    def __init__(
        self,
        rate_per_second: float,
        burst: int | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if not math.isfinite(rate_per_second) or rate_per_second <= 0:
            raise ValueError("rate_per_second must be a positive number")
        burst = 1 if burst is None else burst
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self.rate_per_second = float(rate_per_second)
        self.burst = burst
        self._interval = 1.0 / self.rate_per_second
        self._monotonic = monotonic
        self._sleep = sleep
        # When the bucket is next empty-but-refilling: a full bucket has it at or before now.
        self._next_at = monotonic()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Wait for a token and take it. Cancelling a waiter takes nothing."""
        # The lock makes waiters queue in order (asyncio.Lock is FIFO), so none starves.
        async with self._lock:
            now = self._monotonic()
            next_at = max(self._next_at, now)
            wait = next_at - (self.burst - 1) * self._interval - now
            if wait > 0:
                await self._sleep(wait)
            self._next_at = next_at + self._interval

    def __repr__(self) -> str:
        return f"RatePacer(rate_per_second={self.rate_per_second:g}, burst={self.burst})"

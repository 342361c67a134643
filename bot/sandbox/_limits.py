"""Rate limits as Discord applies them: per-route buckets with their headers, and the global limit.

Discord answers every request with the state of the bucket it counted against
(``X-RateLimit-Limit``, ``-Remaining``, ``-Reset``, ``-Reset-After``, ``-Bucket``); a client that
reads them, as discord.py does, waits before a bucket runs dry and never meets a 429. A bucket is a
route (or a group of routes) per major parameter (channel, guild, webhook token), a window that
opens with its first request and lasts ``per`` seconds. Time is real, as on Discord; a window also
ends once the injected clock has moved past it, since ``advance`` stands for time that passed.

Discord publishes few of its numbers. The ones here are the documented or widely observed ones
(50 requests per second globally; 5 messages per 5 s per channel; one reaction per 0.25 s per
channel; 10 publishes per hour per channel). Opening DMs has a bucket of its own on Discord whose
size it does not publish: 10 per 10 s here is an assumption. Other routes get a roomy bucket, so
that a bot is never held back by a number Discord would not enforce.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.clock import Clock

GLOBAL_LIMIT_PER_S = 50
_MAJOR = ("channel_id", "guild_id", "webhook_id", "webhook_token", "interaction_id")
_REACTION = "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/@me"
# Interaction callbacks and followups do not count against the global limit (Discord's docs).
_OUTSIDE_GLOBAL = ("/interactions/", "/webhooks/{webhook_id}/{webhook_token}")


@dataclass(frozen=True)
class Rule:
    """A bucket: *limit* requests per *per* seconds, for each value of the route's major parameters.

    *scope* is what a 429 names in ``X-RateLimit-Scope``: ``user`` for the bot's own quota,
    ``shared`` for a resource's quota that every caller shares (publishing in a channel).
    """

    name: str
    limit: int
    per: float
    scope: str = "user"

    @property
    def bucket(self) -> str:
        return hashlib.md5(self.name.encode(), usedforsecurity=False).hexdigest()


MESSAGES = Rule("channel messages", 5, 5.0)
REACTIONS = Rule("reactions", 1, 0.25)
OPEN_DM = Rule("open dm", 10, 10.0)
PUBLISH = Rule("publish", 10, 3600.0, scope="shared")
ROOMY_LIMIT, ROOMY_PER = 50, 1.0

RULES: dict[tuple[str, str], Rule] = {
    ("POST", "/channels/{channel_id}/messages"): MESSAGES,
    ("PUT", _REACTION): REACTIONS,
    ("DELETE", _REACTION): REACTIONS,
    ("POST", "/users/@me/channels"): OPEN_DM,
    ("POST", "/channels/{channel_id}/messages/{message_id}/crosspost"): PUBLISH,
}


def rule_for(method: str, template: str, *, routes: bool = True) -> Rule:
    roomy = Rule(f"{method} {template}", ROOMY_LIMIT, ROOMY_PER)
    return (RULES.get((method, template)) or roomy) if routes else roomy


@dataclass
class _Window:
    opened: float  # monotonic seconds
    opened_at: datetime  # the injected clock
    used: int = 0


@dataclass(frozen=True)
class Verdict:
    """What the bucket says about one request: its headers, and whether it is refused (429)."""

    headers: dict[str, str]
    retry_after: float = 0.0
    is_global: bool = False
    rule: Rule | None = None
    reset_after: float = 0.0

    @property
    def exhausted(self) -> bool:
        """The request went through and took the bucket's last place: the client waits now."""
        return not self.limited and self.headers.get("X-RateLimit-Remaining") == "0"

    @property
    def limited(self) -> bool:
        return self.retry_after > 0

    def body(self) -> dict[str, object]:
        return {
            "message": "You are being rate limited.",
            "retry_after": self.retry_after,
            "global": self.is_global,
        }

    def refusal_headers(self) -> dict[str, str]:
        scope = "global" if self.is_global else (self.rule.scope if self.rule else "user")
        headers = dict(self.headers) | {
            "X-RateLimit-Scope": scope,
            "Retry-After": str(max(1, math.ceil(self.retry_after))),
            # discord.py retries a 429 only when this proxy header is there, as on Discord's edge.
            "Via": "1.1 google",
        }
        if self.is_global:
            headers["X-RateLimit-Global"] = "true"
        return headers


class RateLimits:
    """Counts the bot's requests; ``global_per_s=None`` turns every limit off (for raw benchmarks)."""

    def __init__(
        self,
        clock: Clock,
        *,
        global_per_s: int | None = GLOBAL_LIMIT_PER_S,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._clock = clock
        self.global_per_s = global_per_s
        self.routes = True
        # Real seconds per second of a route bucket's window; see DiscordSandbox.route_window_scale.
        self.window_scale = 1.0
        self._monotonic = monotonic
        self._wall = wall
        self._windows: dict[tuple[str, tuple[str, ...]], _Window] = {}
        self._global: deque[float] = deque()

    @property
    def enabled(self) -> bool:
        return self.global_per_s is not None

    def take(self, method: str, template: str, params: Mapping[str, str]) -> Verdict | None:
        """Count one request; None when limits are off."""
        if self.global_per_s is None:
            return None
        now = self._monotonic()
        rule = rule_for(method, template, routes=self.routes)
        per = rule.per * self.window_scale  # real seconds
        key = (rule.name, tuple(params.get(name, "") for name in _MAJOR))
        window = self._windows.get(key)
        if window is None or self._expired(window, rule, per, now):
            window = self._windows[key] = _Window(opened=now, opened_at=self._clock.now())
        reset_after = max(window.opened + per - now, 0.001)
        if window.used >= rule.limit:
            return Verdict(self._headers(rule, window, reset_after), retry_after=_up(reset_after), rule=rule)
        if not template.startswith(_OUTSIDE_GLOBAL):
            retry = self._global_retry(now)
            if retry:
                return Verdict(self._headers(rule, window, reset_after), retry_after=retry, is_global=True)
        window.used += 1
        return Verdict(self._headers(rule, window, reset_after), rule=rule, reset_after=_up(reset_after))

    def _expired(self, window: _Window, rule: Rule, per: float, now: float) -> bool:
        """*per* real seconds have passed, or the rule's full window on the injected clock."""
        virtual = (self._clock.now() - window.opened_at).total_seconds()
        return now - window.opened >= per or virtual >= rule.per

    def _global_retry(self, now: float) -> float:
        assert self.global_per_s is not None
        recent = self._global
        while recent and now - recent[0] >= 1.0:
            recent.popleft()
        if len(recent) < self.global_per_s:
            recent.append(now)
            return 0.0
        return _up(max(1.0 - (now - recent[0]), 0.001))

    def _headers(self, rule: Rule, window: _Window, reset_after: float) -> dict[str, str]:
        reset_after = _up(reset_after)
        return {
            "X-RateLimit-Limit": str(rule.limit),
            "X-RateLimit-Remaining": str(max(rule.limit - window.used, 0)),
            "X-RateLimit-Reset": f"{self._wall() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": rule.bucket,
        }


def _up(seconds: float) -> float:
    """Milliseconds, rounded up: a client that waits what it is told is never early."""
    return math.ceil(seconds * 1000) / 1000

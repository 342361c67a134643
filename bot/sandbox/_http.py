"""What route handlers share: the parsed request, the answer, Discord-shaped refusals, lookups."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.sandbox._model import Channel, Message, World, permission_names, permission_value

if TYPE_CHECKING:
    from bot.sandbox._host import Host


@dataclass
class Call:
    sandbox: Host
    method: str
    template: str
    params: dict[str, str]
    query: dict[str, str]
    body: Any
    files: list[dict[str, Any]] = field(default_factory=list)

    @property
    def world(self) -> World:
        return self.sandbox.world

    def flag(self, name: str) -> bool:
        return self.query.get(name, "").lower() in {"1", "true"}

    def snowflake(self, name: str) -> int:
        raw = self.params[name]
        if not raw.isdigit():
            raise ApiError(404, 0, "404: Not Found", detail=f"{name} {raw!r} is not a snowflake")
        return int(raw)


@dataclass
class Reply:
    status: int = 200
    body: Any = None


class ApiError(Exception):
    """A refusal, answered in Discord's shape: ``{"code": ..., "message": ...}``."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        detail: str | None = None,
        channel: Channel | None = None,
        violation: bool = False,
        errors: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.detail = detail
        self.channel = channel
        self.violation = violation
        self.errors = errors

    def body(self) -> dict[str, Any]:
        data: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            data["errors"] = self.errors
        return data


class RateLimitedError(ApiError):
    """A limit no bucket header announces (a sub-limit): 429 with how long to wait."""

    def __init__(self, retry_after: float, *, channel: Channel | None = None, detail: str) -> None:
        super().__init__(429, 0, "You are being rate limited.", channel=channel, detail=detail)
        self.retry_after = round(max(retry_after, 0.001), 3)

    def body(self) -> dict[str, Any]:
        return super().body() | {"retry_after": self.retry_after, "global": False}


Handler = Callable[[Call], Awaitable[Reply]]
ROUTES: dict[tuple[str, str], Handler] = {}


def route(method: str, template: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        ROUTES[(method, template)] = handler
        return handler

    return register


# -- lookups every handler needs -----------------------------------------------------------------


def unknown_channel() -> ApiError:
    return ApiError(404, 10003, "Unknown Channel")


def unknown_message() -> ApiError:
    return ApiError(404, 10008, "Unknown Message")


def channel_of(call: Call, key: str = "channel_id") -> Channel:
    """A channel the bot can see; a hidden one answers 403 Missing Access, as Discord does."""
    channel = call.world.channels.get(call.snowflake(key))
    if channel is None:
        raise unknown_channel()
    if channel.recipient is None:
        bot_member = call.world.members[call.world.bot.id]
        if not call.world.has(bot_member, channel, "view_channel"):
            raise ApiError(
                403, 50001, "Missing Access", channel=channel, detail=f"the bot cannot see {channel.label}"
            )
    return channel


def message_of(call: Call, channel: Channel, key: str = "message_id") -> Message:
    message = call.world.messages.get(call.snowflake(key))
    if message is None or message.deleted or message.channel is not channel or message.ephemeral:
        raise unknown_message()
    return message


def require_bot(call: Call, channel: Channel, *names: str) -> None:
    """Discord's 50013 when the bot lacks a permission in *channel* (DMs need none)."""
    if channel.recipient is not None:
        return
    world = call.world
    have = world.permissions_in(world.members[world.bot.id], channel)
    wanted = permission_value(names, where="require_bot")
    if have & wanted != wanted:
        missing = permission_names(wanted & ~have)
        raise ApiError(
            403,
            50013,
            "Missing Permissions",
            channel=channel,
            detail=f"the bot lacks {missing} in {channel.label}",
        )


def json_reply(body: Any, status: int = 200) -> Reply:
    return Reply(status=status, body=body)


def no_content() -> Reply:
    return Reply(status=204)

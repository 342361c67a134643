"""What the parts of the sandbox may ask of the sandbox that holds them.

Route handlers, the gateway and the member driver are built by :class:`DiscordSandbox` and call
back into it. They depend on this protocol, never on ``sandbox.py`` itself, so the modules of the
package import one another in one direction only (``sandbox.py`` sits on top).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from bot.clock import Clock
    from bot.sandbox._model import Channel, Message, User, World
    from bot.sandbox.contract import Contract


class EventSink(Protocol):
    """The gateway as the REST side sees it: somewhere to send the events a write causes."""

    async def dispatch(
        self, event: str, data: dict[str, Any], *, intent: int | None, gated_content: bool = False
    ) -> None: ...

    async def dispatch_interaction(self, data: dict[str, Any]) -> None: ...


class RestState(Protocol):
    inflight: int
    nonces: dict[tuple[int, str], Message]


class InteractionBook(Protocol):
    """The member driver's records. Their type lives above this module (``_interactions``)."""

    records: Mapping[int, Any]
    by_token: Mapping[str, Any]
    open_modals: dict[int, Any]

    @property
    def uploads(self) -> dict[int, Any]: ...


class Host(Protocol):
    clock: Clock
    world: World
    contract: Contract
    gateway: EventSink
    rest: RestState
    driver: InteractionBook
    token: str
    step: int
    commands: dict[int | None, list[dict[str, Any]]]
    rate_limited: int
    rate_limit_per_s: int | None
    route_limits: bool
    route_window_scale: float
    interaction_deadline: float
    monotonic: Callable[[], float]

    @property
    def base_url(self) -> str: ...

    @property
    def gateway_url(self) -> str: ...

    @property
    def transcript(self) -> list[dict[str, Any]]: ...

    def touch(self) -> None: ...

    async def settle(self, *, quiet: float | None = None, within: float = ...) -> None: ...

    def take_fault(self, method: str, template: str) -> Any: ...

    def record(self, action: str, *, channel: str | None, **fields: Any) -> dict[str, Any]: ...

    def record_message(
        self, action: str, message: Message, *, brief: bool = False, channel: str | None = None, **extra: Any
    ) -> dict[str, Any]: ...

    def error(self, detail: str, *, channel: str | None = None, **fields: Any) -> dict[str, Any]: ...

    def violation(self, text: str, *, channel: str | None = None, line: bool = True) -> None: ...

    def new_message(self, channel: Channel, author: User, content: str, **fields: Any) -> Message: ...

    def message_payload(self, message: Message) -> dict[str, Any]: ...

    def last_message_for(self, member: str) -> Message | None: ...

    def message_at_line(self, line: int) -> Message: ...

    async def emit_message(self, event: str, message: Message) -> None: ...

    async def emit_message_delete(self, message: Message) -> None: ...

    async def emit_reaction(self, event: str, message: Message, user: User, emoji: str) -> None: ...

    def guild_create_payload(self, intents: int) -> dict[str, Any]: ...

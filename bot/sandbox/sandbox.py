"""DiscordSandbox: a wire-level fake Discord that a real, unpatched discord.py client connects to."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import re
import secrets
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import discord
import yarl
from aiohttp import web

from bot.sandbox._gateway import (
    DIRECT_MESSAGE_REACTIONS,
    DIRECT_MESSAGES,
    GUILD_MEMBERS,
    GUILD_MESSAGE_REACTIONS,
    GUILD_MESSAGES,
    GUILDS,
    Gateway,
)
from bot.sandbox._http import ROUTES
from bot.sandbox._interactions import (
    MESSAGE_COMMAND,
    USER_COMMAND,
    Driver,
    InteractionRecord,
    InteractionResult,
    MessageRef,
)
from bot.sandbox._limits import GLOBAL_LIMIT_PER_S
from bot.sandbox._model import Channel, Message, Overwrite, User, World, emoji_payload, permission_value
from bot.sandbox._rest import Rest
from bot.sandbox._settle import settle
from bot.sandbox._tasks import TaskTracker
from bot.sandbox._transcript import Transcript, flatten_components, format_line
from bot.sandbox.contract import Contract
from bot.sandbox.errors import SandboxError

if TYPE_CHECKING:
    from bot.clock import Clock

GUILD_PRESENCES = 1 << 8
_INTERACTION_PATH = re.compile(r"/(?:interactions/\d+|webhooks/\d+)/([^/]+)")
_REQUEST_INTERACTION: contextvars.ContextVar[InteractionRecord | None] = contextvars.ContextVar(
    "sandbox_request_interaction", default=None
)
# How a refused request reads in an error line: "POST /channels/{channel_id}/messages → 403 50007 ..."
_REFUSED_CODE = re.compile(r"→ \d{3} (\d+) ")
_ANSWERING: contextvars.ContextVar[list[bool] | None] = contextvars.ContextVar(
    "sandbox_answering", default=None
)
_FIRST_ANSWERS = frozenset({"respond", "defer", "modal", "edit", "autocomplete"})
DEFAULT_QUIET_S = 0.025
# A handler still busy this long into a step is stuck (SANDBOX_SCRIPT.md, Extensions).
BUSY_LIMIT_S = 30.0


@dataclass(frozen=True)
class GuildInfo:
    id: int
    name: str
    channels: dict[str, int]
    roles: dict[str, int]
    members: dict[str, int]
    bot_id: int


@dataclass
class Fault:
    method: str
    template: str
    status: int
    code: int
    message: str
    times: int


class DiscordSandbox:
    """One fake Discord per process: Route.BASE and the gateway URL are process-wide."""

    def __init__(
        self,
        clock: Clock,
        spec_path: Path | None = None,
        rate_limit_per_s: int | None = GLOBAL_LIMIT_PER_S,
        *,
        bot_name: str = "sisterlib",
        interaction_deadline: float = 3.0,
        quiet: float = DEFAULT_QUIET_S,
        route_limits: bool = True,
    ) -> None:
        self.clock = clock
        self.world = World(clock, bot_name=bot_name)
        self.contract = Contract(spec_path)
        self.gateway = Gateway(self)
        self.rest = Rest(self)
        self.driver = Driver(self)
        self._transcript = Transcript(clock)
        self.token = f"sandbox.{secrets.token_urlsafe(24)}"
        self.tasks = TaskTracker()
        self.violations: list[str] = []
        self.commands: dict[int | None, list[dict[str, Any]]] = {}
        self.rate_limit_per_s = rate_limit_per_s
        # False keeps only the global limit: for benchmarks of global pacing into one channel.
        self.route_limits = route_limits
        # Real seconds that stand for one second of a route bucket's window: 1.0 is Discord's. A
        # test about what happens under a bucket, not about the wait itself, may shorten the
        # windows (0.1: 5 messages per 0.5 s in a channel) and keep the same counts, headers and
        # 429s; waiting out real-time windows was a tenth of the suite's time. A window still ends
        # after its full length on the injected clock, so an hour of publishes stays an hour of
        # ``advance``. The global limit's second is not scaled: the bot's own pacing is held to it.
        self.route_window_scale = 1.0
        self.rate_limited = 0
        self.interaction_deadline = interaction_deadline
        self.quiet = quiet
        # The 3-second deadline and token lifetimes run on real time; tests may swap this out.
        self.monotonic: Callable[[], float] = time.monotonic
        self.faults: list[Fault] = []
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._installed: tuple[str, yarl.URL] | None = None
        self._activity = time.monotonic()
        self._line_messages: dict[int, Message] = {}
        self.background: set[asyncio.Task[None]] = set()
        self.busy_limit = BUSY_LIMIT_S
        self.application_owner: User | None = None
        # Discord error codes the current step declares it handles (expect_error).
        self.expected_codes: frozenset[int] = frozenset()
        # (command or component, real ms from the interaction reaching the bot to its answer)
        self.latencies: list[tuple[str, float]] = []

    @property
    def step(self) -> int:
        """The step being played: lines and the tasks the bot starts now belong to it."""
        return self.tasks.step

    @step.setter
    def step(self, value: int) -> None:
        self.tasks.step = value

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        self.tasks.install(asyncio.get_running_loop())
        app = web.Application(client_max_size=64 * 1024 * 1024, middlewares=[self._interaction_step])
        app.router.add_get("/", self.gateway.handle)
        app.router.add_get("/resume/", self.gateway.handle)
        app.router.add_get("/attachments/{id}/{filename}", self._serve_upload)
        app.router.add_route("*", "/{tail:.*}", self.rest.handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        self.tasks.uninstall()
        self.uninstall()
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _serve_upload(self, request: web.Request) -> web.StreamResponse:
        """The CDN: the bytes of a file a member attached."""
        upload = self.driver.uploads.get(
            int(request.match_info["id"]) if request.match_info["id"].isdigit() else 0
        )
        if upload is None or upload.filename != request.match_info["filename"]:
            return web.Response(status=404, text="404: Not Found")
        return web.Response(body=upload.data, content_type=upload.content_type)

    @web.middleware
    async def _interaction_step(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path.endswith("/applications/@me") and self.application_owner is not None:
            return self._with_owner(await handler(request))
        match = _INTERACTION_PATH.search(request.path)
        record = self.driver.by_token.get(match.group(1)) if match else None
        if record is None:
            return await handler(request)
        token = _REQUEST_INTERACTION.set(record)
        # The callback is the first answer: its line carries the latency, once.
        answering = _ANSWERING.set([request.path.endswith("/callback")])
        try:
            return await handler(request)
        finally:
            _ANSWERING.reset(answering)
            _REQUEST_INTERACTION.reset(token)

    def _with_owner(self, response: web.StreamResponse) -> web.StreamResponse:
        """The application belongs to the member a script marks ``bot_owner``, not to the guild's
        owner (who stays outside the member list)."""
        owner = self.application_owner
        if not isinstance(response, web.Response) or response.status != 200 or owner is None:
            return response
        body = json.loads(response.text or "{}")
        body["owner"] = owner.payload()
        headers = {k: v for k, v in response.headers.items() if k.startswith("X-")}
        # Exactly "application/json": discord.py does not parse a body whose type names a charset.
        headers["Content-Type"] = "application/json"
        return web.Response(body=json.dumps(body).encode(), headers=headers)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    def install(self) -> None:
        """Point discord.py at the sandbox: the REST base and the default gateway, nothing else."""
        if not self.port:
            raise SandboxError("start() the sandbox before install()")
        if self._installed is None:
            self._installed = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
        discord.http.Route.BASE = self.base_url
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)

    def uninstall(self) -> None:
        if self._installed is not None:
            discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = self._installed
            self._installed = None

    def build_guild(self, spec: dict[str, Any]) -> GuildInfo:
        world = self.world
        members = spec.get("members") or []
        owners = [m for m in members if isinstance(m, dict) and m.get("bot_owner")]
        if len(owners) > 1:
            raise SandboxError("guild: only one member can be the application's owner (bot_owner)")
        world.build_guild(spec)
        if owners:
            self.application_owner = world.user_named(str(owners[0]["name"]))
        assert world.guild_id is not None
        return GuildInfo(
            id=world.guild_id,
            name=world.guild_name,
            channels={c.name: c.id for c in world.channels.values() if c.guild_id is not None},
            roles={r.name: r.id for r in world.roles.values()},
            members={m.name: m.user.id for m in world.members.values()},
            bot_id=world.bot.id,
        )

    # -- what tests look at -------------------------------------------------------------------

    @property
    def transcript(self) -> list[dict[str, Any]]:
        return self._transcript.lines

    def on_line(self, listener: Callable[[dict[str, Any]], None]) -> None:
        self._transcript.listeners.append(listener)

    def write_transcript(self, path: Path) -> None:
        self._transcript.write(path)

    def format_transcript(self) -> str:
        return "\n".join(format_line(line) for line in self.transcript)

    def messages(self, channel: str | None = None) -> list[Message]:
        """Live messages, oldest first: in one channel, thread or ``dm:NAME``, or everywhere."""
        world = self.world
        if channel is None:
            found = [m for m in world.messages.values() if not m.deleted]
        else:
            target = (
                world.dm_channel(world.user_named(channel[3:]))
                if channel.startswith("dm:")
                else world.channel_named(channel)
            )
            assert target is not None
            found = world.channel_messages(target)
        return sorted(found, key=lambda m: m.id)

    def last_message_for(self, member: str) -> Message | None:
        """The newest bot message *member* can see: ephemeral replies, DMs and channels alike."""
        world = self.world
        user = world.user_named(member)
        visible = [m for m in world.messages.values() if m.author.bot and world.can_see(user, m)]
        return max(visible, key=lambda m: m.id) if visible else None

    def message_at_line(self, line: int) -> Message:
        try:
            return self._line_messages[line]
        except KeyError:
            raise SandboxError(f"transcript line {line} shows no message") from None

    # -- members acting -----------------------------------------------------------------------

    async def run_command(
        self, member: str, path: str, options: dict[str, Any] | None = None, *, channel: str = "general"
    ) -> InteractionResult:
        return await self.driver.run_command(member, path, options, channel)

    async def autocomplete(
        self, member: str, path: str, options: dict[str, Any], *, focused: str, channel: str = "general"
    ) -> list[dict[str, Any]]:
        return await self.driver.autocomplete(member, path, options, focused, channel)

    async def submit_modal(self, member: str, values: dict[str, Any]) -> InteractionResult:
        return await self.driver.submit_modal(member, values)

    async def user_command(
        self, member: str, name: str, target: str, *, channel: str = "general"
    ) -> InteractionResult:
        return await self.driver.context_command(member, USER_COMMAND, name, target, channel)

    async def message_command(
        self, member: str, name: str, message: MessageRef, *, channel: str = "general"
    ) -> InteractionResult:
        return await self.driver.context_command(member, MESSAGE_COMMAND, name, message, channel)

    def dismiss_modal(self, member: str) -> None:
        self.driver.dismiss_modal(member)

    async def click(self, member: str, label: str, *, message: MessageRef = "last") -> InteractionResult:
        return await self.driver.click(member, label, message)

    async def select(
        self, member: str, choice: dict[str, Any], *, message: MessageRef = "last"
    ) -> InteractionResult:
        return await self.driver.select(member, choice, message)

    async def say(self, member: str, content: str, *, channel: str = "general") -> Message:
        world = self.world
        user = world.user_named(member)
        target = world.resolve_channel(channel, user)
        author = world.guild_member(user.id)
        if target.recipient is None:
            author = world.member_named(member)
            needed = "send_messages_in_threads" if target.is_thread else "send_messages"
            if not world.has(author, target, "view_channel", needed):
                raise SandboxError(f"{member} cannot post in #{target.name}")
        users, roles, everyone = world.pings(content, None, target, author)
        message = self.new_message(
            target, user, content, mentions=users, mention_roles=roles, mention_everyone=everyone
        )
        await self.emit_message("MESSAGE_CREATE", message)
        await self.settle()
        return message

    async def react(self, member: str, emoji: str, *, message: MessageRef = "last") -> None:
        world = self.world
        user, target = self.driver.find_message(member, message)
        if not world.can_see(user, target) or target.ephemeral:
            raise SandboxError(f"{member} cannot react to that message")
        target.reactions.setdefault(emoji, set()).add(user.id)
        await self.emit_reaction("MESSAGE_REACTION_ADD", target, user, emoji)
        await self.settle()

    async def leave(self, member: str) -> None:
        world = self.world
        gone = world.member_named(member)
        gone.present = False
        for channel in world.channels.values():
            channel.thread_members.discard(gone.user.id)
        await self.gateway.dispatch(
            "GUILD_MEMBER_REMOVE",
            {"guild_id": str(world.guild_id), "user": gone.user.payload()},
            intent=GUILD_MEMBERS,
        )
        await self.settle()

    async def join(self, member: str, *, locale: str | None = None, roles: list[str] | None = None) -> None:
        world = self.world
        user = world.users_by_name.get(member)
        if user is not None and not world.members[user.id].present:
            joined = world.members[user.id]
            joined.present = True
            joined.joined_at = self.clock.now()
        else:
            spec: dict[str, Any] = {"name": member, "roles": roles or []}
            if locale:
                spec["locale"] = locale
            joined = world.add_member(spec)
        data = joined.payload() | {"guild_id": str(world.guild_id)}
        await self.gateway.dispatch("GUILD_MEMBER_ADD", data, intent=GUILD_MEMBERS)
        await self.settle()

    async def set_member_roles(
        self, member: str, *, add: list[str] | tuple[str, ...] = (), remove: list[str] | tuple[str, ...] = ()
    ) -> None:
        """A moderator changes *member*'s roles: Discord tells the bot with GUILD_MEMBER_UPDATE."""
        world = self.world
        changed = world.member_named(member)
        world.set_roles(changed, add=add, remove=remove)
        data = changed.payload() | {"guild_id": str(world.guild_id)}
        await self.gateway.dispatch("GUILD_MEMBER_UPDATE", data, intent=GUILD_MEMBERS)
        await self.settle()

    async def reconnect(self) -> None:
        """Send op 7 RECONNECT: the client drops the socket and RESUMEs on resume_gateway_url."""
        await self.gateway.reconnect()
        await self.settle()

    # -- faults -------------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        template: str,
        *,
        status: int = 500,
        code: int = 0,
        message: str = "Internal Server Error",
        times: int = 1,
    ) -> None:
        """Make the next *times* requests to ``METHOD /path/{template}`` fail with this answer."""
        if (method.upper(), template) not in ROUTES:
            served = sorted(f"{m} {t}" for m, t in ROUTES)
            raise SandboxError(
                f"fail_next: the sandbox serves no {method.upper()} {template}; it serves {served}"
            )
        self.faults.append(Fault(method.upper(), template, status, code, message, times))

    def take_fault(self, method: str, template: str) -> Fault | None:
        for fault in self.faults:
            if fault.method == method and fault.template == template:
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    def deny_bot(self, *, channel: str, permission: str | list[str]) -> None:
        """A member overwrite on *channel* that takes permissions away from the bot."""
        names = [permission] if isinstance(permission, str) else permission
        deny = permission_value(names, where=f"deny_bot({channel})")
        world = self.world
        target = world.channel_named(channel)
        assert target is not None
        if target.is_thread and target.parent_id is not None:
            target = world.channels[target.parent_id]
        overwrite = next((o for o in target.overwrites if o.type == 1 and o.id == world.bot.id), None)
        if overwrite is None:
            overwrite = Overwrite(id=world.bot.id, type=1)
            target.overwrites.append(overwrite)
        overwrite.deny |= deny
        overwrite.allow &= ~deny
        if self.gateway.live:
            # discord.py reads permissions from its cache: tell it, as Discord would.
            self._background(self.gateway.dispatch("CHANNEL_UPDATE", target.payload(), intent=GUILDS))

    # -- settling -----------------------------------------------------------------------------

    def touch(self) -> None:
        self._activity = time.monotonic()

    def untracked(self) -> contextlib.AbstractContextManager[None]:
        """Tasks created inside are long-lived ones of the runner (a bot's connect task): no step
        waits for them. discord.py's connect task is recognised without this."""
        return self.tasks.untracked()

    async def settle(self, *, quiet: float | None = None, within: float | None = None) -> None:
        """Wait until the step is over: every task the bot started for it has finished or waits
        on a member, and no interaction still owes an answer within its deadline (``_settle.py``).

        *quiet* is accepted for older callers and ignored: no step ends on a quiet period. A task
        still busy after *within* seconds (``busy_limit``, 30 s) is an error line, then left alone.
        """
        await settle(self, self.busy_limit if within is None else within)

    def _background(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    # -- recording ----------------------------------------------------------------------------

    def record(
        self, action: str, *, channel: str | None, step: int | None = None, **fields: Any
    ) -> dict[str, Any]:
        interaction = _REQUEST_INTERACTION.get()
        if interaction is not None:
            if step is None and action == "error":
                # A refusal of an interaction's callback or followup belongs to the step that
                # created the interaction, however late the bot sends it.
                step = interaction.step
            answering = _ANSWERING.get()
            if action in _FIRST_ANSWERS and answering and answering[0] and interaction.sent_at is not None:
                answering[0] = False
                latency = round((time.perf_counter() - interaction.sent_at) * 1000, 1)
                fields["latency_ms"] = latency
                self.latencies.append((interaction.label, latency))
        if action == "error" and self.expected_codes:
            code = _REFUSED_CODE.search(str(fields.get("detail", "")))
            if code is not None and int(code.group(1)) in self.expected_codes:
                fields["expected"] = True
        step = self.step if step is None else step
        return self._transcript.add(action, step=step, channel=channel, **fields)

    def record_message(
        self, action: str, message: Message, *, brief: bool = False, channel: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        """A transcript line for *message*; *brief* leaves out what is not there yet (a defer).

        *channel* overrides where the line says it happened: a forum post is told from its forum.
        """
        fields: dict[str, Any] = (
            {}
            if brief
            else {
                "content": message.content,
                "embeds": message.embeds,
                "components": flatten_components(message.components),
            }
        )
        if message.allowed_mentions is not None:
            fields["allowed_mentions"] = message.allowed_mentions
        if message.visible_to is not None:
            fields["visible_to"] = message.visible_to.name
        elif message.channel.recipient is not None:
            fields["visible_to"] = message.channel.recipient.name
        if message.ephemeral:
            fields["ephemeral"] = True
        pings = [user.name for user in message.mentions] + [f"@{role.name}" for role in message.mention_roles]
        if message.mention_everyone:
            pings.insert(0, "@everyone")
        if pings and not message.ephemeral and action != "edit":
            fields["pings"] = pings
        if message.line is not None and action != "followup":
            fields["target"] = message.line
        line = self.record(action, channel=channel or message.channel.label, **fields, **extra)
        if message.line is None:
            message.line = line["line"]
        self._line_messages[line["line"]] = message
        return line

    def error(self, detail: str, *, channel: str | None = None, **fields: Any) -> dict[str, Any]:
        return self.record("error", channel=channel, detail=detail, **fields)

    def violation(self, text: str, *, channel: str | None = None, line: bool = True) -> None:
        self.violations.append(text)
        if line:
            self.error(f"contract violation: {text}", channel=channel)

    # -- messages and events ------------------------------------------------------------------

    def new_message(self, channel: Channel, author: User, content: str, **fields: Any) -> Message:
        world = self.world
        message = Message(
            id=world.snowflakes.next(),
            channel=channel,
            author=author,
            content=content,
            created_at=self.clock.now(),
            **fields,
        )
        world.messages[message.id] = message
        if not message.ephemeral:
            channel.last_message_id = message.id
            if channel.is_thread:
                channel.message_count += 1
        return message

    def message_payload(self, message: Message) -> dict[str, Any]:
        member = self.world.guild_member(message.author.id) if message.channel.guild_id is not None else None
        return message.payload(bot_id=self.world.application_id, member=member)

    async def emit_message(self, event: str, message: Message) -> None:
        if message.ephemeral:
            return  # Discord never broadcasts ephemeral messages
        in_guild = message.channel.guild_id is not None
        bot_mentioned = any(user.bot for user in message.mentions)
        gated = in_guild and not message.author.bot and not bot_mentioned
        payload = self.message_payload(message)
        await self.gateway.dispatch(
            event, payload, intent=GUILD_MESSAGES if in_guild else DIRECT_MESSAGES, gated_content=gated
        )

    async def emit_message_delete(self, message: Message) -> None:
        if message.ephemeral:
            return
        data = {"id": str(message.id), "channel_id": str(message.channel.id)}
        in_guild = message.channel.guild_id is not None
        if in_guild:
            data["guild_id"] = str(message.channel.guild_id)
        await self.gateway.dispatch(
            "MESSAGE_DELETE", data, intent=GUILD_MESSAGES if in_guild else DIRECT_MESSAGES
        )

    async def emit_reaction(self, event: str, message: Message, user: User, emoji: str) -> None:
        data: dict[str, Any] = {
            "user_id": str(user.id),
            "channel_id": str(message.channel.id),
            "message_id": str(message.id),
            "emoji": emoji_payload(emoji),
            "burst": False,
            "type": 0,
        }
        in_guild = message.channel.guild_id is not None
        if in_guild:
            data["guild_id"] = str(message.channel.guild_id)
            member = self.world.guild_member(user.id)
            if member is not None and event == "MESSAGE_REACTION_ADD":
                data["member"] = member.payload()
        if event == "MESSAGE_REACTION_ADD":
            data["message_author_id"] = str(message.author.id)
            data["burst_colors"] = []
        intent = GUILD_MESSAGE_REACTIONS if in_guild else DIRECT_MESSAGE_REACTIONS
        await self.gateway.dispatch(event, data, intent=intent)

    def guild_create_payload(self, intents: int) -> dict[str, Any]:
        world = self.world
        everyone_present = [m for m in world.members.values() if m.present]
        # Like Discord: without the presences intent only the bot's own member comes along.
        members = everyone_present if intents & GUILD_PRESENCES else [world.members[world.bot.id]]
        return {
            "id": str(world.guild_id),
            "name": world.guild_name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(world.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "preferred_locale": world.guild_locale,
            "features": [],
            "application_id": None,
            "max_members": 500000,
            "max_video_channel_users": 25,
            "premium_progress_bar_enabled": False,
            "roles": [role.payload() for role in world.roles.values()],
            "emojis": [],
            "stickers": [],
            "joined_at": world.members[world.bot.id].joined_at.isoformat(),
            "large": False,
            "unavailable": False,
            "member_count": len(everyone_present),
            "voice_states": [],
            "members": [member.payload() for member in members],
            "channels": [
                c.payload() for c in world.channels.values() if c.guild_id is not None and not c.is_thread
            ],
            "threads": [c.payload() for c in world.channels.values() if c.is_thread],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

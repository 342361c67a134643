"""The gateway: HELLO, IDENTIFY, READY, GUILD_CREATE, heartbeats, RESUME, member chunks, events."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from bot.sandbox.errors import SandboxError

if TYPE_CHECKING:
    from bot.sandbox._host import Host

_log = logging.getLogger(__name__)

HEARTBEAT_INTERVAL_MS = 41_250
RESUME_BUFFER = 1000

# Intents: https://discord.com/developers/docs/events/gateway#gateway-intents
GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_MESSAGES = 1 << 9
GUILD_MESSAGE_REACTIONS = 1 << 10
DIRECT_MESSAGES = 1 << 12
DIRECT_MESSAGE_REACTIONS = 1 << 13
MESSAGE_CONTENT = 1 << 15

_OP_DISPATCH, _OP_HEARTBEAT, _OP_IDENTIFY, _OP_RESUME, _OP_RECONNECT = 0, 1, 2, 6, 7
_OP_REQUEST_MEMBERS, _OP_INVALID_SESSION, _OP_HELLO, _OP_HEARTBEAT_ACK = 8, 9, 10, 11


@dataclass(eq=False)
class Session:
    """One IDENTIFY: survives a dropped socket until the client resumes it or closes cleanly."""

    id: str
    intents: int
    shard: list[int] | None
    ws: web.WebSocketResponse | None = None
    seq: int = 0
    buffer: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=RESUME_BUFFER))
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    ready: bool = False
    closed: bool = False

    @property
    def connected(self) -> bool:
        return self.ws is not None and not self.ws.closed and not self.closed


class Gateway:
    def __init__(self, sandbox: Host) -> None:
        self._sandbox = sandbox
        self.sessions: list[Session] = []
        self.resumes = 0
        self.identifies = 0

    @property
    def live(self) -> list[Session]:
        return [session for session in self.sessions if session.connected and session.ready]

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        session: Session | None = None
        await ws.send_str(json.dumps({"op": _OP_HELLO, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}}))
        try:
            async for message in ws:
                if message.type is not WSMsgType.TEXT:
                    continue
                payload = json.loads(message.data)
                session = await self._on_payload(ws, session, payload)
        finally:
            if session is not None and session.ws is ws:
                session.ws = None
                # A clean close (1000, or 1001 going away) ends the session; anything else may resume.
                if ws.close_code in (1000, 1001) and session in self.sessions:
                    session.closed = True
                    self.sessions.remove(session)
        return ws

    async def _on_payload(
        self, ws: web.WebSocketResponse, session: Session | None, payload: dict[str, Any]
    ) -> Session | None:
        op = payload.get("op")
        data = payload.get("d")
        self._sandbox.touch()
        if op == _OP_HEARTBEAT:
            await ws.send_str(json.dumps({"op": _OP_HEARTBEAT_ACK}))
        elif op == _OP_IDENTIFY:
            return await self._identify(ws, data or {})
        elif op == _OP_RESUME:
            return await self._resume(ws, data or {})
        elif op == _OP_REQUEST_MEMBERS and session is not None:
            await self._send_chunk(session, data or {})
        elif op not in (3, 4):  # presence and voice updates need no answer here
            self._sandbox.violation(f"gateway: unexpected op {op!r}")
        return session

    async def _identify(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> Session | None:
        if data.get("token") != self._sandbox.token:
            self._sandbox.violation("gateway: IDENTIFY with a wrong token")
            await ws.close(code=4004, message=b"Authentication failed.")
            return None
        self.identifies += 1
        shard = data.get("shard")
        session = Session(id=secrets.token_hex(16), intents=int(data.get("intents", 0)), shard=shard, ws=ws)
        self.sessions.append(session)
        world = self._sandbox.world
        ready: dict[str, Any] = {
            "v": 10,
            "user": world.bot.payload() | {"verified": True, "mfa_enabled": False},
            "guilds": [] if world.guild_id is None else [{"id": str(world.guild_id), "unavailable": True}],
            "session_id": session.id,
            "resume_gateway_url": self._sandbox.gateway_url + "resume/",
            "application": {"id": str(world.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "session_type": "normal",
            "auth_session_id_hash": "",
        }
        if shard is not None:
            ready["shard"] = shard
        await self._send(session, "READY", ready)
        if world.guild_id is not None:
            await self._send(session, "GUILD_CREATE", self._sandbox.guild_create_payload(session.intents))
        session.ready = True
        return session

    async def _resume(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> Session | None:
        session = next((s for s in self.sessions if s.id == data.get("session_id")), None)
        if session is None or data.get("token") != self._sandbox.token:
            await ws.send_str(json.dumps({"op": _OP_INVALID_SESSION, "d": False}))
            return None
        self.resumes += 1
        previous, session.ws = session.ws, ws
        if previous is not None and not previous.closed:
            # The client gave up on that socket before the server noticed; the resume wins.
            await previous.close(code=4000)
        seen = int(data.get("seq") or 0)
        async with session.lock:
            for payload in list(session.buffer):
                if payload["s"] > seen:
                    await ws.send_str(json.dumps(payload))
        await self._send(session, "RESUMED", {})
        return session

    async def _send_chunk(self, session: Session, data: dict[str, Any]) -> None:
        world = self._sandbox.world
        query = str(data.get("query") or "").lower()
        limit = int(data.get("limit") or 0)
        wanted = {int(x) for x in data.get("user_ids") or []}
        members = [
            member
            for member in world.members.values()
            if member.present
            and (not wanted or member.user.id in wanted)
            and member.user.name.lower().startswith(query)
        ]
        if limit:
            members = members[:limit]
        chunk: dict[str, Any] = {
            "guild_id": str(world.guild_id),
            "members": [member.payload() for member in members],
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if wanted:
            chunk["not_found"] = [str(x) for x in wanted - {m.user.id for m in members}]
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        await self._send(session, "GUILD_MEMBERS_CHUNK", chunk)

    async def _send(self, session: Session, event: str, data: dict[str, Any]) -> None:
        async with session.lock:
            session.seq += 1
            payload = {"op": _OP_DISPATCH, "t": event, "s": session.seq, "d": data}
            session.buffer.append(payload)
            if session.ws is not None and not session.ws.closed:
                try:
                    await session.ws.send_str(json.dumps(payload))
                except ConnectionError:
                    _log.debug("gateway: %s lost, %s kept for resume", session.id, event)
        self._sandbox.touch()

    async def dispatch(
        self,
        event: str,
        data: dict[str, Any],
        *,
        intent: int | None,
        gated_content: bool = False,
    ) -> None:
        """Send an event to every session that asked for it, as Discord does."""
        for session in list(self.sessions):
            if session.closed or (intent is not None and not session.intents & intent):
                continue
            payload = data
            if gated_content and not session.intents & MESSAGE_CONTENT:
                payload = {**data, "content": "", "embeds": [], "attachments": [], "components": []}
            await self._send(session, event, payload)

    async def dispatch_interaction(self, data: dict[str, Any]) -> None:
        live = self.live
        if not live:
            raise SandboxError("no bot is connected to the gateway")
        await self._send(live[-1], "INTERACTION_CREATE", data)

    async def reconnect(self) -> None:
        """Ask every live session to reconnect and resume (op 7), as Discord does during deploys."""
        for session in self.live:
            assert session.ws is not None
            await session.ws.send_str(json.dumps({"op": _OP_RECONNECT, "d": None}))

    async def close(self) -> None:
        for session in list(self.sessions):
            session.closed = True
            if session.ws is not None and not session.ws.closed:
                await session.ws.close(code=1001)
        self.sessions.clear()

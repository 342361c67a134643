"""The REST side: one aiohttp handler that routes, authenticates, rate-limits and validates.

Route handlers live in ``_routes_*`` modules; this module also holds the small ones (identity,
gateway discovery, command sync, guild reads).
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from aiohttp import BodyPartReader, web

from bot.sandbox import _routes_channels, _routes_interactions, _routes_members, _routes_messages
from bot.sandbox._gateway import GUILDS
from bot.sandbox._http import ROUTES, ApiError, Call, Handler, Reply, json_reply, no_content, route
from bot.sandbox._limits import RateLimits, Verdict
from bot.sandbox._model import Message
from bot.sandbox.contract import PathMatcher, command_rules, discord_errors

if TYPE_CHECKING:
    from bot.sandbox._host import Host

_PREFIX = "/api/v10"
# Longer waits (an hour of publishes) outlast any step; the step does not wait for them.
_HOLD_AT_MOST_S = 5.0
# Interaction endpoints are not bound by the global rate limit, nor by the bot token.
_INTERACTION_ROUTES = ("/interactions/", "/webhooks/{webhook_id}/{webhook_token}")
# Imported for their @route registrations.
_ROUTE_MODULES = (_routes_messages, _routes_channels, _routes_members, _routes_interactions)


def _is_interaction_route(template: str) -> bool:
    return template.startswith(_INTERACTION_ROUTES)


class Rest:
    def __init__(self, sandbox: Host) -> None:
        self._sandbox = sandbox
        self.inflight = 0
        self.requests: list[tuple[str, str]] = []
        self.nonces: dict[tuple[int, str], Message] = {}
        self.limits = RateLimits(sandbox.clock)
        # Tests of the sandbox itself turn this on: answers are checked against Discord's document.
        self.check_responses = False
        self._matcher: PathMatcher | None = None

    @property
    def matcher(self) -> PathMatcher:
        if self._matcher is None:
            templates = set(self._sandbox.contract.templates) | {template for _, template in ROUTES}
            self._matcher = PathMatcher(templates)
        return self._matcher

    async def handle(self, request: web.Request) -> web.StreamResponse:
        sandbox = self._sandbox
        self.inflight += 1
        sandbox.touch()
        try:
            return await self._handle(request)
        finally:
            self.inflight -= 1
            sandbox.touch()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        sandbox = self._sandbox
        method = request.method
        raw_path = request.rel_url.raw_path
        if not raw_path.startswith(_PREFIX + "/"):
            sandbox.violation(f"request outside the API: {method} {raw_path}")
            return _json({"message": "404: Not Found", "code": 0}, 404)
        segments = [unquote(part) for part in raw_path[len(_PREFIX) + 1 :].split("/")]
        matched = self.matcher.match(segments)
        handler = ROUTES.get((method, matched[0])) if matched else None
        self.requests.append((method, matched[0] if matched else raw_path))
        if matched is None or handler is None:
            if matched is not None and sandbox.contract.operation_exists(method, matched[0]):
                sandbox.violation(f"route the sandbox does not serve yet: {method} {matched[0]}")
            else:
                sandbox.violation(f"unknown route: {method} {raw_path[len(_PREFIX) :]}")
            return _json({"message": "404: Not Found", "code": 0}, 404)
        template, params = matched
        if (
            not _is_interaction_route(template)
            and request.headers.get("Authorization") != f"Bot {sandbox.token}"
        ):
            sandbox.violation(f"{method} {template}: missing or wrong bot token")
            return _json({"message": "401: Unauthorized", "code": 0}, 401)
        for thread in sandbox.world.archive_idle_threads():
            await sandbox.gateway.dispatch("THREAD_UPDATE", thread.payload(), intent=GUILDS)
        self.limits.global_per_s = sandbox.rate_limit_per_s
        self.limits.routes = sandbox.route_limits
        self.limits.window_scale = sandbox.route_window_scale
        verdict = self.limits.take(method, template, params)
        if verdict is not None and verdict.limited:
            return self._too_many(method, template, verdict)
        response = await self._answer(request, handler, template, params)
        if verdict is not None:
            response.headers.update(verdict.headers)
            if verdict.exhausted and verdict.reset_after <= _HOLD_AT_MOST_S:
                self._hold(verdict.reset_after)
        return response

    def _hold(self, seconds: float) -> None:
        """Count a bucket the client waits out as work in flight, so a step does not end meanwhile.

        discord.py sleeps until the reset as soon as a response says ``Remaining: 0``, inside the
        call that emptied the bucket: the bot's handler is still busy although the wire is quiet.
        """
        self.inflight += 1

        def release() -> None:
            self.inflight -= 1
            self._sandbox.touch()

        asyncio.get_running_loop().call_later(seconds, release)

    async def _answer(
        self, request: web.Request, handler: Handler, template: str, params: dict[str, str]
    ) -> web.Response:
        sandbox = self._sandbox
        method = request.method
        try:
            body, files = await _read_body(request)
            call = Call(sandbox, method, template, params, dict(request.query), body, files)
            problems = sandbox.contract.check(
                method, template, params=call.params, query=call.query, body=body
            )
            if problems:
                raise ApiError(
                    400,
                    50035,
                    "Invalid Form Body",
                    errors=discord_errors(problems),
                    violation=True,
                    detail="; ".join(problem.describe() for problem in problems),
                )
            fault = sandbox.take_fault(method, template)
            if fault is not None:
                raise ApiError(fault.status, fault.code, fault.message, detail="injected by fail_next")
            reply = await handler(call)
        except ApiError as error:
            return self._refuse(method, template, error)
        if reply.status == 204:
            return web.Response(status=204)
        if self.check_responses:
            for problem in sandbox.contract.response_problems(method, template, reply.status, reply.body):
                sandbox.violation(
                    f"the sandbox's answer to {method} {template} is not Discord's: {problem.describe()}"
                )
        return _json(reply.body, reply.status)

    def _refuse(self, method: str, template: str, error: ApiError) -> web.Response:
        sandbox = self._sandbox
        summary = f"{method} {template} → {error.status} {error.code} {error.message}"
        if error.detail:
            summary += f": {error.detail}"
        channel = None if error.channel is None else error.channel.label
        if error.violation:
            sandbox.violation(summary, channel=channel, line=False)
        sandbox.error(summary, channel=channel)
        if error.status == 429:  # slowmode, or one injected: a 429 always says how long to wait
            sandbox.rate_limited += 1
            body = {"retry_after": 1.0, "global": False} | error.body()
            return _json(body, 429, {"X-RateLimit-Scope": "user", "Via": "1.1 google"})
        return _json(error.body(), error.status)

    def _too_many(self, method: str, template: str, verdict: Verdict) -> web.Response:
        sandbox = self._sandbox
        sandbox.rate_limited += 1
        if verdict.is_global:
            what = f"global rate limit: more than {sandbox.rate_limit_per_s} requests in a second"
        else:
            assert verdict.rule is not None
            rule = verdict.rule
            what = f"rate limit: {rule.name}, {rule.limit} per {rule.per:g} s"
            if sandbox.route_window_scale != 1.0:
                what += f" (windows scaled by {sandbox.route_window_scale:g})"
        sandbox.error(f"{method} {template} → 429 {what} (retry after {verdict.retry_after:g} s)")
        return _json(verdict.body(), 429, verdict.refusal_headers())


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # Exactly "application/json": discord.py does not parse a body whose type carries a charset.
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    return web.Response(body=json.dumps(body).encode(), status=status, headers=all_headers)


async def _read_body(request: web.Request) -> tuple[Any, list[dict[str, Any]]]:
    if not request.can_read_body:
        return None, []
    content_type = request.content_type
    if content_type == "multipart/form-data":
        body: Any = None
        files: list[dict[str, Any]] = []
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader):
                continue  # nested multipart: discord.py never sends one
            data = await part.read()
            if part.name == "payload_json":
                body = _parse_json(data.decode())
            else:
                files.append(
                    {
                        "name": part.name,
                        "filename": part.filename or "file",
                        "size": len(data),
                        "content_type": part.headers.get("Content-Type"),
                        "data": bytes(data),
                    }
                )
        return body, files
    text = await request.text()
    if not text:
        return None, []
    if content_type != "application/json":
        raise ApiError(
            400,
            50035,
            "Invalid Form Body",
            violation=True,
            detail=f"body sent as {content_type!r}, not application/json",
        )
    return _parse_json(text), []


def _parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ApiError(
            400, 50109, "The request body contains invalid JSON.", violation=True, detail=str(error)
        ) from None


# -- identity and discovery ----------------------------------------------------------------------


@route("GET", "/users/@me")
async def me(call: Call) -> Reply:
    return json_reply(call.world.bot.payload() | {"verified": True, "mfa_enabled": False, "locale": "en-US"})


@route("GET", "/users/{user_id}")
async def get_user(call: Call) -> Reply:
    world = call.world
    user_id = call.snowflake("user_id")
    users = [world.bot, *world.users_by_name.values()]
    user = next((u for u in users if u.id == user_id), None)
    if user is None:
        raise ApiError(404, 10013, "Unknown User")
    return json_reply(user.payload())


def _application(call: Call) -> dict[str, Any]:
    world = call.world
    return {
        "id": str(world.application_id),
        "name": world.bot.name,
        "description": "",
        "icon": None,
        "bot_public": False,
        "bot_require_code_grant": False,
        "owner": {
            "id": str(world.owner_id),
            "username": "owner",
            "global_name": "owner",
            "discriminator": "0",
            "avatar": None,
            "public_flags": 0,
            "flags": 0,
            "primary_guild": None,
        },
        "team": None,
        "verify_key": "0" * 64,
        "flags": (1 << 13) | (1 << 15) | (1 << 19),  # members, message content and presences intents enabled
        "summary": "",
        "rpc_origins": [],
        "bot": world.bot.payload(),
        "install_params": {"scopes": ["bot", "applications.commands"], "permissions": "0"},
        "approximate_guild_count": 1,
        "approximate_user_install_count": 0,
        "approximate_user_authorization_count": 0,
        "type": None,
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "role_connections_verification_url": None,
        "flags_new": str((1 << 13) | (1 << 15) | (1 << 19)),
        "explicit_content_filter": 0,
        "eligible_oauth2_scopes": [],
    }


@route("GET", "/oauth2/applications/@me")
async def oauth_application(call: Call) -> Reply:
    return json_reply(_application(call))


@route("GET", "/applications/@me")
async def application(call: Call) -> Reply:
    return json_reply(_application(call))


@route("GET", "/gateway")
async def gateway(call: Call) -> Reply:
    return json_reply({"url": call.sandbox.gateway_url})


@route("GET", "/gateway/bot")
async def gateway_bot(call: Call) -> Reply:
    return json_reply(
        {
            "url": call.sandbox.gateway_url,
            "shards": 1,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 14_400_000,
                "max_concurrency": 1,
            },
        }
    )


# -- application commands ------------------------------------------------------------------------

_GLOBAL = "/applications/{application_id}/commands"
_GUILD = "/applications/{application_id}/guilds/{guild_id}/commands"


def _scope(call: Call) -> int | None:
    world = call.world
    if call.params["application_id"] != str(world.application_id):
        raise ApiError(403, 50001, "Missing Access", detail="another application's commands")
    if "guild_id" not in call.params:
        return None
    if call.params["guild_id"] != str(world.guild_id):
        raise ApiError(
            403, 50001, "Missing Access", detail=f"the bot is not in guild {call.params['guild_id']}"
        )
    return int(call.params["guild_id"])


def _stored_command(
    call: Call, scope: int | None, body: dict[str, Any], previous: dict[str, Any] | None
) -> dict[str, Any]:
    world = call.world
    kind = body.get("type", 1)
    command: dict[str, Any] = {
        "id": previous["id"] if previous else str(world.snowflakes.next()),
        "application_id": str(world.application_id),
        "version": str(world.snowflakes.next()),
        "type": kind,
        "name": body["name"],
        "name_localizations": body.get("name_localizations"),
        "description": body.get("description") or "",
        "description_localizations": body.get("description_localizations"),
        "options": body.get("options") or [],
        "default_member_permissions": None
        if body.get("default_member_permissions") is None
        else str(body["default_member_permissions"]),
        "dm_permission": body.get("dm_permission", True),
        "contexts": body.get("contexts"),
        "integration_types": body.get("integration_types") or [0],
        "nsfw": bool(body.get("nsfw", False)),
    }
    if scope is not None:
        command["guild_id"] = str(scope)
    return command


@route("GET", _GLOBAL)
@route("GET", _GUILD)
async def list_commands(call: Call) -> Reply:
    return json_reply(call.sandbox.commands.get(_scope(call), []))


@route("PUT", _GLOBAL)
@route("PUT", _GUILD)
async def overwrite_commands(call: Call) -> Reply:
    scope = _scope(call)
    existing = {(c["type"], c["name"]): c for c in call.sandbox.commands.get(scope, [])}
    commands = [
        _stored_command(call, scope, body, existing.get((body.get("type", 1), body.get("name"))))
        for body in call.body or []
    ]
    call.sandbox.commands[scope] = commands
    return json_reply(commands)


@route("POST", _GLOBAL)
@route("POST", _GUILD)
async def create_command(call: Call) -> Reply:
    scope = _scope(call)
    body = call.body or {}
    commands = call.sandbox.commands.setdefault(scope, [])
    previous = next(
        (c for c in commands if c["name"] == body.get("name") and c["type"] == body.get("type", 1)), None
    )
    command = _stored_command(call, scope, body, previous)
    if previous is not None:
        commands[commands.index(previous)] = command
        return json_reply(command)
    commands.append(command)
    return json_reply(command, 201)


def _command_at(call: Call) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    commands = call.sandbox.commands.get(_scope(call), [])
    command = next((c for c in commands if c["id"] == call.params["command_id"]), None)
    if command is None:
        raise ApiError(404, 10063, "Unknown application command")
    return commands, command


@route("GET", _GLOBAL + "/{command_id}")
@route("GET", _GUILD + "/{command_id}")
async def get_command(call: Call) -> Reply:
    return json_reply(_command_at(call)[1])


@route("PATCH", _GLOBAL + "/{command_id}")
@route("PATCH", _GUILD + "/{command_id}")
async def edit_command(call: Call) -> Reply:
    commands, command = _command_at(call)
    merged = command | (call.body or {})
    problems = command_rules(merged)
    if problems:
        raise ApiError(
            400,
            50035,
            "Invalid Form Body",
            errors=discord_errors(problems),
            violation=True,
            detail="; ".join(problem.describe() for problem in problems),
        )
    updated = _stored_command(call, _scope(call), merged, command)
    commands[commands.index(command)] = updated
    return json_reply(updated)


@route("DELETE", _GLOBAL + "/{command_id}")
@route("DELETE", _GUILD + "/{command_id}")
async def delete_command(call: Call) -> Reply:
    commands, command = _command_at(call)
    commands.remove(command)
    return no_content()


# -- guild reads ---------------------------------------------------------------------------------


def _guild(call: Call) -> None:
    if call.params["guild_id"] != str(call.world.guild_id):
        raise ApiError(404, 10004, "Unknown Guild")


@route("GET", "/guilds/{guild_id}")
async def get_guild(call: Call) -> Reply:
    _guild(call)
    payload = call.sandbox.guild_create_payload(0)
    for key in (
        "members",
        "channels",
        "threads",
        "presences",
        "voice_states",
        "joined_at",
        "large",
        "member_count",
    ):
        payload.pop(key, None)
    return json_reply(payload)


@route("GET", "/guilds/{guild_id}/channels")
async def guild_channels(call: Call) -> Reply:
    _guild(call)
    world = call.world
    return json_reply(
        [c.payload() for c in world.channels.values() if c.guild_id is not None and not c.is_thread]
    )


@route("GET", "/guilds/{guild_id}/roles")
async def guild_roles(call: Call) -> Reply:
    _guild(call)
    return json_reply([role.payload() for role in call.world.roles.values()])


@route("GET", "/guilds/{guild_id}/members/{user_id}")
async def guild_member(call: Call) -> Reply:
    _guild(call)
    member = call.world.guild_member(call.snowflake("user_id"))
    if member is None:
        raise ApiError(404, 10007, "Unknown Member")
    return json_reply(member.payload())


@route("GET", "/guilds/{guild_id}/members")
async def guild_members(call: Call) -> Reply:
    _guild(call)
    after = int(call.query.get("after", "0"))
    limit = int(call.query.get("limit", "1"))
    members = sorted(
        (m for m in call.world.members.values() if m.present and m.user.id > after), key=lambda m: m.user.id
    )
    return json_reply([member.payload() for member in members[:limit]])


@route("GET", "/guilds/{guild_id}/threads/active")
async def active_threads(call: Call) -> Reply:
    _guild(call)
    threads = [c for c in call.world.channels.values() if c.is_thread and not c.archived]
    return json_reply({"threads": [t.payload() for t in threads], "members": []})

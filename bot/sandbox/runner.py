"""Runs a scenario script (shared/SANDBOX_SCRIPT.md) against a bot in the sandbox.

The runner owns the clock, the sandbox, a fresh database and the bot's lifecycle; every bot action
lands in the transcript, and every failure (a bad step, a bot exception, a refused request) as an
``error`` line that makes the run exit non-zero.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import tempfile
import traceback
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import discord

from bot.clock import ManualClock, SystemClock
from bot.sandbox._transcript import format_line
from bot.sandbox._uploads import Upload
from bot.sandbox.errors import SandboxError
from bot.sandbox.sandbox import DiscordSandbox

BOT_READY_TIMEOUT_S = 30.0
BOT_STOP_TIMEOUT_S = 10.0
EXIT_OK, EXIT_FAILED, EXIT_BAD_SCRIPT = 0, 1, 2
# What the bot does while starting, before any step ran (posts on ready, say), carries step -1.
BEFORE_FIRST_STEP = -1
LOGGERS = ("discord", "bot")

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
_DURATION = re.compile(r"(?:\d+[smhdw])+")
_PART = re.compile(r"(\d+)([smhdw])")
_ACTIONS = (
    "command",
    "autocomplete",
    "user_command",
    "message_command",
    "modal",
    "dismiss",
    "click",
    "select",
    "say",
    "react",
    "roles",
    "leave",
    "join",
    "advance",
    "restart",
    "stop",
    "start",
)
_NEEDS_AS = {
    "command",
    "autocomplete",
    "user_command",
    "message_command",
    "modal",
    "dismiss",
    "click",
    "select",
    "say",
    "react",
    "roles",
}
_STEP_KEYS = {
    *_ACTIONS,
    *("as", "options", "channel", "message", "locale", "option", "value", "target", "attachments"),
    *("expect", "expect_error"),
}


class BotFactory(Protocol):
    def __call__(self, *, clock: ManualClock, database_url: str) -> discord.Client: ...


def parse_duration(text: str) -> timedelta:
    """``90s``, ``15m``, ``2h``, ``3d``, ``1w`` and combinations such as ``1d12h``."""
    cleaned = str(text).strip().lower()
    if not _DURATION.fullmatch(cleaned):
        raise SandboxError(
            f"bad duration {text!r}: write a number and a unit (s, m, h, d, w), e.g. 90s, 2h, 1d12h"
        )
    return timedelta(seconds=sum(int(amount) * _UNITS[unit] for amount, unit in _PART.findall(cleaned)))


def parse_start(value: Any) -> datetime:
    if value is None:
        return SystemClock().now()
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise SandboxError(f"start {value!r} is not an ISO 8601 time such as 2026-03-27T09:00:00Z") from None
    if when.tzinfo is None:
        raise SandboxError(f"start {value!r} has no time zone: end it with Z")
    return when.astimezone(UTC)


def script_problems(script: Any) -> list[str]:
    """Everything wrong with a script's shape, found before anything runs."""
    if not isinstance(script, dict):
        return ["a script is a JSON object with guild, start and steps"]
    problems = []
    guild = script.get("guild")
    if not isinstance(guild, dict):
        problems.append("guild: missing (an object with channels, roles and members)")
    try:
        parse_start(script.get("start"))
    except SandboxError as error:
        problems.append(str(error))
    steps = script.get("steps", [])
    if not isinstance(steps, list):
        return [*problems, "steps: must be a list"]
    for index, step in enumerate(steps):
        if not isinstance(step, dict):
            problems.append(f"step {index}: must be an object")
            continue
        # "roles" is the list a joining member gets, or else a step of its own.
        actions = [key for key in _ACTIONS if key in step and not (key == "roles" and "join" in step)]
        unknown = sorted(set(step) - _STEP_KEYS)
        if unknown:
            problems.append(f"step {index}: unknown keys {unknown}")
        if len(actions) != 1:
            problems.append(f"step {index}: needs exactly one of {list(_ACTIONS)}, found {actions}")
            continue
        action = actions[0]
        if action in _NEEDS_AS and not isinstance(step.get("as"), str):
            problems.append(f'step {index}: {action} needs "as": the member\'s name')
        if action == "advance":
            try:
                parse_duration(step["advance"])
            except SandboxError as error:
                problems.append(f"step {index}: {error}")
        if action in {"modal", "select"} and not isinstance(step[action], dict):
            problems.append(f"step {index}: {action} takes an object")
        if "options" in step and not isinstance(step["options"], dict):
            problems.append(f"step {index}: options take an object keyed by option name")
        problems.extend(f"step {index}: {problem}" for problem in _extension_problems(action, step))
    return problems


def _extension_problems(action: str, step: dict[str, Any]) -> list[str]:
    problems = []
    if action == "autocomplete" and not isinstance(step.get("option"), str):
        problems.append('autocomplete needs "option": the name of the option being typed')
    if action == "user_command" and not isinstance(step.get("target"), str):
        problems.append('user_command needs "target": a member\'s name')
    if action == "message_command" and "message" not in step:
        problems.append('message_command needs "message": a line number or a selector')
    if action == "dismiss" and step["dismiss"] != "modal":
        problems.append('dismiss takes "modal"')
    if action == "roles":
        roles = step["roles"]
        if not isinstance(roles, dict) or set(roles) - {"add", "remove"}:
            problems.append('roles takes {"add": [...], "remove": [...]}')
    if "attachments" in step and not isinstance(step["attachments"], dict):
        problems.append("attachments take an object: option or field name to a file")
    if "expect" in step and (step["expect"] != "refused" or action not in _NEEDS_AS):
        problems.append('expect takes "refused", on a member\'s step')
    codes = step.get("expect_error")
    if codes is not None and not (isinstance(codes, list) and all(isinstance(c, int) for c in codes)):
        problems.append("expect_error takes a list of Discord error codes such as [50007]")
    message = step.get("message")
    if isinstance(message, dict) and set(message) - {"from", "channel", "contains"}:
        problems.append('a message selector takes "from": "bot", "channel" and "contains"')
    return problems


class ErrorLines(logging.Handler):
    """Turns the bot's logged exceptions into ``error`` lines: discord.py logs what it swallows."""

    def __init__(self, sandbox: DiscordSandbox) -> None:
        super().__init__(level=logging.ERROR)
        self._sandbox = sandbox

    def emit(self, record: logging.LogRecord) -> None:
        if not record.exc_info or record.exc_info[1] is None:
            return
        error = record.exc_info[1]
        detail = f"{record.getMessage()}: {type(error).__name__}: {error}{_where(error)}"
        self._sandbox.error(detail, logger=record.name)


def _where(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    return f" ({Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""


@contextlib.contextmanager
def capture_bot_errors(sandbox: DiscordSandbox) -> Iterator[ErrorLines]:
    handler = ErrorLines(sandbox)
    for name in LOGGERS:
        logging.getLogger(name).addHandler(handler)
    try:
        yield handler
    finally:
        for name in LOGGERS:
            logging.getLogger(name).removeHandler(handler)


class RunningBot:
    """One bot instance connected to the sandbox; ``restart`` swaps in a fresh one."""

    def __init__(self, bot: discord.Client, task: asyncio.Task[None]) -> None:
        self.bot = bot
        self.task = task

    @classmethod
    async def start(
        cls, factory: BotFactory, clock: ManualClock, database_url: str, sandbox: DiscordSandbox
    ) -> RunningBot:
        bot = factory(clock=clock, database_url=database_url)
        await bot.login(sandbox.token)
        with sandbox.untracked():
            task = asyncio.create_task(bot.connect(reconnect=False))
        ready = asyncio.create_task(bot.wait_until_ready())
        done, _ = await asyncio.wait(
            {task, ready}, timeout=BOT_READY_TIMEOUT_S, return_when=asyncio.FIRST_COMPLETED
        )
        if ready not in done:
            ready.cancel()
            running = cls(bot, task)
            reason = (
                f"stopped: {task.exception()!r}"
                if task in done
                else f"was not ready within {BOT_READY_TIMEOUT_S:g} s"
            )
            await running.stop()
            raise SandboxError(f"the bot {reason}")
        await sandbox.settle()
        return cls(bot, task)

    async def stop(self) -> None:
        await self.bot.close()
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.wait_for(self.task, BOT_STOP_TIMEOUT_S)


async def run_script(
    script: dict[str, Any],
    *,
    bot_factory: BotFactory,
    database_url: str | None = None,
    transcript_path: Path | None = None,
    echo: Callable[[str], None] | None = None,
    script_dir: Path | None = None,
    route_window_scale: float = 1.0,
) -> int:
    """Run *script*: 0 when every step ran and no line is an unexpected error, 1 otherwise, 2 for
    a bad script. Files a step attaches are read from *script_dir* (default: the working folder).
    *route_window_scale* below 1 shortens the rate-limit windows in real time (tests; see
    ``DiscordSandbox.route_window_scale``)."""
    problems = script_problems(script)
    clock = ManualClock(SystemClock().now() if problems else parse_start(script.get("start")))
    sandbox = DiscordSandbox(clock=clock)
    sandbox.route_window_scale = route_window_scale
    if echo is not None:
        sandbox.on_line(lambda line: echo(format_line(line)))
    if problems:
        for problem in problems:
            sandbox.error(f"bad script: {problem}")
        if transcript_path is not None:
            sandbox.write_transcript(transcript_path)
        return EXIT_BAD_SCRIPT
    failed = False
    play = Play(sandbox, clock, bot_factory, "", script_dir or Path.cwd())
    with tempfile.TemporaryDirectory(prefix="sandbox-") as folder, capture_bot_errors(sandbox):
        play.url = database_url or f"sqlite+aiosqlite:///{folder}/sandbox.db"
        await sandbox.start()
        sandbox.install()
        try:
            sandbox.build_guild(script["guild"])
            sandbox.step = BEFORE_FIRST_STEP
            play.running = await RunningBot.start(bot_factory, clock, play.url, sandbox)
            for index, step in enumerate(script.get("steps", [])):
                sandbox.step = index
                if echo is not None:
                    echo(f"» step {index}: {_describe(step, clock)}")
                await play.step(step)
        except SandboxError as error:
            where = "start" if sandbox.step == BEFORE_FIRST_STEP else f"step {sandbox.step}"
            sandbox.error(f"{where} failed: {error}")
            failed = True
        except Exception as error:  # the bot's own start-up (setup_hook, login) raised
            sandbox.error(f"the bot raised {type(error).__name__}: {error}{_where(error)}")
            failed = True
        finally:
            sandbox.expected_codes = frozenset()
            if play.running is not None:
                await play.running.stop()
            await sandbox.stop()
            if transcript_path is not None:
                sandbox.write_transcript(transcript_path)
    if echo is not None:
        for summary in latency_summary(sandbox):
            echo(summary)
    unexpected = [
        line for line in sandbox.transcript if line["action"] == "error" and not line.get("expected")
    ]
    if failed or sandbox.violations or unexpected:
        return EXIT_FAILED
    return EXIT_OK


def latency_summary(sandbox: DiscordSandbox) -> list[str]:
    """p50 and p99 of the bot's first answers per command, and the 429s the sandbox answered."""
    by_command: dict[str, list[float]] = {}
    for name, latency in sandbox.latencies:
        by_command.setdefault(name, []).append(latency)
    lines = ["latency of first answers (real ms):"] if by_command else []
    for name, values in sorted(by_command.items()):
        lines.append(
            f"  {name}: p50 {percentile(values, 50):.1f}, p99 {percentile(values, 99):.1f} (n={len(values)})"
        )
    lines.append(f"rate limited (429): {sandbox.rate_limited}")
    return lines


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile: the smallest value with at least *pct* % of values at or below it."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


class Play:
    """The bot's lifecycle across steps: running, stopped (downtime) and started again."""

    def __init__(
        self, sandbox: DiscordSandbox, clock: ManualClock, factory: BotFactory, url: str, folder: Path
    ) -> None:
        self.sandbox = sandbox
        self.clock = clock
        self.factory = factory
        self.url = url
        self.folder = folder
        self.running: RunningBot | None = None

    async def step(self, step: dict[str, Any]) -> None:
        sandbox = self.sandbox
        sandbox.expected_codes = frozenset(step.get("expect_error") or ())
        try:
            if step.get("expect") == "refused":
                await self._expect_refusal(step)
            else:
                await self._run(step)
        finally:
            sandbox.expected_codes = frozenset()

    async def _expect_refusal(self, step: dict[str, Any]) -> None:
        sandbox = self.sandbox
        try:
            await self._run(step)
        except SandboxError as error:
            sandbox.record("refused", channel=step.get("channel"), member=step.get("as"), detail=str(error))
            return
        sandbox.error("the step was expected to be refused, but it ran")

    async def _run(self, step: dict[str, Any]) -> None:
        sandbox = self.sandbox
        member = step.get("as", "")
        message = step.get("message", "last")
        channel = step.get("channel", "general")
        files = self._uploads(step)
        if "command" in step:
            options = dict(step.get("options") or {}) | files
            await sandbox.run_command(member, step["command"], options, channel=channel)
        elif "autocomplete" in step:
            options = dict(step.get("options") or {}) | {step["option"]: step.get("value", "")}
            await sandbox.autocomplete(
                member, step["autocomplete"], options, focused=step["option"], channel=channel
            )
        elif "user_command" in step:
            await sandbox.user_command(member, step["user_command"], step["target"], channel=channel)
        elif "message_command" in step:
            await sandbox.message_command(member, step["message_command"], message, channel=channel)
        elif "modal" in step:
            await sandbox.submit_modal(member, dict(step["modal"]) | files)
        elif "dismiss" in step:
            sandbox.dismiss_modal(member)
        elif "click" in step:
            await sandbox.click(member, step["click"], message=message)
        elif "select" in step:
            await sandbox.select(member, step["select"], message=message)
        elif "say" in step:
            await sandbox.say(member, step["say"], channel=channel)
        elif "react" in step:
            await sandbox.react(member, step["react"], message=message)
        elif "join" in step:
            await sandbox.join(step["join"], locale=step.get("locale"), roles=step.get("roles"))
        elif "roles" in step:
            changes = step["roles"]
            await sandbox.set_member_roles(
                member, add=changes.get("add") or [], remove=changes.get("remove") or []
            )
        elif "leave" in step:
            await sandbox.leave(step["leave"])
        else:
            await self._lifecycle(step)

    async def _lifecycle(self, step: dict[str, Any]) -> None:
        sandbox = self.sandbox
        if "advance" in step:
            delta = parse_duration(step["advance"])
            if self.running is None:
                self.clock.advance(delta)  # downtime: nothing runs until the bot is back
            else:
                await advance(self.running.bot, self.clock, delta, sandbox)
        elif "stop" in step:
            if self.running is None:
                raise SandboxError("the bot is already stopped")
            await self.running.stop()
            self.running = None
        elif "start" in step:
            if self.running is not None:
                raise SandboxError("the bot is already running: stop it first")
            self.running = await RunningBot.start(self.factory, self.clock, self.url, sandbox)
        elif "restart" in step:
            if self.running is not None:
                await self.running.stop()
            self.running = await RunningBot.start(self.factory, self.clock, self.url, sandbox)

    def _uploads(self, step: dict[str, Any]) -> dict[str, Upload]:
        return {
            name: Upload.from_file(self.folder / str(path))
            for name, path in (step.get("attachments") or {}).items()
        }


async def advance(bot: discord.Client, clock: ManualClock, delta: timedelta, sandbox: DiscordSandbox) -> None:
    """Move the clock. A bot with ``advance_clock`` runs each job at its own due time on the way
    (so the transcript shows when things happened); else the clock jumps and due jobs run once."""
    try:
        advance_clock = getattr(bot, "advance_clock", None)
        if advance_clock is not None:
            await advance_clock(delta)
        else:
            clock.advance(delta)
            run_due_jobs = getattr(bot, "run_due_jobs", None)
            if run_due_jobs is not None:
                await run_due_jobs()
    except Exception as error:  # the bot's failure is a transcript line, not the runner's crash
        sandbox.error(f"advancing the clock raised {type(error).__name__}: {error}")
    await sandbox.settle()


def _describe(step: dict[str, Any], clock: ManualClock) -> str:
    who = step.get("as")
    if "command" in step:
        options = " ".join(f"{key}:{value}" for key, value in (step.get("options") or {}).items())
        return f"{who} /{step['command']} {options}".rstrip() + f" in {step.get('channel', 'general')}"
    for key in ("modal", "click", "select", "say", "react", "roles", "dismiss"):
        if key in step:
            return f"{who} {key} {step[key]!r}"
    if "autocomplete" in step:
        return f"{who} types {step.get('value', '')!r} into /{step['autocomplete']} {step['option']}"
    if "user_command" in step:
        return f"{who} uses {step['user_command']!r} on {step['target']}"
    if "message_command" in step:
        return f"{who} uses {step['message_command']!r} on message {step['message']}"
    if "advance" in step:
        until = clock.now() + parse_duration(step["advance"])
        return f"advance {step['advance']} to {until:%Y-%m-%d %H:%M:%S}Z"
    for key in ("leave", "join"):
        if key in step:
            return f"{key} {step[key]}"
    for key in ("stop", "start"):
        if key in step:
            return f"the bot {key}s"
    return "restart"

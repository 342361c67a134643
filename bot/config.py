"""Typed configuration, loaded once from TOML and the environment and validated at start.

A wrong value stops the bot with exit code 2 and one line that names the key, the value and what
is allowed: no traceback for a typo in a config file.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.i18n import AVAILABLE_LOCALES

DEFAULT_CONFIG_PATH = Path("config.toml")
SUPPORTED_LOCALES = AVAILABLE_LOCALES
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class ConfigError(Exception):
    def __init__(self, key: str, value: object, allowed: str) -> None:
        self.key, self.value, self.allowed = key, value, allowed
        super().__init__(f"config: {key} = {value!r} is not valid: {allowed}")


@dataclass(frozen=True)
class DiscordSettings:
    token: str = ""
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    sync_commands: bool = True


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = "sqlite+aiosqlite:///data/sisterlib.db"


@dataclass(frozen=True)
class BotSettings:
    default_locale: str = "en"
    default_timezone: str = "UTC"
    log_level: str = "INFO"
    source_url: str = "https://github.com/sisterlib/sisterlib"
    support_url: str = ""


@dataclass(frozen=True)
class SchedulerSettings:
    batch_size: int = 50
    lease_seconds: int = 120
    max_attempts: int = 5
    safety_poll_seconds: int = 30
    runs_per_second: int = 40


@dataclass(frozen=True)
class SandboxSettings:
    script: str = ""
    transcript: str = ""


@dataclass(frozen=True)
class Settings:
    discord: DiscordSettings = field(default_factory=DiscordSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    bot: BotSettings = field(default_factory=BotSettings)
    scheduler: SchedulerSettings = field(default_factory=SchedulerSettings)
    sandbox: SandboxSettings = field(default_factory=SandboxSettings)

    @property
    def has_token(self) -> bool:
        return bool(self.discord.token)


# Environment variables that override a key; secrets belong here rather than in a file.
ENVIRONMENT_OVERRIDES = {
    "DISCORD_TOKEN": "discord.token",
    "DATABASE_URL": "database.url",
    "SISTERLIB_LOG_LEVEL": "bot.log_level",
}


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read the config file (if any) and the environment, and validate every key."""
    environ = os.environ if environ is None else environ
    if path is None:
        path = Path(environ.get("SISTERLIB_CONFIG", DEFAULT_CONFIG_PATH))
    raw: dict[str, Any] = {}
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(str(path), "<file>", f"a TOML file ({error})") from None
    elif "SISTERLIB_CONFIG" in environ:
        raise ConfigError("SISTERLIB_CONFIG", str(path), "the path of an existing TOML file")
    for variable, dotted in ENVIRONMENT_OVERRIDES.items():
        if environ.get(variable):
            section, key = dotted.split(".")
            raw.setdefault(section, {})[key] = environ[variable]
    return _build(raw)


def _build(raw: dict[str, Any]) -> Settings:
    known = {"discord", "database", "bot", "scheduler", "sandbox"}
    for section in raw:
        if section not in known:
            raise ConfigError(section, "<section>", f"one of the sections {', '.join(sorted(known))}")
    reader = _Reader(raw)
    discord = DiscordSettings(
        token=reader.string("discord.token", ""),
        shard_count=reader.optional_int("discord.shard_count", minimum=1),
        shard_ids=reader.optional_int_list("discord.shard_ids"),
        sync_commands=reader.boolean("discord.sync_commands", True),
    )
    if discord.shard_ids is not None:
        if discord.shard_count is None:
            raise ConfigError("discord.shard_ids", list(discord.shard_ids), "set together with shard_count")
        bad = [i for i in discord.shard_ids if not 0 <= i < discord.shard_count]
        if bad:
            raise ConfigError(
                "discord.shard_ids", list(discord.shard_ids), f"ids from 0 to {discord.shard_count - 1}"
            )
    database = DatabaseSettings(url=reader.string("database.url", DatabaseSettings.url, check=_check_db_url))
    bot = BotSettings(
        default_locale=reader.choice("bot.default_locale", "en", SUPPORTED_LOCALES),
        default_timezone=reader.string("bot.default_timezone", "UTC", check=_check_timezone),
        log_level=reader.choice("bot.log_level", "INFO", LOG_LEVELS, normalise=str.upper),
        source_url=reader.string("bot.source_url", BotSettings.source_url, check=_check_http_url),
        support_url=reader.string("bot.support_url", "", check=_check_optional_http_url),
    )
    scheduler = SchedulerSettings(
        batch_size=reader.integer("scheduler.batch_size", 50, minimum=1, maximum=1000),
        lease_seconds=reader.integer("scheduler.lease_seconds", 120, minimum=5, maximum=3600),
        max_attempts=reader.integer("scheduler.max_attempts", 5, minimum=1, maximum=50),
        safety_poll_seconds=reader.integer("scheduler.safety_poll_seconds", 30, minimum=1, maximum=3600),
        runs_per_second=reader.integer("scheduler.runs_per_second", 40, minimum=0, maximum=1000),
    )
    sandbox = SandboxSettings(
        script=reader.string("sandbox.script", ""),
        transcript=reader.string("sandbox.transcript", ""),
    )
    reader.reject_unknown()
    return Settings(discord=discord, database=database, bot=bot, scheduler=scheduler, sandbox=sandbox)


class _Reader:
    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.seen: set[str] = set()

    def _get(self, dotted: str) -> Any:
        self.seen.add(dotted)
        section, key = dotted.split(".")
        values = self.raw.get(section, {})
        if not isinstance(values, dict):
            raise ConfigError(section, values, "a table of keys")
        return values.get(key)

    def string(self, dotted: str, default: str, check: Callable[[str], str | None] | None = None) -> str:
        value = self._get(dotted)
        if value is None:
            return default
        if not isinstance(value, str):
            raise ConfigError(dotted, value, "a string")
        if check is not None and (problem := check(value)) is not None:
            raise ConfigError(dotted, value, problem)
        return value

    def choice(
        self, dotted: str, default: str, allowed: tuple[str, ...], normalise: Callable[[str], str] = str
    ) -> str:
        value = self.string(dotted, default)
        if normalise(value) not in allowed:
            raise ConfigError(dotted, value, f"one of {', '.join(allowed)}")
        return normalise(value)

    def boolean(self, dotted: str, default: bool) -> bool:
        value = self._get(dotted)
        if value is None:
            return default
        if isinstance(value, str) and value.lower() in {"true", "false"}:
            return value.lower() == "true"
        if not isinstance(value, bool):
            raise ConfigError(dotted, value, "true or false")
        return value

    def integer(self, dotted: str, default: int, *, minimum: int, maximum: int | None = None) -> int:
        value = self._get(dotted)
        if value is None:
            return default
        return _as_int(dotted, value, minimum, maximum)

    def optional_int(self, dotted: str, *, minimum: int) -> int | None:
        value = self._get(dotted)
        if value is None:
            return None
        return _as_int(dotted, value, minimum, None)

    def optional_int_list(self, dotted: str) -> tuple[int, ...] | None:
        value = self._get(dotted)
        if value is None:
            return None
        if not isinstance(value, list) or not value:
            raise ConfigError(dotted, value, "a non-empty list of whole numbers")
        return tuple(_as_int(dotted, item, 0, None) for item in value)

    def reject_unknown(self) -> None:
        for section, values in self.raw.items():
            for key in values:
                if f"{section}.{key}" not in self.seen:
                    raise ConfigError(
                        f"{section}.{key}", values[key], "a known key (see config.example.toml)"
                    )


def _as_int(dotted: str, value: object, minimum: int, maximum: int | None) -> int:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(dotted, value, "a whole number")
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise ConfigError(dotted, value, f"a whole number of at least {minimum}{upper}")
    return value


def _check_db_url(value: str) -> str | None:
    try:
        url = make_url(value)
    except ArgumentError:
        return "a database URL such as sqlite+aiosqlite:///data/sisterlib.db or postgresql+asyncpg://..."
    if url.drivername not in {"sqlite+aiosqlite", "postgresql+asyncpg"}:
        return "a URL whose driver is sqlite+aiosqlite or postgresql+asyncpg"
    return None


def _check_timezone(value: str) -> str | None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return "an IANA time zone such as Europe/Berlin or Asia/Shanghai"
    return None


def _check_http_url(value: str) -> str | None:
    if not value.startswith(("https://", "http://")):
        return "an http(s) URL"
    return None


def _check_optional_http_url(value: str) -> str | None:
    return None if not value else _check_http_url(value)

"""Command line: ``python -m bot [run|migrate|revision|commands|sandbox|match]``."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path

from bot.config import ConfigError, Settings, load_settings

BUNDLED_WALKTHROUGH = Path(__file__).resolve().parent / "sandbox" / "walkthrough.json"


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s", stream=sys.stderr
    )
    for noisy in ("discord", "alembic", "apscheduler"):
        logging.getLogger(noisy).setLevel(max(logging.getLevelName(level), logging.WARNING))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="sisterlib, a Discord bot for sister libraries"
    )
    parser.add_argument("--config", type=Path, help="config file (default: config.toml or $SISTERLIB_CONFIG)")
    sub = parser.add_subparsers(dest="action")
    sub.add_parser("run", help="connect to Discord, or play the sandbox walkthrough when no token is set")
    migrate = sub.add_parser("migrate", help="bring the database schema up to date")
    migrate.add_argument("--revision", default="head")
    migrate.add_argument(
        "--downgrade", action="store_true", help="go down to --revision instead (default base)"
    )
    revision = sub.add_parser("revision", help="write a new migration from the models (for developers)")
    revision.add_argument("-m", "--message", required=True)
    show = sub.add_parser("commands", help="print the application commands the bot syncs")
    show.add_argument("--json", action="store_true", required=True, help="as the JSON list sent to Discord")
    sandbox = sub.add_parser("sandbox", help="run a scenario script against the local Discord stand-in")
    sandbox.add_argument("--script", type=Path, required=True)
    sandbox.add_argument("--transcript", type=Path)
    sandbox.add_argument("--database", help="database URL (default: a fresh SQLite file)")
    sandbox.add_argument("--quiet", action="store_true", help="do not echo the transcript")
    sub.add_parser("match", help="run the pen-pal matcher on a file", add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["match"]:
        from bot.pairing.offline import main as match_main

        return match_main(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(args.config)
    except ConfigError as error:
        sys.stderr.write(f"{error}\n")
        return 2
    configure_logging(settings.bot.log_level)
    action = args.action or "run"
    if action == "migrate":
        return asyncio.run(_migrate(settings, args.revision, args.downgrade))
    if action == "revision":
        return _revision(settings, args.message)
    if action == "commands":
        return asyncio.run(_print_commands(settings))
    if action == "sandbox":
        return _sandbox(settings, args.script, args.transcript, args.database, echo=not args.quiet)
    return _run(settings)


async def _migrate(settings: Settings, revision: str, down: bool) -> int:
    from bot.db import Database
    from bot.db.migrate import downgrade, upgrade

    database = Database(settings.database.url)
    try:
        if down:
            await downgrade(database, "base" if revision == "head" else revision)
        else:
            await upgrade(database, revision)
    finally:
        await database.dispose()
    return 0


def _revision(settings: Settings, message: str) -> int:
    from alembic import command

    from bot.db.migrate import alembic_config

    command.revision(alembic_config(settings.database.url), message=message, autogenerate=True)
    return 0


async def _print_commands(settings: Settings) -> int:
    from bot.client import command_payloads, create_bot

    # Nothing is stored: an in-memory database stands in for the configured one.
    bot = create_bot(settings, database_url="sqlite+aiosqlite://")
    bot.create_resources()
    await bot.load_features()
    await bot.database.dispose()
    sys.stdout.write(json.dumps(await command_payloads(bot.tree), indent=2, ensure_ascii=False) + "\n")
    return 1 if bot.extensions_failed else 0


def _sandbox(
    settings: Settings, script_path: Path, transcript: Path | None, database: str | None, *, echo: bool
) -> int:
    from bot.client import create_bot
    from bot.sandbox import run_script

    try:
        script = json.loads(script_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        sys.stderr.write(f"sandbox: cannot read the script {script_path}: {error}\n")
        return 2

    def factory(*, clock: object, database_url: str) -> object:
        return create_bot(settings, clock=clock, database_url=database_url, guild_ready_timeout=0.05)  # type: ignore[arg-type]

    def print_line(line: str) -> None:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    return asyncio.run(
        run_script(
            script,
            bot_factory=factory,
            database_url=database,
            transcript_path=transcript,
            echo=print_line if echo else None,
            script_dir=script_path.resolve().parent,
        )
    )


def _run(settings: Settings) -> int:
    if not settings.has_token:
        script = Path(settings.sandbox.script) if settings.sandbox.script else BUNDLED_WALKTHROUGH
        transcript = Path(settings.sandbox.transcript) if settings.sandbox.transcript else None
        sys.stdout.write(
            "No Discord token configured (DISCORD_TOKEN or [discord] token): playing the sandbox walkthrough "
            f"{script.name} against a local Discord stand-in.\n\n"
        )
        return _sandbox(settings, script, transcript, None, echo=True)
    from bot.client import create_bot

    bot = create_bot(settings)
    bot.run(settings.discord.token, log_handler=None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

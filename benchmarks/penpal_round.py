"""Benchmark: one pen-pal round of N members through the real bot and the local Discord stand-in.

    .venv/bin/python benchmarks/penpal_round.py                  # 1,000 members (500 groups)
    .venv/bin/python benchmarks/penpal_round.py --members 5000   # 2,500 groups (~5 minutes)

Prints one JSON document. A sandbox server with N members and a pen-pal channel; profiles are
written straight to a SQLite database (the form is not what is measured), then a moderator runs
``/penpal-rounds run``. The figures: ``seconds`` from the command to the last introduction job
done; ``requests`` and ``requests_per_s`` the bot made in that time (the sandbox enforces
Discord's 50 per second, in real time); ``rate_limited_429s`` (0: the round stayed under the
limits); ``threads`` and ``introductions`` posted (each exactly ``groups``: nothing twice).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select

from bot.client import create_bot
from bot.clock import ManualClock
from bot.config import Settings
from bot.penpal import jobs
from bot.penpal import repository as repo
from bot.penpal.models import PenpalGroup
from bot.sandbox import DiscordSandbox
from bot.sandbox.runner import RunningBot
from bot.scheduler import ScheduledJob

COUNTRIES = ("US", "CN", "DE", "BR", "IN", "NG", "FR", "JP", "ES", "KE")
LANGUAGES = (
    ["en"],
    ["en", "zh"],
    ["en", "de"],
    ["pt", "en"],
    ["en", "hi"],
    ["en"],
    ["fr", "en"],
    ["ja", "en"],
)


async def run(members: int) -> dict[str, Any]:
    clock = ManualClock(datetime(2026, 3, 27, 9, 0, tzinfo=UTC))
    sandbox = DiscordSandbox(clock=clock)
    await sandbox.start()
    sandbox.install()
    names = [f"m{i}" for i in range(members)]
    sandbox.build_guild(
        {
            "name": "Sister Libraries",
            "roles": [{"name": "Moderators", "permissions": ["manage_guild"]}],
            "channels": [{"name": "general"}, {"name": "pen-pals"}, {"name": "mod-queue"}],
            "members": [{"name": "mod", "roles": ["Moderators"]}] + [{"name": name} for name in names],
        }
    )
    folder = tempfile.mkdtemp(prefix="penpal-round-")
    url = f"sqlite+aiosqlite:///{folder}/bench.db"
    running = await RunningBot.start(
        lambda *, clock, database_url: create_bot(
            Settings(), clock=clock, database_url=database_url, guild_ready_timeout=0.01
        ),
        clock,
        url,
        sandbox,
    )
    bot = running.bot
    try:
        await sandbox.run_command("mod", "setup", {"timezone": "Europe/Berlin", "mod_channel": "mod-queue"})
        await sandbox.run_command("mod", "penpal-rounds settings", {"channel": "pen-pals"})
        guild_id = sandbox.world.guild_id
        assert guild_id is not None
        async with bot.database.session() as session:
            for index, name in enumerate(names):
                await repo.save_profile(
                    session,
                    guild_id,
                    sandbox.world.user_named(name).id,
                    clock.now(),
                    display_name=name,
                    library=f"Library {index}",
                    country=COUNTRIES[index % len(COUNTRIES)],
                    languages=LANGUAGES[index % len(LANGUAGES)],
                    timezone="Europe/Berlin",
                )
        requests_before, limited_before = len(sandbox.rest.requests), sandbox.rate_limited
        started = time.perf_counter()
        reply = await sandbox.run_command("mod", "penpal-rounds run")
        while True:
            async with bot.database.session() as session:
                left = await session.scalar(
                    select(func.count())
                    .select_from(ScheduledJob)
                    .where(ScheduledJob.kind == jobs.INTRO, ScheduledJob.state.in_(("pending", "running")))
                )
            if not left:
                break
            await bot.run_due_jobs()
            await asyncio.sleep(0.2)
        seconds = time.perf_counter() - started
        await sandbox.settle()
        async with bot.database.session() as session:
            groups = await session.scalar(select(func.count()).select_from(PenpalGroup))
        requests = len(sandbox.rest.requests) - requests_before
        intros = [
            m for m in sandbox.messages() if m.content.startswith("Meet your pen pals") and not m.deleted
        ]
        return {
            "members": members,
            "groups": groups,
            "reply": reply.content,
            "seconds": round(seconds, 1),
            "requests": requests,
            "requests_per_s": round(requests / seconds, 1),
            "rate_limited_429s": sandbox.rate_limited - limited_before,
            "threads": len([line for line in sandbox.transcript if line["action"] == "thread"]),
            "introductions": len(intros),
        }
    finally:
        await running.stop()
        await sandbox.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=1000)
    args = parser.parse_args()
    sys.stdout.write(json.dumps(asyncio.run(run(args.members)), indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()

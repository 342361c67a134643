"""Benchmark: /dashboard on a community of N members with a year of activity.

    nice -n 5 .venv/bin/python benchmarks/dashboard.py                 # 5,000 members, a year
    .venv/bin/python benchmarks/dashboard.py --members 500 --runs 3    # quick

Prints one JSON document. The year is written straight to a SQLite file on the virtual clock
(profiles joining through the year, a pen-pal round every two weeks pairing most members, shared
and saved articles); then the real bot, against the sandbox, answers ``/dashboard`` for each
period while other members keep running ``/help`` at the same time. The figures:
``first_answer_ms`` (the dashboard's deferral, p50/p99 from the transcript's latency_ms),
``complete_s`` (until the chart and CSV arrive), ``others_first_answer_ms`` (the other members'
commands meanwhile) and ``loop_lag_ms`` (how late a 10 ms timer fired while dashboards ran: the
chart is drawn in a worker thread, so this stays small).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert

from bot.articles.models import Article, ArticleSave
from bot.client import create_bot
from bot.clock import ManualClock
from bot.config import Settings
from bot.penpal.models import PenpalGroup, PenpalGroupMember, PenpalProfile, PenpalRound
from bot.sandbox import DiscordSandbox
from bot.sandbox.runner import RunningBot, percentile

COUNTRIES = ("US", "CN", "DE", "BR", "IN", "NG", "FR", "JP", "ES", "KE", "GH", "MX", "AU", "EG")
LANGUAGES = (["en"], ["en", "zh"], ["en", "de"], ["pt", "en"], ["en", "hi"], ["fr", "en"], ["es", "en"])
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
YEAR_AGO = NOW - timedelta(days=365)


async def seed(bot: Any, guild_id: int, user_ids: list[int], rng: random.Random) -> dict[str, int]:
    profiles, rounds, groups, members, articles, saves = [], [], [], [], [], []
    for index, user_id in enumerate(user_ids):
        joined = YEAR_AGO + timedelta(seconds=rng.randrange(365 * 86400))
        profiles.append(
            {
                "guild_id": guild_id,
                "user_id": user_id,
                "display_name": f"Member {index}",
                "library": f"Library {index}",
                "country": COUNTRIES[index % len(COUNTRIES)],
                "languages": LANGUAGES[index % len(LANGUAGES)],
                "timezone": "Europe/Berlin",
                "created_at": joined,
                "updated_at": joined,
            }
        )
    joined_at = {p["user_id"]: p["created_at"] for p in profiles}
    group_id = 0
    for number in range(26):
        ran = YEAR_AGO + timedelta(days=14 * number, hours=8)
        rounds.append(
            {
                "id": number + 1,
                "guild_id": guild_id,
                "scheduled_for": ran,
                "ends_at": ran + timedelta(days=14),
                "ran_at": ran,
                "state": "closed",
            }
        )
        pool = [u for u in user_ids if joined_at[u] <= ran and rng.random() < 0.85]
        rng.shuffle(pool)
        for first, second in zip(pool[::2], pool[1::2], strict=False):
            group_id += 1
            groups.append({"id": group_id, "round_id": number + 1, "guild_id": guild_id, "state": "closed"})
            answer = "yes" if rng.random() < 0.7 else rng.choice(("not_yet", "could_not", None))
            members.append({"group_id": group_id, "user_id": first, "connected": answer})
            members.append({"group_id": group_id, "user_id": second, "connected": answer})
    for number in range(len(user_ids) * 2):
        shared = YEAR_AGO + timedelta(seconds=rng.randrange(365 * 86400))
        articles.append(
            {
                "id": number + 1,
                "guild_id": guild_id,
                "url": f"https://example.org/{number}",
                "title": f"Article {number}",
                "sharer_id": rng.choice(user_ids),
                "language": rng.choice(("en", "zh", "de")),
                "search_text": "",
                "created_at": shared,
            }
        )
        for saver in rng.sample(user_ids, rng.randrange(4)):
            saves.append(
                {
                    "article_id": number + 1,
                    "guild_id": guild_id,
                    "user_id": saver,
                    "created_at": shared + timedelta(hours=rng.randrange(1, 200)),
                }
            )
    async with bot.database.session() as session:
        for model, rows in (
            (PenpalProfile, profiles),
            (PenpalRound, rounds),
            (PenpalGroup, groups),
            (PenpalGroupMember, members),
            (Article, articles),
            (ArticleSave, saves),
        ):
            for start in range(0, len(rows), 5000):
                await session.execute(insert(model), rows[start : start + 5000])
    return {
        "profiles": len(profiles),
        "rounds": len(rounds),
        "groups": len(groups),
        "articles": len(articles),
        "saves": len(saves),
    }


async def loop_lag(samples: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(0.01)
        samples.append((time.perf_counter() - started - 0.01) * 1000)


def save_chart(sandbox: DiscordSandbox, result: Any, path: Path) -> None:
    """Write the chart the moderator received, to look at it."""
    answer = result.followups[-1] if result.followups else result.message
    for attachment in answer.attachments:
        if attachment["filename"].endswith(".png"):
            path.write_bytes(sandbox.driver.uploads[int(attachment["id"])].data)


async def run(member_count: int, runs: int, chart: Path | None = None) -> dict[str, Any]:
    clock = ManualClock(NOW)
    sandbox = DiscordSandbox(clock=clock)
    await sandbox.start()
    sandbox.install()
    names = [f"m{i}" for i in range(member_count)]
    sandbox.build_guild(
        {
            "name": "Sister Libraries",
            "roles": [{"name": "Moderators", "permissions": ["manage_guild"]}],
            "channels": [{"name": "general"}, {"name": "pen-pals"}, {"name": "mod-queue"}],
            "members": [{"name": "mod", "roles": ["Moderators"]}] + [{"name": name} for name in names],
        }
    )
    folder = tempfile.mkdtemp(prefix="dashboard-")
    running = await RunningBot.start(
        lambda *, clock, database_url: create_bot(
            Settings(), clock=clock, database_url=database_url, guild_ready_timeout=0.01
        ),
        clock,
        f"sqlite+aiosqlite:///{folder}/bench.db",
        sandbox,
    )
    try:
        await sandbox.run_command("mod", "setup", {"timezone": "Europe/Berlin", "mod_channel": "mod-queue"})
        guild_id = sandbox.world.guild_id
        assert guild_id is not None
        started = time.perf_counter()
        seeded = await seed(
            running.bot, guild_id, [sandbox.world.user_named(n).id for n in names], random.Random(7)
        )
        seed_s = time.perf_counter() - started
        lag: list[float] = []
        stop = asyncio.Event()
        lagger = asyncio.create_task(loop_lag(lag, stop))
        completes: list[float] = []
        dashboards: list[float] = []
        others: list[float] = []
        for index in range(runs):
            for period in ("week", "month", "quarter", "year"):
                sandbox.latencies.clear()
                started = time.perf_counter()
                dashboard = asyncio.create_task(sandbox.run_command("mod", "dashboard", {"period": period}))
                while not dashboard.done():
                    await sandbox.run_command(names[(index * 7) % len(names)], "help")
                result = await dashboard
                completes.append(time.perf_counter() - started)
                if chart is not None and period == "year":
                    save_chart(sandbox, result, chart)
                assert result.followups or result.message is not None
                for label, latency in sandbox.latencies:
                    (dashboards if label.startswith("dashboard") else others).append(latency)
        stop.set()
        await lagger
        errors = [line["detail"] for line in sandbox.transcript if line["action"] == "error"]
        return {
            "members": member_count,
            "seeded": seeded,
            "seed_s": round(seed_s, 1),
            "dashboards": len(dashboards),
            "first_answer_ms": {
                "p50": round(percentile(dashboards, 50), 1),
                "p99": round(percentile(dashboards, 99), 1),
            },
            "complete_s": {"p50": round(percentile(completes, 50), 2), "max": round(max(completes), 2)},
            "others_first_answer_ms": {
                "count": len(others),
                "p50": round(percentile(others, 50), 1) if others else None,
                "p99": round(percentile(others, 99), 1) if others else None,
            },
            "loop_lag_ms": {
                "p50": round(percentile(lag, 50), 1),
                "p99": round(percentile(lag, 99), 1),
                "max": round(max(lag), 1),
            },
            "rate_limited_429s": sandbox.rate_limited,
            "errors": errors[:5],
        }
    finally:
        await running.stop()
        await sandbox.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--chart", type=Path, help="save the year's chart here (PNG), to look at it")
    args = parser.parse_args()
    sys.stdout.write(
        json.dumps(asyncio.run(run(args.members, args.runs, args.chart)), indent=2, ensure_ascii=False) + "\n"
    )


if __name__ == "__main__":
    main()

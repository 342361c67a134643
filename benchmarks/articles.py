"""Benchmarks for articles: search over many stored articles, and many members sharing at once.

    nice -n 5 .venv/bin/python benchmarks/articles.py                    # 100,000 articles, SQLite
    nice -n 5 .venv/bin/python benchmarks/articles.py --count 10000
    nice -n 5 .venv/bin/python benchmarks/articles.py --database postgresql+asyncpg://...
    nice -n 5 .venv/bin/python benchmarks/articles.py --shares 1000      # sharing, SQLite
    nice -n 5 .venv/bin/python benchmarks/articles.py --shares 1000 --database postgresql+asyncpg://...

Sharing: the real bot in the sandbox, members running /article share in waves of ``--wave``
at once, every link on the local test site's slow page (it answers after 2 s, so each wave's
pages answer together). Prints each share's first answer (``latency_ms``, the defer) p50/p95/p99,
how every share ended, how many posts, and the load average. The sandbox keeps Discord's global
limit but not the 5 posts per 5 s per channel, which would spread 1,000 posts over 1,000 s of real
time (the member hears after 10 s that the post will follow).

Prints one JSON document. The articles are stored the way the repository stores them (so the
search indexes, SQLite FTS5 with trigrams or PostgreSQL tsvector and pg_trgm, are kept by the
same triggers or indexes as in production), half with English titles and half with Chinese ones,
and searched for English words, Chinese substrings, two-character Chinese words (not indexable
by trigrams: scanned) and words nobody used. Each figure is one full search: the count of matches
and the first page with its tags and counts, as /article search asks for it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp import web
from sqlalchemy import insert, text

from bot.articles.models import Article
from bot.articles.service import ArticleService
from bot.clock import ManualClock
from bot.db import Database
from bot.db.registry import load_metadata
from bot.sandbox import DiscordSandbox
from bot.sandbox.runner import percentile
from tests.articles.site import Site, build_app
from tests.e2e.harness import GUILD as HARNESS_GUILD
from tests.e2e.harness import world

GUILD = 1
START = datetime(2026, 3, 27, 9, 0, tzinfo=UTC)
ENGLISH = [
    "library",
    "reading",
    "room",
    "night",
    "opening",
    "hours",
    "catalogue",
    "rare",
    "maps",
    "children",
    "story",
    "time",
    "partnership",
    "exchange",
    "newsletter",
    "digital",
    "archive",
    "volunteers",
    "community",
    "garden",
    "seed",
    "lending",
    "makerspace",
]
CHINESE = [
    "图书馆",
    "阅览室",
    "夜间开放",
    "古籍",
    "地图",
    "儿童",
    "故事会",
    "合作",
    "交流",
    "通讯",
    "数字档案",
    "志愿者",
    "社区",
    "花园",
    "种子",
    "借阅",
    "创客空间",
]
QUERIES = {
    "english word": ["library", "maps", "newsletter", "volunteers"],
    "two english words": ["rare maps", "story time", "seed lending"],
    "chinese substring": ["夜间开放", "数字档案", "创客空间", "志愿者"],
    "two chinese characters": ["古籍", "地图", "社区"],
    "no match": ["zeppelin", "量子计算"],
}


def title(rng: random.Random, number: int) -> tuple[str, str]:
    if number % 2:
        words = rng.sample(CHINESE, 4)
        return "".join(words), "，".join(rng.sample(CHINESE, 6))
    words = rng.sample(ENGLISH, 5)
    return " ".join(words).capitalize(), " ".join(rng.sample(ENGLISH, 10))


async def fill(database: Database, count: int) -> float:
    rng = random.Random(7)
    started = time.perf_counter()
    batch = []
    for number in range(count):
        heading, description = title(rng, number)
        batch.append(
            {
                "guild_id": GUILD,
                "url": f"https://site{number % 97}.example/articles/{number}",
                "title": heading,
                "description": description,
                "search_text": f"{heading}\n{description}",
                "created_at": START - timedelta(minutes=number),
            }
        )
        if len(batch) == 5000:
            async with database.session() as session:
                await session.execute(insert(Article), batch)
            batch = []
    if batch:
        async with database.session() as session:
            await session.execute(insert(Article), batch)
    return time.perf_counter() - started


async def measure(service: ArticleService, repeats: int) -> dict[str, dict[str, float]]:
    figures = {}
    for kind, queries in QUERIES.items():
        timings = []
        totals = []
        for _ in range(repeats):
            for query in queries:
                started = time.perf_counter()
                page = await service.search(GUILD, query)
                timings.append((time.perf_counter() - started) * 1000)
                totals.append(page.total)
        timings.sort()
        figures[kind] = {
            "p50_ms": round(statistics.median(timings), 2),
            "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
            "matches_mean": round(statistics.mean(totals)),
        }
    return figures


SHARERS = ("tom", "ana", "wei", "lin", "sam")


async def _dispatch_at_once(sandbox: DiscordSandbox, site: Site, batch: range) -> list[int]:
    """Sends the wave's interactions together, as Discord would, and lets the caller settle once:
    twenty steps each settling on their own would poll the bot's tasks twenty times over."""
    real_settle = sandbox.settle

    async def later(**_options: object) -> None:
        return None

    sandbox.settle = later  # type: ignore[method-assign]
    try:
        results = await asyncio.gather(
            *(
                sandbox.run_command(
                    SHARERS[number % len(SHARERS)], "article share", {"url": site.url(f"/slow?n={number}")}
                )
                for number in batch
            )
        )
    finally:
        sandbox.settle = real_settle  # type: ignore[method-assign]
    return [result.interaction_id for result in results]


async def share_bench(database_url: str, shares: int, wave: int) -> dict[str, object]:
    """Members share ``shares`` links of the slow test page, ``wave`` at a time."""
    site = Site(port=0, other_port=0)
    runner = web.AppRunner(build_app(site), shutdown_timeout=0.1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    site.port = runner.addresses[0][1]
    guild = dict(
        HARNESS_GUILD,
        members=[{"name": "mod", "roles": ["Moderators"]}] + [{"name": name} for name in SHARERS],
    )
    endings: dict[str, int] = {}
    started = time.perf_counter()
    load_before = os.getloadavg()
    try:
        async with world(database_url, guild=guild) as running:
            sandbox = running.sandbox
            sandbox.route_limits = False
            running.bot.features.service(ArticleService).fetch_options = site.fetch_options()
            await sandbox.run_command("mod", "article settings channel", {"channel": "general"})
            sandbox.latencies.clear()
            for first in range(0, shares, wave):
                batch = range(first, min(first + wave, shares))
                ids = await _dispatch_at_once(sandbox, site, batch)
                await sandbox.settle()
                for interaction_id in ids:
                    record = sandbox.driver.records[interaction_id]
                    reply = record.followups[-1] if record.followups else record.original
                    ending = "(no answer)" if reply is None else reply.content.split(":")[0].split(".")[0]
                    endings[ending] = endings.get(ending, 0) + 1
            latencies = [latency for _, latency in sandbox.latencies]
            posted = len([m for m in sandbox.messages("general") if m.author.bot and m.embeds])
            errors = [line["detail"][:120] for line in sandbox.transcript if line["action"] == "error"]
    finally:
        await runner.cleanup()
    return {
        "database": database_url.split(":", maxsplit=1)[0],
        "shares": shares,
        "wave": wave,
        "wall_s": round(time.perf_counter() - started, 1),
        "first_answer_ms": {
            "p50": round(percentile(latencies, 50), 1),
            "p95": round(percentile(latencies, 95), 1),
            "p99": round(percentile(latencies, 99), 1),
            "max": round(max(latencies), 1),
            "answers": len(latencies),
        },
        "endings": endings,
        "posts": posted,
        "errors": errors[:5],
        "error_count": len(errors),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument(
        "--database", help="a database URL (an empty database); default a temporary SQLite file"
    )
    parser.add_argument("--shares", type=int, help="measure sharing this many links instead of search")
    parser.add_argument("--wave", type=int, default=20, help="shares sent at once")
    args = parser.parse_args()
    if args.shares:
        with tempfile.TemporaryDirectory() as folder:
            url = args.database or f"sqlite+aiosqlite:///{folder}/bench.db"
            figures = await share_bench(url, args.shares, args.wave)
        json.dump(figures, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite+aiosqlite:///{folder}/bench.db"
        database = Database(url)
        try:
            async with database.engine.begin() as connection:
                await connection.run_sync(load_metadata().create_all)
            fill_s = await fill(database, args.count)
            # What autovacuum does soon after a bulk load; without statistics PostgreSQL's planner
            # takes the server's rows for a few and scans them instead of using the text indexes.
            async with database.engine.begin() as connection:
                await connection.execute(text("ANALYZE"))
            service = ArticleService(database, ManualClock(START))
            figures = await measure(service, args.repeats)
            json.dump(
                {
                    "database": database.engine.dialect.name,
                    "articles": args.count,
                    "fill_s": round(fill_s, 1),
                    "search": figures,
                },
                sys.stdout,
                ensure_ascii=False,
                indent=2,
            )
            sys.stdout.write("\n")
        finally:
            async with database.engine.begin() as connection:
                await connection.run_sync(load_metadata().drop_all)
            await database.dispose()


if __name__ == "__main__":
    asyncio.run(main())

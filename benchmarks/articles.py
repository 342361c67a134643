"""Benchmark for article search: p50/p95 of ArticleService.search over many stored articles.

    nice -n 5 .venv/bin/python benchmarks/articles.py                    # 100,000 articles, SQLite
    nice -n 5 .venv/bin/python benchmarks/articles.py --count 10000
    nice -n 5 .venv/bin/python benchmarks/articles.py --database postgresql+asyncpg://...

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
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text

from bot.articles.models import Article
from bot.articles.service import ArticleService
from bot.clock import ManualClock
from bot.db import Database
from bot.db.registry import load_metadata

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


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument(
        "--database", help="a database URL (an empty database); default a temporary SQLite file"
    )
    args = parser.parse_args()
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

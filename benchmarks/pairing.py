"""Benchmark for bot.pairing.matching: speed, quality against the optimum, event-loop stalls.

    .venv/bin/python benchmarks/pairing.py            # N = 1,000, 2,000 and 10,000 (about 5 minutes)
    .venv/bin/python benchmarks/pairing.py --quick    # N = 300 and 1,000

Prints one JSON document. "percent" compares the quality of the pairing found with the exact
optimum on the full graph (N <= 2,000) or, for bigger pools, with an upper bound (a fractional
vertex cover), so there it understates the real figure. For a trio, the comparison counts the best
single pair inside it: every group then contributes one edge of a matching of the full graph, which
the optimum can only beat.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.pairing.matching import (
    DEFAULT_EXACT_LIMIT,
    Candidate,
    MatchResult,
    exact_optimum,
    match,
    match_in_worker,
    pair_weight,
    shutdown_worker_pool,
    upper_bound,
)

NOW = datetime(2025, 3, 12, 12, 0, tzinfo=UTC)
EXACT_LIMIT = 2_000
BOUND_PASSES = 6

# (country, weight, native languages (second one spoken by 60%), time zones)
COUNTRIES: list[tuple[str, int, tuple[str, ...], tuple[str, ...]]] = [
    ("US", 12, ("en",), ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles")),
    ("CN", 8, ("zh",), ("Asia/Shanghai",)),
    ("IN", 6, ("hi", "en"), ("Asia/Kolkata",)),
    ("GB", 5, ("en",), ("Europe/London",)),
    ("DE", 4, ("de",), ("Europe/Berlin",)),
    ("FR", 4, ("fr",), ("Europe/Paris",)),
    ("BR", 4, ("pt",), ("America/Sao_Paulo", "America/Manaus")),
    ("CA", 3, ("en", "fr"), ("America/Toronto", "America/Vancouver")),
    ("AU", 3, ("en",), ("Australia/Sydney", "Australia/Perth")),
    ("ES", 3, ("es",), ("Europe/Madrid",)),
    ("MX", 3, ("es",), ("America/Mexico_City",)),
    ("NG", 3, ("en",), ("Africa/Lagos",)),
    ("JP", 3, ("ja",), ("Asia/Tokyo",)),
    ("AR", 2, ("es",), ("America/Argentina/Buenos_Aires",)),
    ("CO", 2, ("es",), ("America/Bogota",)),
    ("KE", 2, ("sw", "en"), ("Africa/Nairobi",)),
    ("ZA", 2, ("en",), ("Africa/Johannesburg",)),
    ("EG", 2, ("ar",), ("Africa/Cairo",)),
    ("KR", 2, ("ko",), ("Asia/Seoul",)),
    ("RU", 2, ("ru",), ("Europe/Moscow", "Asia/Vladivostok")),
    ("IT", 2, ("it",), ("Europe/Rome",)),
    ("ID", 2, ("id",), ("Asia/Jakarta",)),
    ("PH", 2, ("en",), ("Asia/Manila",)),
    ("SA", 1, ("ar",), ("Asia/Riyadh",)),
    ("MA", 1, ("ar", "fr"), ("Africa/Casablanca",)),
    ("TZ", 1, ("sw",), ("Africa/Dar_es_Salaam",)),
    ("PT", 1, ("pt",), ("Europe/Lisbon",)),
    ("UA", 1, ("uk", "ru"), ("Europe/Kyiv",)),
    ("PL", 1, ("pl",), ("Europe/Warsaw",)),
    ("NL", 1, ("nl",), ("Europe/Amsterdam",)),
    ("TR", 1, ("tr",), ("Europe/Istanbul",)),
    ("IR", 1, ("fa",), ("Asia/Tehran",)),
    ("VN", 1, ("vi",), ("Asia/Ho_Chi_Minh",)),
    ("NP", 1, ("ne", "en"), ("Asia/Kathmandu",)),
    ("SG", 1, ("en", "zh"), ("Asia/Singapore",)),
    ("NZ", 1, ("en",), ("Pacific/Auckland",)),
    ("TW", 1, ("zh",), ("Asia/Taipei",)),
    ("CL", 1, ("es",), ("America/Santiago",)),
    ("PE", 1, ("es",), ("America/Lima",)),
    ("SE", 1, ("sv",), ("Europe/Stockholm",)),
]
SECOND_LANGUAGES = ("en", "es", "fr", "zh", "ar", "pt", "de", "ru")
SECOND_LANGUAGE_WEIGHTS = (0, 5, 4, 2, 2, 2, 2, 1)
TOPICS = (
    "children's services", "cataloguing", "digitisation", "rare books", "makerspaces", "outreach",
    "information literacy", "open access", "archives", "preservation", "reading clubs", "storytime",
    "school libraries", "academic libraries", "public programming", "accessibility", "metadata",
    "local history", "library design", "e-resources", "copyright", "research data", "marketing",
    "volunteers", "mobile libraries", "multilingual collections", "adult literacy", "genealogy",
    "youth services", "library advocacy",
)  # fmt: skip


@dataclass
class Pool:
    members: list[Candidate]
    history: list[tuple[str, str]]
    avoid: list[tuple[str, str]]


def generate(n: int, seed: int = 1) -> Pool:
    """A pool with a realistic skew: English common, big countries big, a few loners by design."""
    rng = random.Random(seed)
    weights = [c[1] for c in COUNTRIES]
    topic_weights = [1.0 / (rank + 1) ** 0.7 for rank in range(len(TOPICS))]
    members: list[Candidate] = []
    for i in range(n):
        country, _w, natives, zones = rng.choices(COUNTRIES, weights)[0]
        languages = {natives[0]}
        if len(natives) > 1 and rng.random() < 0.6:
            languages.add(natives[1])
        if "en" not in languages and rng.random() < 0.55:
            languages.add("en")
        if rng.random() < 0.15:
            languages.add(rng.choices(SECOND_LANGUAGES, SECOND_LANGUAGE_WEIGHTS)[0])
        interests: set[str] = set()
        while len(interests) < rng.randint(2, 5):
            interests.add(rng.choices(TOPICS, topic_weights)[0])
        # Some codes arrive upper-case: the matcher must not care.
        codes = frozenset(lang.upper() if rng.random() < 0.05 else lang for lang in sorted(languages))
        members.append(
            Candidate(
                id=f"m{i:05d}",
                country=country,
                languages=codes,
                interests=frozenset(interests),
                timezone=rng.choice(zones),
            )
        )
    # A few people nobody can write to: an unshared language, or the only other speaker avoided.
    members[0] = Candidate("m00000", "IS", frozenset({"is"}), frozenset({"archives"}), "Atlantic/Reykjavik")
    members[1] = Candidate("m00001", "NZ", frozenset({"mi"}), frozenset(), "Pacific/Auckland")
    members[2] = Candidate("m00002", "NZ", frozenset({"mi"}), frozenset({"outreach"}), "Pacific/Auckland")
    avoid = [("m00001", "m00002")]

    history: list[tuple[str, str]] = []
    for _round in range(3):
        # Past rounds paired people who share a language, often well: bucket by one language each.
        buckets: dict[str, list[Candidate]] = {}
        for member in members:
            buckets.setdefault(rng.choice(sorted(member.languages)).casefold(), []).append(member)
        for bucket in buckets.values():
            rng.shuffle(bucket)
            history.extend((a.id, b.id) for a, b in zip(bucket[::2], bucket[1::2], strict=False))
    for _ in range(max(1, n // 200)):
        a, b = rng.sample(members[3:], 2)
        avoid.append((a.id, b.id))
    return Pool(members, history, avoid)


def embedded_matching_score(pool: Pool, result: MatchResult) -> float:
    by_id = {m.id: m for m in pool.members}
    total = 0.0
    for group in result.groups:
        weights = [
            pair_weight(by_id[a], by_id[b], now=NOW) for i, a in enumerate(group) for b in group[i + 1 :]
        ]
        total += max(w for w in weights if w is not None)
    return total


def cross_country_share(pool: Pool, result: MatchResult) -> float:
    country = {m.id: m.country for m in pool.members}
    pairs = [(a, b) for group in result.groups for i, a in enumerate(group) for b in group[i + 1 :]]
    return sum(country[a] != country[b] for a, b in pairs) / max(1, len(pairs))


async def longest_stall(pool: Pool, *, seed: int) -> tuple[float, float]:
    """Run one round in the worker while a 1 ms ticker measures how late the loop wakes it."""
    worst = 0.0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal worst
        while not done.is_set():
            before = time.perf_counter()
            await asyncio.sleep(0.001)
            worst = max(worst, time.perf_counter() - before - 0.001)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0.01)
    started = time.perf_counter()
    await match_in_worker(pool.members, history=pool.history, avoid=pool.avoid, seed=seed, now=NOW)
    elapsed = time.perf_counter() - started
    done.set()
    await task
    return worst * 1000.0, elapsed


def bench(n: int, *, seed: int, slow: bool) -> dict[str, object]:
    pool = generate(n, seed=seed)
    started = time.perf_counter()
    result = match(pool.members, history=pool.history, avoid=pool.avoid, seed=seed, now=NOW)
    elapsed = time.perf_counter() - started
    score = embedded_matching_score(pool, result)
    row: dict[str, object] = {
        "n": n,
        "seconds": round(elapsed, 2),
        "groups": len(result.groups),
        "trios": sum(len(g) == 3 for g in result.groups),
        "unmatched": len(result.unmatched),
        "unmatched_reasons": sorted({reason for _id, reason in result.unmatched}),
        "repeats": result.repeats,
        "cross_country_share": round(cross_country_share(pool, result), 4),
        "score": round(score, 2),
    }
    if n <= EXACT_LIMIT:
        started = time.perf_counter()
        optimum, optimum_repeats = exact_optimum(
            pool.members, history=pool.history, avoid=pool.avoid, seed=seed, now=NOW
        )
        row.update(
            optimum=round(optimum, 2),
            optimum_repeats=optimum_repeats,
            optimum_seconds=round(time.perf_counter() - started, 2),
            percent=round(100.0 * score / optimum, 3),
        )
    else:
        bound = upper_bound(pool.members, avoid=pool.avoid, now=NOW, passes=BOUND_PASSES)
        row.update(upper_bound=round(bound, 2), percent_of_bound=round(100.0 * score / bound, 3))
        if slow and n > DEFAULT_EXACT_LIMIT:
            # The same pool without cutting it into parts: the exact matcher on the whole thinned
            # graph, as a reference for what the parts cost in quality.
            started = time.perf_counter()
            whole = match(
                pool.members, history=pool.history, avoid=pool.avoid, seed=seed, now=NOW, exact_limit=n
            )
            whole_seconds = time.perf_counter() - started
            whole_score = embedded_matching_score(pool, whole)
            row.update(
                whole_pool_exact={
                    "seconds": round(whole_seconds, 2),
                    "score": round(whole_score, 2),
                    "percent_of_bound": round(100.0 * whole_score / bound, 3),
                    "unmatched": len(whole.unmatched),
                    "repeats": whole.repeats,
                },
                percent_of_whole_pool_exact=round(100.0 * score / whole_score, 3),
            )
    return row


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small pools only (about half a minute)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--skip-whole-pool",
        action="store_true",
        help="skip the reference run of the exact matcher on the whole 10,000 pool (about 1.5 minutes)",
    )
    args = parser.parse_args(argv)
    sizes = (300, 1_000) if args.quick else (1_000, 2_000, 10_000)
    rows = [bench(n, seed=args.seed, slow=not args.skip_whole_pool) for n in sizes]
    stall_pool = generate(sizes[-1], seed=args.seed)
    try:
        cold_stall, cold_seconds = asyncio.run(longest_stall(stall_pool, seed=args.seed))
        warm_stall, warm_seconds = asyncio.run(longest_stall(stall_pool, seed=args.seed))
        # A full garbage collection of this process (tens of thousands of member objects) stops
        # everything for tens of milliseconds whenever some allocation triggers it, match or no
        # match; a long-running bot freezes its startup heap once to avoid that.
        gc.collect()
        gc.freeze()
        frozen_stall, _seconds = asyncio.run(longest_stall(stall_pool, seed=args.seed))
    finally:
        shutdown_worker_pool()
    report = {
        "rows": rows,
        "event_loop": {
            "n": sizes[-1],
            "longest_stall_ms_first_round": round(cold_stall, 2),
            "longest_stall_ms_next_round": round(warm_stall, 2),
            "longest_stall_ms_after_gc_freeze": round(frozen_stall, 2),
            "worker_seconds_first_round": round(cold_seconds, 2),
            "worker_seconds_next_round": round(warm_seconds, 2),
        },
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

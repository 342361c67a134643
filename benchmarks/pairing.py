"""Benchmark for bot.pairing.matching: speed, peak memory and quality, tier by tier.

    nice -n 5 .venv/bin/python benchmarks/pairing.py            # N = 1,000, 3,000, 10,000, 100,000
    nice -n 5 .venv/bin/python benchmarks/pairing.py --quick    # N = 300 and 1,000

Prints one JSON document. Each size runs in its own process, so "peak_mb" (getrusage maxrss) is
the peak of the process doing that matching alone. The objective is lexicographic, so quality is
reported tier by tier: members matched (against everyone who has any allowed partner), repeats
(against 0), cross-border groups and then interests + waking hours (in points), against the exact
optimum on the full graph (N <= 3,000, rustworkx blossom) or against proven upper bounds above
that (see bot/pairing/_bound.py: cross-border groups by the matching LP on member types at every
size; interests and hours up to 10,000 by the matching LP, solved as an assignment with cutting planes,
and always the cheaper fractional vertex covers; the least of the valid bounds is reported).
A trio counts through its best pair, so every result is a matching of the full graph and the
bounds apply. The same figures are given for a plain greedy pairing (shuffle, pair each member
with the next compatible one), what Donut-like bots do. Other work on a shared machine slows the
wall clock, so each row also gives the matching's CPU time and the load average around it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.pairing._bound import CoverBound, cross_border_bound, tightest_assignment_bound
from bot.pairing._candidates import candidate_edges
from bot.pairing.matching import (
    Candidate,
    Tiers,
    embedded_pairs,
    exact_optimum,
    make_pool,
    match,
    match_in_worker,
    shutdown_worker_pool,
    tiers_of,
)

NOW = datetime(2025, 3, 12, 12, 0, tzinfo=UTC)
EXACT_LIMIT = 3_000
BOUND_PASSES = 6
# Weights of the cross-border term in the bound's objective; each gives a valid bound, the least wins.
BOUND_CROSS_WEIGHTS = (0.0, 3.0, 10.0)  # 10.0: the other-country bonus when "preferred"
# Up to this size interests and hours are also bounded by the matching LP (10 s at 10,000, about
# 25 minutes at 100,000: pass --lp-limit 100000 for it).
LP_BOUND_LIMIT = 10_000

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


def greedy_baseline(pool: object, seed: int) -> list[tuple[int, int]]:
    """Shuffle, then pair each waiting member with the next one they may be paired with."""
    order = list(range(pool.n))  # type: ignore[attr-defined]
    random.Random(seed).shuffle(order)
    waiting: list[int] = []
    pairs: list[tuple[int, int]] = []
    for member in order:
        if waiting:
            fits = pool.allowed(np.array(waiting), np.full(len(waiting), member))  # type: ignore[attr-defined]
            if fits.any():
                partner = waiting.pop(int(np.argmax(fits)))
                pairs.append((partner, member))
                continue
        waiting.append(member)
    return pairs


def describe(tiers: Tiers) -> dict[str, object]:
    return {
        "members_matched": 2 * tiers.pairs,
        "repeats": tiers.pairs - tiers.fresh,
        "cross_border_groups": tiers.cross_border,
        "quality_points": round(tiers.quality, 2),
    }


def with_partner(pool: object, avoid: list[tuple[str, str]]) -> int:
    """Members who have at least one allowed partner: no pairing can match more."""
    speakers = pool.speakers()  # type: ignore[attr-defined]
    # A speaker shares a language with someone; only the avoid list can leave them no partner.
    avoiding = {pool.index[i] for pair in avoid for i in pair if i in pool.index}  # type: ignore[attr-defined]
    stuck = sum(len(pool.compatible(i)) == 0 for i in avoiding if speakers[i])  # type: ignore[attr-defined]
    return int(speakers.sum()) - stuck


def measure(tiers: Tiers, reference: Tiers, label: str) -> dict[str, object]:
    return {
        f"cross_border_percent_of_{label}": round(
            100.0 * tiers.cross_border / max(reference.cross_border, 1), 3
        ),
        f"quality_percent_of_{label}": round(100.0 * tiers.quality / max(reference.quality, 1e-9), 3),
    }


def one_size(n: int, seed: int, mode: str, lp_limit: int = LP_BOUND_LIMIT) -> dict[str, object]:
    pool_data = generate(n, seed=seed)
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    cpu_started = time.process_time()
    result = match(
        pool_data.members,
        history=pool_data.history,
        avoid=pool_data.avoid,
        seed=seed,
        now=NOW,
        cross_border=mode,
    )
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    load_after = os.getloadavg()[0]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    pool = make_pool(
        pool_data.members,
        history=pool_data.history,
        avoid=pool_data.avoid,
        seed=seed,
        now=NOW,
        cross_border=mode,
    )
    found_pairs = embedded_pairs(pool, result)
    found = tiers_of(pool, found_pairs)
    started = time.perf_counter()
    baseline_pairs = greedy_baseline(pool, seed)
    baseline_seconds = time.perf_counter() - started
    baseline = tiers_of(pool, baseline_pairs)
    row: dict[str, object] = {
        "n": n,
        "cross_border_mode": mode,
        "seconds": round(seconds, 2),
        # Other work on the machine slows the wall clock; the CPU time of the matching is steadier.
        "cpu_seconds": round(cpu_seconds, 2),
        "load_average_1min": [round(load_before, 2), round(load_after, 2)],
        "peak_mb": round(peak_mb),
        "members_with_a_partner": with_partner(pool, pool_data.avoid),
        "groups": len(result.groups),
        "trios": sum(len(g) == 3 for g in result.groups),
        "unmatched": dict(
            sorted({r: sum(x == r for _i, x in result.unmatched) for _i, r in result.unmatched}.items())
        ),
        "matcher": describe(found) | {"members_matched": n - len(result.unmatched)},
        "greedy_baseline": describe(baseline) | {"seconds": round(baseline_seconds, 2)},
    }
    if n <= EXACT_LIMIT:
        started = time.perf_counter()
        optimum = exact_optimum(pool)
        row["exact_optimum"] = describe(optimum) | {"seconds": round(time.perf_counter() - started, 1)}
        row["matcher"] |= measure(found, optimum, "optimum")  # type: ignore[operator]
        row["greedy_baseline"] |= measure(baseline, optimum, "optimum")  # type: ignore[operator]
    # Upper bounds (also below EXACT_LIMIT, to show how far they sit above the optimum).
    started = time.perf_counter()
    cover = CoverBound(pool)
    most_pairs = 2 * found.pairs >= row["members_with_a_partner"] - 1  # type: ignore[operator]
    # The matching LP on member types: exact for that LP at any size. A count of pairs is a whole
    # number, so the bound rounds down.
    type_cross = cross_border_bound(pool, pairs=found.pairs if most_pairs else None)
    cross_bound = math.floor(min(cover.bound(1.0, passes=0, quality=False), type_cross) + 1e-9)
    total_bounds = {x: cover.bound(x, passes=BOUND_PASSES) for x in BOUND_CROSS_WEIGHTS}
    # The LP bounds hold for pairings with as many pairs as ours, which is the most there are
    # when ours leaves out only who has no partner (and the odd one out): most_pairs above.
    # (The same LP on members, with cutting planes, is no tighter than the one on types and took
    # a minute at 10,000: only interests and hours still use it.)
    u, v, _w = candidate_edges(pool, 24)
    # With the matcher's own pairs the LP's first edges already hold a pairing as good as ours.
    u = np.concatenate([u, np.array([a for a, _b in found_pairs], dtype=np.int64)])
    v = np.concatenate([v, np.array([b for _a, b in found_pairs], dtype=np.int64)])

    def quality_bound(tiers: Tiers, *, use_lp: bool = True) -> float:
        # Any pairing with at least this many cross-border groups (the optimum has at least as many
        # as ours once members and repeats are optimal): quality <= bound(X) - X * groups.
        if mode == "preferred":
            # The other-country bonus is part of the quality here: the cover with X = 10.
            bounds = [total_bounds[pool.weights.other_country]]
        else:
            bounds = [bound - x * tiers.cross_border for x, bound in total_bounds.items()]
        if use_lp and n <= lp_limit:
            lp = tightest_assignment_bound(
                pool,
                u,
                v,
                cover=cover,
                pairs=tiers.pairs if most_pairs and tiers.pairs == found.pairs else None,
                cross_floor=tiers.cross_border if mode == "strict" else None,
            )
            bounds.append(lp.value)
        return min(bounds)

    found_quality_bound = quality_bound(found)
    row["bounds"] = {
        "kind": {
            "cross_border_groups": "matching LP on member types",
            "quality_points": "matching LP, cutting planes" if n <= lp_limit else "fractional vertex cover",
        },
        "cross_border_groups": round(cross_bound, 1),
        "quality_points": round(found_quality_bound, 2),
        "seconds": round(time.perf_counter() - started, 1),
    }
    for name, tiers in (("matcher", found), ("greedy_baseline", baseline)):
        # The baseline is measured against the cheaper bounds alone (the LP takes a while).
        limit = found_quality_bound if tiers is found else quality_bound(tiers, use_lp=False)
        reference = Tiers(tiers.pairs, tiers.fresh, int(cross_bound), limit)
        row[name] |= measure(tiers, reference, "bound")  # type: ignore[operator]
    return row


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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small pools only (about half a minute)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sizes", type=int, nargs="*", help="pool sizes instead of the defaults")
    parser.add_argument("--cross-border", choices=("strict", "preferred"), default="strict")
    parser.add_argument(
        "--lp-limit",
        type=int,
        default=LP_BOUND_LIMIT,
        help="largest pool whose interests-and-hours bound comes from the LP (slow above 10000)",
    )
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # one size, in this process
    args = parser.parse_args(argv)
    if args.one is not None:
        print(json.dumps(one_size(args.one, args.seed, args.cross_border, args.lp_limit)))
        return 0
    sizes = args.sizes or ((300, 1_000) if args.quick else (1_000, 3_000, 10_000, 100_000))
    rows = []
    for n in sizes:
        command = [sys.executable, __file__, "--one", str(n), "--seed", str(args.seed)]
        command += ["--cross-border", args.cross_border, "--lp-limit", str(args.lp_limit)]
        done = subprocess.run(command, check=True, capture_output=True, text=True)
        rows.append(json.loads(done.stdout))
    stall_n = min(max(sizes), 10_000)
    try:
        stall, stall_seconds = asyncio.run(longest_stall(generate(stall_n, seed=args.seed), seed=args.seed))
    finally:
        shutdown_worker_pool()
    report = {
        "rows": rows,
        "event_loop": {
            "n": stall_n,
            "longest_stall_ms": round(stall, 2),
            "worker_seconds": round(stall_seconds, 2),
        },
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

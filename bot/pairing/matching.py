"""Pen-pal pairing: who writes to whom this round.

A round is a matching with a lexicographic objective, strictly in this order:

1. a shared language and the avoid list are hard rules (such pairs are not edges at all);
2. leave as few people out as possible (maximum cardinality);
3. repeat as few recent partners as possible;
4. as many cross-border groups as possible (``cross_border="strict"``, the default), or a large
   10-point bonus for another country that good interests and hours can outweigh
   (``"preferred"``, the scoring before cross-border came first);
5. shared interests and overlapping waking hours break the remaining ties.

Tiers 3-5 are one int64 weight per pair (see ``_pool``); tier 2 is the solvers' own
(maximum-cardinality blossom, augmenting paths). Pools up to ``exact_limit`` members (300 by
default) are matched exactly on every allowed pair. Larger ones get candidates from buckets
(language x country x interests, ``_candidates``), not from every pair, and start from the best
fractional matching of that graph, then augmenting paths, swaps and exact parts (``_solve``). A
round has at most one trio, for a member the pairs left over (``_groups``).

rustworkx holds the GIL for the whole run: in the bot, call :func:`match_in_worker`, which runs
:func:`match` in another process.
"""

from __future__ import annotations

import asyncio
import functools
import json
import multiprocessing
import os
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from bot.pairing._candidates import candidate_edges, full_edges
from bot.pairing._groups import Groups
from bot.pairing._pool import (
    CROSS_BORDER_MODES,
    CROSS_BORDER_PREFERRED,
    CROSS_BORDER_STRICT,
    DEFAULT_WEIGHTS,
    WAKING_END_HOUR,
    WAKING_START_HOUR,
    Candidate,
    Pool,
    ScoringWeights,
    normalise,
    profile,
    quality,
    require_aware,
    utc_offset_hours,
    waking_overlap_hours,
)
from bot.pairing._solve import Graph, matching, wide_candidates

__all__ = [
    "CROSS_BORDER_MODES",
    "CROSS_BORDER_PREFERRED",
    "CROSS_BORDER_STRICT",
    "DEFAULT_EXACT_LIMIT",
    "DEFAULT_WEIGHTS",
    "REASONS",
    "REASON_ALONE",
    "REASON_NO_SHARED_LANGUAGE",
    "REASON_ODD_ONE_OUT",
    "REASON_ONLY_AVOIDED",
    "WAKING_END_HOUR",
    "WAKING_START_HOUR",
    "Candidate",
    "MatchResult",
    "ScoringWeights",
    "Tiers",
    "embedded_pairs",
    "exact_optimum",
    "make_pool",
    "match",
    "match_in_worker",
    "pair_weight",
    "shares_language",
    "shutdown_worker_pool",
    "tiers_of",
    "utc_offset_hours",
    "waking_overlap_hours",
    "worker_pool",
]

REASON_ALONE = "alone"
REASON_NO_SHARED_LANGUAGE = "no_shared_language"
REASON_ONLY_AVOIDED = "only_avoided"
REASON_ODD_ONE_OUT = "odd_one_out"
REASONS = frozenset({REASON_ALONE, REASON_NO_SHARED_LANGUAGE, REASON_ONLY_AVOIDED, REASON_ODD_ONE_OUT})

# Pools up to _FULL_GRAPH_LIMIT are matched exactly (blossom) on every allowed pair; a caller may
# ask for the exact matcher on the candidate graph up to a larger ``exact_limit``. Not by default:
# from 500 to 2,000 members the fractional start reached the optimum's cross-border groups, which
# the exact matcher on the candidate graph fell one short of (and took under half its time from
# 2,000 members).
_FULL_GRAPH_LIMIT = 300
DEFAULT_EXACT_LIMIT = _FULL_GRAPH_LIMIT


@dataclass(frozen=True)
class MatchResult:
    groups: list[tuple[str, ...]]
    unmatched: list[tuple[str, str]]
    score: float
    """Sum of :func:`pair_weight` over every pair of people who share a group (a trio counts 3)."""
    repeats: int = 0
    """Pairs inside groups that were partners in the history window."""
    cross_border: int = 0
    """Groups whose members are not all from one country."""


@dataclass(frozen=True, order=True)
class Tiers:
    """A set of pairs measured tier by tier; compare two with ``<`` (later fields break ties)."""

    pairs: int
    fresh: int
    """Pairs that are not repeats (more is better, like every field here)."""
    cross_border: int
    quality: float
    """Interests and waking hours in points (plus the other-country bonus when "preferred")."""


def shares_language(a: Candidate, b: Candidate) -> bool:
    return bool(normalise(a.languages) & normalise(b.languages))


def pair_weight(
    a: Candidate,
    b: Candidate,
    *,
    now: datetime,
    avoid: Iterable[tuple[str, str]] = (),
    weights: ScoringWeights = DEFAULT_WEIGHTS,
) -> float | None:
    """How good a pair ``a``-``b`` is in points, or None when they may not be paired.

    None means: the same person, no shared language, or an avoid pair. A recent partner is *not*
    None: repeats are allowed as a last resort, and :func:`match` handles that tier itself.
    """
    if a.id == b.id:
        return None
    if frozenset((a.id, b.id)) in {frozenset(pair) for pair in avoid}:
        return None
    pa, pb = profile(a, now), profile(b, now)
    if not pa.languages & pb.languages:
        return None
    return quality(pa, pb, weights)


def tiers_of(pool: Pool, pairs: Sequence[tuple[int, int]]) -> Tiers:
    if not pairs:
        return Tiers(0, 0, 0, 0.0)
    u = np.array([a for a, _b in pairs], dtype=np.int64)
    v = np.array([b for _a, b in pairs], dtype=np.int64)
    units = pool.quality_units(u, v)
    return Tiers(
        pairs=len(pairs),
        fresh=int((~pool.is_repeat(u, v)).sum()),
        cross_border=int(pool.is_cross(u, v).sum()),
        quality=float(units.sum()) / 1000.0,
    )


def _solve(pool: Pool, top_k: int, exact_limit: int) -> MatchResult:
    n = pool.n
    if n == 0:
        return MatchResult(groups=[], unmatched=[], score=0.0)
    if n == 1:
        return MatchResult(groups=[], unmatched=[(pool.ids[0], REASON_ALONE)], score=0.0)
    if n <= _FULL_GRAPH_LIMIT:
        edges = full_edges(pool)
    else:
        edges = candidate_edges(pool, max(1, top_k), wide=wide_candidates(n, exact_limit))
    graph = Graph(n, *edges)
    degree = np.bincount(np.concatenate([graph.u, graph.v]), minlength=n)
    mate, prepicked = matching(pool, graph, exact_limit, degree)

    groups = Groups(pool, mate)
    speakers = pool.speakers()
    aside = set(prepicked)
    leftovers = [i for i in range(n) if mate[i] < 0 and speakers[i] and i not in aside]
    # Fewest options first, so the scarce ones are not crowded out by flexible ones.
    leftovers.sort(key=lambda i: (int(degree[i]), int(pool.keys32[i]), i))
    if len(leftovers) > 1:
        groups.augment(leftovers)
    for u in prepicked + [i for i in leftovers if i not in groups.group_of]:
        if groups.place(u):
            break  # one trio per round

    unmatched: list[tuple[str, str]] = []
    for i in range(n):
        if i in groups.group_of:
            continue
        if not speakers[i]:
            reason = REASON_NO_SHARED_LANGUAGE
        elif len(pool.compatible(i)) == 0:
            reason = REASON_ONLY_AVOIDED
        else:
            reason = REASON_ODD_ONE_OUT
        unmatched.append((pool.ids[i], reason))

    score = 0.0
    out: list[tuple[str, ...]] = []
    within: list[tuple[int, int]] = []
    crossing: list[bool] = []
    for group in groups.groups():
        pairs = _pairs_within(group)
        within += pairs
        score += sum(pool.quality(x, y) for x, y in pairs)
        countries = {int(pool.country[x]) for x in group}
        crossing.append(len(countries) > 1)
        out.append(tuple(pool.ids[i] for i in group))
    us = np.array([x for x, _y in within], dtype=np.int64)
    vs = np.array([y for _x, y in within], dtype=np.int64)
    repeats = int(pool.is_repeat(us, vs).sum())
    cross = sum(crossing)
    out.sort()
    return MatchResult(groups=out, unmatched=unmatched, score=score, repeats=repeats, cross_border=cross)


def _pairs_within(group: Sequence[int]) -> list[tuple[int, int]]:
    return [(group[i], group[j]) for i in range(len(group)) for j in range(i + 1, len(group))]


# --------------------------------------------------------------------------------------------------
# Public entry points


def match(
    members: Sequence[Candidate],
    *,
    history: Sequence[tuple[str, str]] = (),
    avoid: Sequence[tuple[str, str]] = (),
    seed: int = 0,
    now: datetime,
    top_k: int = 24,
    weights: ScoringWeights = DEFAULT_WEIGHTS,
    exact_limit: int = DEFAULT_EXACT_LIMIT,
    cross_border: str = CROSS_BORDER_STRICT,
) -> MatchResult:
    """Groups for one round; see the module docstring for the rules.

    ``history`` is the window of past pairs that should not repeat (oldest first; the order does
    not matter here). Ids in ``history`` or ``avoid`` that are not in ``members`` are ignored.
    The same input and seed give the same result whatever the order of ``members``.
    """
    pool = Pool(
        members, history=history, avoid=avoid, seed=seed, now=now, weights=weights, cross_border=cross_border
    )
    return _solve(pool, top_k, exact_limit)


def make_pool(
    members: Sequence[Candidate],
    *,
    history: Sequence[tuple[str, str]] = (),
    avoid: Sequence[tuple[str, str]] = (),
    seed: int = 0,
    now: datetime,
    weights: ScoringWeights = DEFAULT_WEIGHTS,
    cross_border: str = CROSS_BORDER_STRICT,
) -> Pool:
    """The pool :func:`match` builds, for measuring results with :func:`tiers_of`."""
    return Pool(
        members, history=history, avoid=avoid, seed=seed, now=now, weights=weights, cross_border=cross_border
    )


def embedded_pairs(pool: Pool, result: MatchResult) -> list[tuple[int, int]]:
    """One pair per group (a trio's best pair): a matching of the full graph, so it compares with
    :func:`exact_optimum` and with upper bounds on matchings."""
    pairs: list[tuple[int, int]] = []
    for group in result.groups:
        inside = _pairs_within([pool.index[i] for i in group])
        weights = pool.weight(np.array([a for a, _b in inside]), np.array([b for _a, b in inside]))
        pairs.append(inside[int(np.argmax(weights))])
    return pairs


def exact_optimum(pool: Pool) -> Tiers:
    """The tiers of the best set of pairs on the full graph (no trio), by the exact blossom.

    Quadratic memory and cubic time: for benchmarks and tests only (minutes at N=3,000 here).
    """
    graph = Graph(pool.n, *full_edges(pool))
    mate = np.full(pool.n, -1, dtype=np.int64)
    graph.exact(np.arange(pool.n, dtype=np.int64), mate)
    return tiers_of(pool, [(a, int(b)) for a, b in enumerate(mate.tolist()) if a < b])


# --------------------------------------------------------------------------------------------------
# Running off the event loop

_WORKER_NICENESS = 10
_worker_lock = threading.Lock()
_worker: ProcessPoolExecutor | None = None


def worker_pool() -> ProcessPoolExecutor:
    """The shared one-process pool :func:`match_in_worker` uses when given no executor."""
    global _worker  # noqa: PLW0603 - one pool per process, created on first use
    with _worker_lock:
        if _worker is None:
            # spawn, not fork: forking a process that runs an event loop and threads copies their
            # locks in whatever state they were in.
            _worker = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                # A round is batch work: on a small machine the event loop's process comes first.
                initializer=os.nice,
                initargs=(_WORKER_NICENESS,),
            )
        return _worker


def shutdown_worker_pool() -> None:
    global _worker  # noqa: PLW0603 - see worker_pool
    with _worker_lock:
        if _worker is not None:
            _worker.shutdown(wait=True, cancel_futures=True)
            _worker = None


_CHUNK = 1000


def _serialise(
    members: list[Candidate], history: list[tuple[str, str]], avoid: list[tuple[str, str]]
) -> tuple[list[str], list[str], list[str]]:
    """The round as JSON text, in chunks.

    Whatever is handed to the process pool is pickled on a thread of this process, in one C call
    that keeps the GIL (and so the event loop) for its whole length: about 15 ms for 10,000
    members. Encoding small chunks on a worker thread lets the loop run between them, and the
    strings that result pickle in no time.
    """

    def chunks(rows: list[Any]) -> list[str]:
        return [json.dumps(rows[start : start + _CHUNK]) for start in range(0, len(rows), _CHUNK)]

    rows = [[m.id, m.country, list(m.languages), list(m.interests), m.timezone] for m in members]
    return chunks(rows), chunks([list(pair) for pair in history]), chunks([list(pair) for pair in avoid])


def _match_serialised(
    payload: tuple[list[str], list[str], list[str]],
    seed: int,
    now: datetime,
    top_k: int,
    exact_limit: int,
    cross_border: str,
) -> MatchResult:
    member_chunks, history_chunks, avoid_chunks = payload
    members = [
        Candidate(member_id, country, frozenset(languages), frozenset(interests), timezone)
        for chunk in member_chunks
        for member_id, country, languages, interests, timezone in json.loads(chunk)
    ]
    history = [(a, b) for chunk in history_chunks for a, b in json.loads(chunk)]
    avoid = [(a, b) for chunk in avoid_chunks for a, b in json.loads(chunk)]
    return match(
        members,
        history=history,
        avoid=avoid,
        seed=seed,
        now=now,
        top_k=top_k,
        exact_limit=exact_limit,
        cross_border=cross_border,
    )


async def match_in_worker(
    members: Sequence[Candidate],
    *,
    history: Sequence[tuple[str, str]] = (),
    avoid: Sequence[tuple[str, str]] = (),
    seed: int = 0,
    now: datetime,
    top_k: int = 24,
    exact_limit: int = DEFAULT_EXACT_LIMIT,
    executor: ProcessPoolExecutor | None = None,
    cross_border: str = CROSS_BORDER_STRICT,
) -> MatchResult:
    """:func:`match` in a worker process, so the event loop keeps running meanwhile.

    ``executor`` defaults to :func:`worker_pool`; call :func:`shutdown_worker_pool` at shutdown.
    """
    require_aware(now)
    if cross_border not in CROSS_BORDER_MODES:
        raise ValueError(f"cross_border must be one of {CROSS_BORDER_MODES}, got {cross_border!r}")
    # Copies taken here, on the loop: other tasks may change the caller's lists while we wait.
    payload = await asyncio.to_thread(_serialise, list(members), list(history), list(avoid))
    # A plain str crosses to the worker whatever str subclass (an enum) the caller used.
    job = functools.partial(_match_serialised, payload, seed, now, top_k, exact_limit, str(cross_border))
    return await asyncio.get_running_loop().run_in_executor(executor or worker_pool(), job)

"""Pen-pal pairing: who writes to whom this round.

A round is a maximum-weight matching with a lexicographic objective:

1. leave as few people out as possible (maximum cardinality),
2. repeat as few recent partners as possible,
3. maximise the quality of the pairs: another country, shared interests, overlapping waking hours.

A shared language and the avoid list are hard rules: such pairs are not edges at all. A recent
partner is an edge in a lower tier: every fresh edge carries a bonus larger than the quality of any
whole matching, so a repeat is taken only when it is the only way to match one more person.

The exact matcher (rustworkx, blossom) is cubic, so the graph is thinned to each member's ``top_k``
candidates; an edge survives when it is in either endpoint's top-k, so a member with few options
keeps all of them. Pools larger than ``exact_limit`` are cut into parts along the candidate graph,
matched part by part, then repaired around the cuts: faster, slightly worse (see the benchmark).

Someone left over joins a pair as a third when they fit both (shared language, no avoid): an odd
pool gets exactly one trio. In a large group that member is chosen before matching, because an odd
vertex count makes the blossom algorithm several times slower.

rustworkx holds the GIL for the whole run: in the bot, call :func:`match_in_worker`, which runs
:func:`match` in another process.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import itertools
import json
import multiprocessing
import os
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import rustworkx as rx

REASON_ALONE = "alone"
REASON_NO_SHARED_LANGUAGE = "no_shared_language"
REASON_ONLY_AVOIDED = "only_avoided"
REASON_ODD_ONE_OUT = "odd_one_out"
REASONS = frozenset({REASON_ALONE, REASON_NO_SHARED_LANGUAGE, REASON_ONLY_AVOIDED, REASON_ODD_ONE_OUT})

WAKING_START_HOUR = 8.0
WAKING_END_HOUR = 22.0
_WAKING_HOURS = WAKING_END_HOUR - WAKING_START_HOUR

# Quality is a float for people; the matcher wants integers. 1/1000 of a point is finer than any
# weight combination below (quarter-hour zones give multiples of 1/8 point).
_QUALITY_SCALE = 1000
# Below one quality unit sits a seeded jitter: it breaks ties the same way on every run with the
# same seed, whatever order the members arrived in, and differently for another seed.
_JITTER_SPAN = 1024
_JITTER_SHIFT = 32 - 10
# Ranks are int32 while scoring: a recent partner sits this far below any fresh pair.
_REPEAT_SHIFT = 1 << 30
_NOT_ALLOWED = np.iinfo(np.int32).min
# Width of each member's shortlist before prices pick the final top-k from it.
_SHORTLIST = 48
# Above this many members in one connected group the trio member is picked before matching.
_PREPICK_MIN_COMPONENT = 50
# Pools above this size are matched in parts (the exact matcher is cubic), then repaired.
DEFAULT_EXACT_LIMIT = 4000
_PART_SIZE = 2500
_REPAIR_ROUNDS = 2
_REPAIR_NEIGHBOURS = 3
_SPECTRAL_STEPS = 60
_PRICE_PASSES = 3
# How many of a leftover's partners the trio search tries to move into another pair.
_SWAP_TRIES = 20
# Cells per block when scoring everyone against everyone: bounds memory at about 200 MB for N=10,000.
_BLOCK_CELLS = 2_000_000


@dataclass(frozen=True)
class Candidate:
    id: str
    country: str
    languages: frozenset[str]
    interests: frozenset[str]
    timezone: str


@dataclass(frozen=True)
class MatchResult:
    groups: list[tuple[str, ...]]
    unmatched: list[tuple[str, str]]
    score: float
    """Sum of :func:`pair_weight` over every pair of people who share a group (a trio counts 3)."""
    repeats: int = 0
    """Pairs inside groups that were partners in the history window."""


@dataclass(frozen=True)
class ScoringWeights:
    base: float = 1.0
    other_country: float = 10.0
    per_shared_interest: float = 3.0
    max_shared_interests: int = 3
    per_overlap_hour: float = 0.5

    def __post_init__(self) -> None:
        values = (self.base, self.other_country, self.per_shared_interest, self.per_overlap_hour)
        if min(values) < 0 or self.max_shared_interests < 0:
            raise ValueError("scoring weights must not be negative")

    @property
    def maximum(self) -> float:
        return (
            self.base
            + self.other_country
            + self.per_shared_interest * self.max_shared_interests
            + self.per_overlap_hour * _WAKING_HOURS
        )


DEFAULT_WEIGHTS = ScoringWeights()


# --------------------------------------------------------------------------------------------------
# Scoring one pair


@dataclass(frozen=True, slots=True)
class _Profile:
    country: str
    languages: frozenset[str]
    interests: frozenset[str]
    offset: float


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")


def _normalise(values: Iterable[str]) -> frozenset[str]:
    return frozenset(v.strip().casefold() for v in values if v.strip())


def utc_offset_hours(timezone: str, now: datetime) -> float:
    """The zone's offset from UTC at ``now``, in hours (DST included)."""
    _require_aware(now)
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {timezone!r}") from exc
    offset = now.astimezone(zone).utcoffset()
    assert offset is not None
    return offset.total_seconds() / 3600.0


def waking_overlap_hours(offset_a: float, offset_b: float) -> float:
    """Hours when both people are between 08:00 and 22:00 local time (0 to 14)."""
    # Both windows have the same length on a 24-hour circle, so the overlap only depends on the
    # shift between them, once on each side of the circle.
    shift = (offset_b - offset_a) % 24.0
    return max(0.0, _WAKING_HOURS - shift) + max(0.0, _WAKING_HOURS - (24.0 - shift))


def _profile(member: Candidate, now: datetime, offsets: dict[str, float] | None = None) -> _Profile:
    # zoneinfo's strong cache holds only 8 zones; a pool spans dozens, so remember offsets here.
    offsets = {} if offsets is None else offsets
    offset = offsets.get(member.timezone)
    if offset is None:
        try:
            offset = offsets[member.timezone] = utc_offset_hours(member.timezone, now)
        except ValueError as exc:
            raise ValueError(f"member {member.id!r}: {exc}") from None
    return _Profile(
        country=member.country.strip().casefold(),
        languages=_normalise(member.languages),
        interests=_normalise(member.interests),
        offset=offset,
    )


def _place_quality(a: _Profile, b: _Profile, weights: ScoringWeights) -> float:
    """The part of a pair's quality that depends only on where both people are."""
    quality = weights.base
    if a.country != b.country:
        quality += weights.other_country
    return quality + weights.per_overlap_hour * waking_overlap_hours(a.offset, b.offset)


def _quality(a: _Profile, b: _Profile, weights: ScoringWeights) -> float:
    # _Pool.quality_block looks both terms up in tables built with these same functions and adds
    # them in this order, so the scalar and vectorised figures are bit-identical.
    shared = min(len(a.interests & b.interests), weights.max_shared_interests)
    return _place_quality(a, b, weights) + weights.per_shared_interest * shared


def shares_language(a: Candidate, b: Candidate) -> bool:
    return bool(_normalise(a.languages) & _normalise(b.languages))


def pair_weight(
    a: Candidate,
    b: Candidate,
    *,
    now: datetime,
    avoid: Iterable[tuple[str, str]] = (),
    weights: ScoringWeights = DEFAULT_WEIGHTS,
) -> float | None:
    """How good a pair ``a``-``b`` is, or None when they may not be paired.

    None means: the same person, no shared language, or an avoid pair. A recent partner is *not*
    None: repeats are allowed as a last resort, and :func:`match` handles that tier itself.
    """
    if a.id == b.id:
        return None
    if frozenset((a.id, b.id)) in {frozenset(pair) for pair in avoid}:
        return None
    pa, pb = _profile(a, now), _profile(b, now)
    if not pa.languages & pb.languages:
        return None
    return _quality(pa, pb, weights)


# --------------------------------------------------------------------------------------------------
# The pool: everyone, indexed in a canonical order, with vectorised scoring


def _member_key(seed: int, member_id: str) -> int:
    digest = hashlib.blake2b(f"{seed}\x00{member_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def _incidence(sets: Sequence[frozenset[str]]) -> np.ndarray:
    """A members x values 0/1 matrix, keeping only values two or more members hold."""
    counts: dict[str, int] = {}
    for values in sets:
        for value in values:
            counts[value] = counts.get(value, 0) + 1
    columns = {value: i for i, value in enumerate(sorted(v for v, c in counts.items() if c > 1))}
    matrix = np.zeros((len(sets), len(columns)), dtype=np.float32)
    for row, values in enumerate(sets):
        for value in values:
            column = columns.get(value)
            if column is not None:
                matrix[row, column] = 1.0
    return matrix


def _pair_arrays(pairs: Iterable[tuple[str, str]], index: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Both directions of each known pair as (rows, cols), sorted by row for block slicing."""
    rows: list[int] = []
    cols: list[int] = []
    for pair in pairs:
        if len(pair) != 2:
            raise ValueError(f"expected a pair of ids, got {pair!r}")
        a, b = index.get(pair[0]), index.get(pair[1])
        # The caller's windows may name people who left since: they cannot be paired anyway.
        if a is None or b is None or a == b:
            continue
        rows += (a, b)
        cols += (b, a)
    row_array = np.array(rows, dtype=np.intp)
    col_array = np.array(cols, dtype=np.intp)
    order = np.lexsort((col_array, row_array))
    return row_array[order], col_array[order]


def _neighbours(rows: np.ndarray, cols: np.ndarray) -> dict[int, frozenset[int]]:
    out: dict[int, set[int]] = {}
    for a, b in zip(rows.tolist(), cols.tolist(), strict=True):
        out.setdefault(a, set()).add(b)
    return {a: frozenset(b) for a, b in out.items()}


@dataclass
class _Scan:
    """What one pass over all pairs learns."""

    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_w: np.ndarray
    degree: np.ndarray  # allowed partners
    speakers: np.ndarray  # partners sharing a language, avoid list ignored


class _Pool:
    def __init__(
        self,
        members: Sequence[Candidate],
        *,
        history: Iterable[tuple[str, str]],
        avoid: Iterable[tuple[str, str]],
        seed: int,
        now: datetime,
        weights: ScoringWeights,
    ) -> None:
        _require_aware(now)
        # Sorting by id makes every index-based tie-break independent of the input order.
        ordered = sorted(members, key=lambda m: m.id)
        for before, after in itertools.pairwise(ordered):
            if before.id == after.id:
                raise ValueError(f"duplicate member id {after.id!r}")
        self.ids = [m.id for m in ordered]
        self.n = len(ordered)
        self.index = {member_id: i for i, member_id in enumerate(self.ids)}
        self.weights = weights
        offsets: dict[str, float] = {}
        self.profiles = [_profile(m, now, offsets) for m in ordered]
        self.languages = _incidence([p.languages for p in self.profiles])
        self.interests = _incidence([p.interests for p in self.profiles])
        self.avoid_rows, self.avoid_cols = _pair_arrays(avoid, self.index)
        self.history_rows, self.history_cols = _pair_arrays(history, self.index)
        self.avoid = _neighbours(self.avoid_rows, self.avoid_cols)
        self.history = _neighbours(self.history_rows, self.history_cols)
        self.seed = seed
        self.keys = np.array([_member_key(seed, i) for i in self.ids], dtype=np.uint64)
        self.keys32 = (self.keys >> np.uint64(32)).astype(np.uint32)

        # Country and time zone only matter through (country, UTC offset) "places", of which there
        # are far fewer than members: their part of the quality is a small table.
        places: dict[tuple[str, float], int] = {}
        representatives: list[_Profile] = []
        for profile in self.profiles:
            key = (profile.country, profile.offset)
            if key not in places:
                places[key] = len(representatives)
                representatives.append(profile)
        self.place = np.array([places[(p.country, p.offset)] for p in self.profiles], dtype=np.intp)
        distinct = sorted({p.offset for p in representatives})
        overlap = np.array(
            [[waking_overlap_hours(a, b) for b in distinct] for a in distinct], dtype=np.float64
        ).reshape(len(distinct), len(distinct))
        offset_of = np.array([distinct.index(p.offset) for p in representatives], dtype=np.intp)
        country_codes: dict[str, int] = {}
        country_of = np.array(
            [country_codes.setdefault(p.country, len(country_codes)) for p in representatives], dtype=np.int64
        )
        # Same operations in the same order as _place_quality, so the floats are identical.
        abroad = country_of[:, None] != country_of[None, :]
        hours = overlap[offset_of[:, None], offset_of[None, :]]
        place_part = weights.base + weights.other_country * abroad
        self.place_quality = place_part + weights.per_overlap_hour * hours
        self.interest_quality = np.array(
            [weights.per_shared_interest * shared for shared in range(weights.max_shared_interests + 1)],
            dtype=np.float64,
        )
        # Matcher weights are integers: quality in 1/1000 points, times the jitter span, plus jitter.
        self.place_rank = np.rint(self.place_quality * _QUALITY_SCALE).astype(np.int32) * _JITTER_SPAN
        self.interest_rank_unit = round(weights.per_shared_interest * _QUALITY_SCALE) * _JITTER_SPAN
        max_rank = (
            int(self.place_rank.max(initial=0))
            + self.interest_rank_unit * weights.max_shared_interests
            + _JITTER_SPAN
        )
        if max_rank >= _REPEAT_SHIFT:
            raise ValueError("scoring weights too large")
        # The non-repeat bonus must beat the quality of any whole matching (at most n/2 edges).
        self.tier = (self.n // 2 + 1) * max_rank + 1

    # -- scalar helpers, for the few pairs looked at after the matcher ran

    def allowed(self, i: int, j: int) -> bool:
        if i == j or j in self.avoid.get(i, ()):
            return False
        return bool(self.profiles[i].languages & self.profiles[j].languages)

    def is_repeat(self, i: int, j: int) -> bool:
        return j in self.history.get(i, ())

    def quality(self, i: int, j: int) -> float:
        return _quality(self.profiles[i], self.profiles[j], self.weights)

    def jitter(self, i: int, j: int) -> int:
        return (int(self.keys32[i]) ^ int(self.keys32[j])) >> _JITTER_SHIFT

    def pair_keys(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Per pair: (is a repeat, quality, jitter) as float rows, to add up and compare."""
        a = np.asarray(a, dtype=np.int64)
        b = np.asarray(b, dtype=np.int64)
        shared = np.einsum("ij,ij->i", self.interests[a], self.interests[b])
        shared = np.minimum(shared, self.weights.max_shared_interests).astype(np.int64)
        quality = self.place_quality[self.place[a], self.place[b]] + self.interest_quality[shared]
        repeats = np.array([self.is_repeat(x, y) for x, y in zip(a.tolist(), b.tolist(), strict=True)])
        jitter = (self.keys32[a] ^ self.keys32[b]) >> np.uint32(_JITTER_SHIFT)
        return np.column_stack([repeats.astype(np.float64), quality, jitter.astype(np.float64)])

    def compatible(self, i: int) -> np.ndarray:
        """Everyone ``i`` may be paired with, on the full graph."""
        _speak, allowed = self.allowed_block(i, i + 1)
        return np.flatnonzero(allowed[0])

    def compatible_matrix(self, rows: Sequence[int], cols: Sequence[int]) -> np.ndarray:
        """allowed(i, j) for every i in ``rows`` and j in ``cols``, as a boolean matrix."""
        row_index = np.asarray(rows, dtype=np.intp)
        col_index = np.asarray(cols, dtype=np.intp)
        allowed = (self.languages[row_index] @ self.languages[col_index].T) > 0.5
        allowed &= row_index[:, None] != col_index[None, :]
        for r, i in enumerate(row_index.tolist()):
            avoided = self.avoid.get(i)
            if avoided:
                allowed[r] &= ~np.isin(col_index, list(avoided))
        return allowed

    # -- vectorised scoring, a block of rows against everyone

    def allowed_block(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        """Who shares a language with whom, and who may be paired (avoid list applied)."""
        speak = (self.languages[start:stop] @ self.languages.T) > 0.5
        local = np.arange(stop - start)
        speak[local, local + start] = False
        allowed = speak.copy()
        low, high = np.searchsorted(self.avoid_rows, (start, stop))
        allowed[self.avoid_rows[low:high] - start, self.avoid_cols[low:high]] = False
        return speak, allowed

    def _shared_interests(self, start: int, stop: int) -> np.ndarray:
        """Shared interests, capped, as float32 counts (exact: they are small integers)."""
        shared = self.interests[start:stop] @ self.interests.T
        return np.minimum(shared, np.float32(self.weights.max_shared_interests), out=shared)

    def quality_block(self, start: int, stop: int) -> np.ndarray:
        place = np.take(self.place_quality[self.place[start:stop]], self.place, axis=1)
        shared = self._shared_interests(start, stop).astype(np.int8)
        return place + self.interest_quality[shared]

    def rank_block(self, start: int, stop: int, allowed: np.ndarray) -> np.ndarray:
        """Matcher weights without the tier, as int32: quality units times the jitter span, plus
        jitter; minus _REPEAT_SHIFT for a recent partner; _NOT_ALLOWED where the pair is not allowed.
        """
        ranks = np.take(self.place_rank[self.place[start:stop]], self.place, axis=1)
        shared = self._shared_interests(start, stop)
        shared *= np.float32(self.interest_rank_unit)
        ranks += shared.astype(np.int32)
        # The member keys are uniform hashes already: the top bits of their XOR are a symmetric,
        # seeded jitter with no further mixing.
        jitter = (self.keys32[start:stop, None] ^ self.keys32[None, :]) >> np.uint32(_JITTER_SHIFT)
        ranks += jitter.view(np.int32)
        low, high = np.searchsorted(self.history_rows, (start, stop))
        ranks[self.history_rows[low:high] - start, self.history_cols[low:high]] -= _REPEAT_SHIFT
        ranks[~allowed] = _NOT_ALLOWED
        return ranks

    def weights_of(self, ranks: np.ndarray) -> np.ndarray:
        """int64 matcher weights from :meth:`rank_block` values: a fresh pair gets the tier bonus."""
        ranks = ranks.astype(np.int64)
        fresh = ranks >= 0
        return np.where(fresh, ranks + self.tier, ranks + _REPEAT_SHIFT)

    def blocks(self) -> Iterable[tuple[int, int]]:
        step = max(1, _BLOCK_CELLS // max(self.n, 1))
        for start in range(0, self.n, step):
            yield start, min(self.n, start + step)

    def cover(self, passes: int) -> np.ndarray:
        """Values y >= 0 with y_u + y_v >= quality(u, v) for every allowed pair, in points.

        Their sum bounds the quality of any pairing. Each pass costs one sweep over all pairs.
        """
        n = self.n
        cover = np.zeros(n, dtype=np.float64)
        for sweep in range(passes + 1):
            needed = np.zeros(n, dtype=np.float64)
            for start, stop in self.blocks():
                _speak, allowed = self.allowed_block(start, stop)
                slack = np.where(allowed, self.quality_block(start, stop) - cover[None, :], 0.0)
                needed[start:stop] = np.maximum(slack.max(axis=1, initial=0.0), 0.0)
            # The first sweep gives each member half their best pair; after that, moving halfway
            # to what each member needs keeps every pair covered: y_u' + y_v' >= the average of
            # (y_u + y_v) and (2 q - y_u - y_v), which is q.
            cover = needed / 2.0 if sweep == 0 else (cover + needed) / 2.0
        return cover

    def scan(self, top_k: int | None) -> _Scan:
        """Score every pair once and keep each member's ``top_k`` edges (all of them when None).

        Ranking by weight alone makes everyone list the same few attractive members, and a
        matching needs variety: each member first keeps a wider shortlist, then every member gets
        a price (what they are worth to others, from a vertex cover on the shortlists) and the
        top-k are ranked by weight minus the partner's price.
        """
        n = self.n
        degree = np.zeros(n, dtype=np.int64)
        speakers = np.zeros(n, dtype=np.int64)
        if top_k is None or top_k >= n - 1:
            us, vs, ws = [], [], []
            for start, stop in self.blocks():
                speak, allowed = self.allowed_block(start, stop)
                degree[start:stop] = allowed.sum(axis=1)
                speakers[start:stop] = speak.sum(axis=1)
                ranks = self.rank_block(start, stop, allowed)
                rows, cols = np.nonzero(allowed)
                us.append(rows + start)
                vs.append(cols)
                ws.append(ranks[rows, cols])
            return self._edges(np.concatenate(us), np.concatenate(vs), np.concatenate(ws), degree, speakers)

        width = min(n, max(_SHORTLIST, top_k))
        short_cols = np.zeros((n, width), dtype=np.int64)
        short_ranks = np.zeros((n, width), dtype=np.int32)
        for start, stop in self.blocks():
            speak, allowed = self.allowed_block(start, stop)
            degree[start:stop] = allowed.sum(axis=1)
            speakers[start:stop] = speak.sum(axis=1)
            ranks = self.rank_block(start, stop, allowed)
            cols = np.argpartition(ranks, n - width, axis=1)[:, n - width :]
            short_cols[start:stop] = cols
            short_ranks[start:stop] = np.take_along_axis(ranks, cols, axis=1)
        valid = short_ranks != _NOT_ALLOWED
        prices = self._shortlist_prices(short_cols, short_ranks, valid)
        order = np.where(valid, short_ranks.astype(np.int64) - prices[short_cols], np.iinfo(np.int64).min)
        pick = np.argpartition(order, width - top_k, axis=1)[:, width - top_k :]
        cols = np.take_along_axis(short_cols, pick, axis=1)
        ranks = np.take_along_axis(short_ranks, pick, axis=1)
        rows = np.broadcast_to(np.arange(n)[:, None], cols.shape)
        keep = ranks != _NOT_ALLOWED
        return self._edges(rows[keep], cols[keep], ranks[keep], degree, speakers)

    def _shortlist_prices(self, cols: np.ndarray, ranks: np.ndarray, valid: np.ndarray) -> np.ndarray:
        """Cover values (in rank units) computed on the shortlists only: cheap, and good enough to
        steer the ranking (the bound itself needs every pair, see :meth:`cover`)."""
        n = self.n
        rows = np.broadcast_to(np.arange(n)[:, None], cols.shape)[valid]
        others = cols[valid]
        value = ranks[valid].astype(np.int64)
        value = np.where(value >= 0, value, value + _REPEAT_SHIFT).astype(np.float64)
        ends = np.concatenate([rows, others])
        partners = np.concatenate([others, rows])
        values = np.concatenate([value, value])
        order = np.argsort(ends, kind="stable")
        ends, partners, values = ends[order], partners[order], values[order]
        present = np.unique(ends)
        starts = np.searchsorted(ends, present)
        cover = np.zeros(n, dtype=np.float64)
        for sweep in range(_PRICE_PASSES + 1):
            needed = np.zeros(n, dtype=np.float64)
            if len(ends):
                needed[present] = np.maximum(np.maximum.reduceat(values - cover[partners], starts), 0.0)
            cover = needed / 2.0 if sweep == 0 else (cover + needed) / 2.0
        return np.rint(cover).astype(np.int64)

    def _edges(
        self, u: np.ndarray, v: np.ndarray, ranks: np.ndarray, degree: np.ndarray, speakers: np.ndarray
    ) -> _Scan:
        n = self.n
        low, high = np.minimum(u, v).astype(np.int64), np.maximum(u, v).astype(np.int64)
        _keys, first = np.unique(low * n + high, return_index=True)
        return _Scan(low[first], high[first], self.weights_of(ranks[first]), degree, speakers)


class _Graph:
    """The thinned candidate graph, with each member's neighbours sorted best first."""

    def __init__(self, n: int, scan: _Scan) -> None:
        self.n = n
        self.u, self.v, self.w = scan.edge_u, scan.edge_v, scan.edge_w
        ends = np.concatenate([self.u, self.v])
        others = np.concatenate([self.v, self.u])
        weights = np.concatenate([self.w, self.w])
        order = np.lexsort((others, -weights, ends))
        self.neighbour = others[order]
        self.neighbour_weight = weights[order]
        self.start = np.searchsorted(ends[order], np.arange(n + 1))
        self.best = np.full(n, -1, dtype=np.int64)
        has = self.start[1:] > self.start[:-1]
        self.best[has] = self.neighbour_weight[self.start[:-1][has]]
        self.weight = {
            (a, b): w for a, b, w in zip(self.u.tolist(), self.v.tolist(), self.w.tolist(), strict=True)
        }

    def neighbours(self, i: int) -> list[int]:
        return self.neighbour[self.start[i] : self.start[i + 1]].tolist()

    def edge_weight(self, a: int, b: int) -> int:
        return self.weight.get((a, b) if a < b else (b, a), 0)

    def components(self) -> list[np.ndarray]:
        """Connected groups of two or more members, each sorted, in a stable order."""
        graph: rx.PyGraph = rx.PyGraph(multigraph=False)
        graph.add_nodes_from(range(self.n))
        graph.add_edges_from_no_data(list(zip(self.u.tolist(), self.v.tolist(), strict=True)))
        groups = [np.array(sorted(c), dtype=np.int64) for c in rx.connected_components(graph) if len(c) > 1]
        return sorted(groups, key=lambda c: int(c[0]))

    def match(self, nodes: np.ndarray) -> dict[int, int]:
        """Exact maximum-cardinality, maximum-weight matching on the subgraph ``nodes`` induces."""
        local = np.full(self.n, -1, dtype=np.int64)
        local[nodes] = np.arange(len(nodes))
        a, b = local[self.u], local[self.v]
        keep = (a >= 0) & (b >= 0)
        graph: rx.PyGraph = rx.PyGraph(multigraph=False)
        graph.add_nodes_from(range(len(nodes)))
        edges = zip(a[keep].tolist(), b[keep].tolist(), self.w[keep].tolist(), strict=True)
        graph.add_edges_from(list(edges))
        mate: dict[int, int] = {}
        for x, y in rx.max_weight_matching(graph, max_cardinality=True, weight_fn=int):
            mate[int(nodes[x])] = int(nodes[y])
            mate[int(nodes[y])] = int(nodes[x])
        return mate

    def bisect(self, nodes: np.ndarray, limit: int, rng: np.random.Generator) -> list[np.ndarray]:
        """Cut ``nodes`` into parts of at most ``limit`` along the graph's smoothest direction.

        A few steps of a lazy random walk from a random start, with the constant direction
        removed, approximate the Fiedler vector; splitting its order keeps most candidate edges
        inside a part.
        """
        parts: list[np.ndarray] = []
        stack = [nodes]
        while stack:
            part = stack.pop()
            m = len(part)
            if m <= limit:
                parts.append(part)
                continue
            local = np.full(self.n, -1, dtype=np.int64)
            local[part] = np.arange(m)
            a, b = local[self.u], local[self.v]
            keep = (a >= 0) & (b >= 0)
            a, b = a[keep], b[keep]
            degree = np.bincount(a, minlength=m) + np.bincount(b, minlength=m) + 1.0
            scale = 1.0 / np.sqrt(degree)
            trivial = np.sqrt(degree) / np.linalg.norm(np.sqrt(degree))
            x = rng.standard_normal(m)
            for _ in range(_SPECTRAL_STEPS):
                y = x * scale
                walked = np.bincount(a, weights=y[b], minlength=m) + np.bincount(b, weights=y[a], minlength=m)
                x = (x + (walked + y) * scale) / 2.0
                x -= trivial * (trivial @ x)
                x /= max(float(np.linalg.norm(x)), 1e-300)
            order = np.argsort(x * scale, kind="stable")
            pieces = -(-m // limit)
            # Even parts: an odd one leaves someone unmatched for the repair to pick up.
            cut = (pieces // 2) * m // pieces
            cut -= cut % 2
            stack.append(part[order[cut:]])
            stack.append(part[order[:cut]])
        return parts

    def repair(self, nodes: np.ndarray, mate: dict[int, int], limit: int, rounds: int) -> None:
        """Re-solve, exactly, the neighbourhood of the members who lost most to the cut.

        The old pairs inside the neighbourhood are one of the solutions considered, so a round
        never makes the pairing worse.
        """
        inside = np.zeros(self.n, dtype=bool)
        inside[nodes] = True
        for _ in range(rounds):
            current = np.array([self.edge_weight(x, mate[x]) if x in mate else 0 for x in nodes.tolist()])
            regret = self.best[nodes] - current
            chosen: set[int] = set()
            for position in np.lexsort((nodes, -regret)).tolist():
                if len(chosen) >= limit or regret[position] <= 0:
                    break
                x = int(nodes[position])
                group = {x}
                group.update(y for y in self.neighbours(x)[:_REPAIR_NEIGHBOURS] if inside[y])
                for y in list(group):
                    if y in mate:
                        group.add(mate[y])
                chosen |= group
            if not chosen:
                return
            part = np.array(sorted(chosen), dtype=np.int64)
            for x in part.tolist():
                mate.pop(x, None)
            mate.update(self.match(part))


# --------------------------------------------------------------------------------------------------
# After the matcher: leftovers, trios, reasons


class _Groups:
    """Pairs and trios while leftovers are being placed."""

    def __init__(self, pool: _Pool, mate: dict[int, int]) -> None:
        self.pool = pool
        self.group_of: dict[int, list[int]] = {}
        for a, b in mate.items():
            if a < b:
                self._set([a, b])

    def _set(self, group: list[int]) -> None:
        group = sorted(group)
        for x in group:
            self.group_of[x] = group

    def partners(self, members: np.ndarray) -> np.ndarray:
        """Each member's partner if they are in a pair (not a trio), else -1."""
        out = np.full(len(members), -1, dtype=np.int64)
        for k, a in enumerate(members.tolist()):
            group = self.group_of.get(a)
            if group is not None and len(group) == 2:
                out[k] = group[1] if group[0] == a else group[0]
        return out

    def augment(self, free: list[int]) -> None:
        """Pair leftovers through paths the thinned graph missed (length 1 and 3 on the full graph):
        u-v directly, or u takes a from the pair a-b and b takes v."""
        pool = self.pool
        for u in free:
            if u in self.group_of:
                continue
            others = np.array([v for v in free if v != u and v not in self.group_of], dtype=np.int64)
            if len(others) == 0:
                return
            direct = others[pool.compatible_matrix([u], others)[0]]
            if len(direct):
                key = pool.pair_keys(np.full(len(direct), u), direct)
                v = int(direct[_best(key)])
                self._set([u, v])
                continue
            a = pool.compatible(u)
            b = self.partners(a)
            a, b = a[b >= 0], b[b >= 0]
            if len(a) == 0:
                continue
            rows, cols = np.nonzero(pool.compatible_matrix(b, others))
            if len(rows) == 0:
                continue
            a, b, v = a[rows], b[rows], others[cols]
            gained = pool.pair_keys(np.full(len(a), u), a) + pool.pair_keys(b, v) - pool.pair_keys(a, b)
            k = _best(gained)
            self._set([u, int(a[k])])
            self._set([int(b[k]), int(v[k])])

    def place(self, u: int) -> bool:
        """Put a leftover into a trio: with a pair that suits them whole, or by taking one member's
        place in a pair while that member joins another pair as the third."""
        if u in self.group_of:
            return True
        pool = self.pool
        a = pool.compatible(u)
        b = self.partners(a)
        fits = (b >= 0) & np.isin(b, a) & (a < b)
        if fits.any():
            a, b = a[fits], b[fits]
            us = np.full(len(a), u)
            k = _best(pool.pair_keys(us, a) + pool.pair_keys(us, b))
            self._set([u, int(a[k]), int(b[k])])
            return True
        a, b = a[b >= 0], b[b >= 0]
        # Best first, and only a few: each try scans everyone b may be paired with.
        order = _order(pool.pair_keys(np.full(len(a), u), a))[:_SWAP_TRIES]
        for k in order.tolist():
            c = pool.compatible(int(b[k]))
            d = self.partners(c)
            fits = (d >= 0) & np.isin(d, c) & (c < d) & (c != a[k]) & (d != a[k])
            if fits.any():
                c, d = c[fits], d[fits]
                bs = np.full(len(c), b[k])
                j = _best(pool.pair_keys(bs, c) + pool.pair_keys(bs, d))
                self._set([u, int(a[k])])
                self._set([int(b[k]), int(c[j]), int(d[j])])
                return True
        return False

    def groups(self) -> list[list[int]]:
        seen: set[int] = set()
        out: list[list[int]] = []
        for group in self.group_of.values():
            if id(group) not in seen:
                seen.add(id(group))
                out.append(group)
        return out


def _order(key: np.ndarray) -> np.ndarray:
    """Indices of ``key`` rows (repeats, quality, jitter), best first; ties by position."""
    return np.lexsort((np.arange(len(key)), -key[:, 2], -key[:, 1], key[:, 0]))


def _best(key: np.ndarray) -> int:
    return int(_order(key)[0])


def _pick_trio_member(pool: _Pool, component: np.ndarray, degree: np.ndarray) -> int:
    # Someone with many options fits into some pair almost surely; among them the seeded key picks,
    # so the same well-connected person is not the trio member every round.
    top = int(degree[component].max())
    flexible = [int(i) for i in component if degree[i] * 2 >= top]
    return max(flexible, key=lambda i: (int(pool.keys[i]), i))


def _solve(pool: _Pool, top_k: int, exact_limit: int) -> MatchResult:
    n = pool.n
    if n == 0:
        return MatchResult(groups=[], unmatched=[], score=0.0)
    if n == 1:
        return MatchResult(groups=[], unmatched=[(pool.ids[0], REASON_ALONE)], score=0.0)
    scan = pool.scan(max(1, top_k))
    graph = _Graph(n, scan)
    rng = np.random.default_rng(pool.seed & 0xFFFFFFFFFFFFFFFF)
    mate: dict[int, int] = {}
    prepicked: list[int] = []
    for component in graph.components():
        nodes = component
        if len(nodes) % 2 == 1 and len(nodes) >= _PREPICK_MIN_COMPONENT:
            # An odd vertex count makes the exact matcher several times slower: set the trio
            # member aside now and fit them into a pair afterwards.
            chosen = _pick_trio_member(pool, nodes, scan.degree)
            prepicked.append(chosen)
            nodes = nodes[nodes != chosen]
        if len(nodes) <= exact_limit:
            mate.update(graph.match(nodes))
        else:
            part_size = min(_PART_SIZE, exact_limit)
            for part in graph.bisect(nodes, part_size, rng):
                mate.update(graph.match(part))
            graph.repair(nodes, mate, part_size, _REPAIR_ROUNDS)

    groups = _Groups(pool, mate)
    prepicked_set = set(prepicked)
    leftovers = [i for i in range(n) if scan.degree[i] > 0 and i not in mate and i not in prepicked_set]
    # Fewest options first, so the scarce ones are not crowded out by flexible ones.
    leftovers.sort(key=lambda i: (int(scan.degree[i]), i))
    if len(leftovers) > 1:
        groups.augment(leftovers)
    for u in prepicked + [i for i in leftovers if i not in groups.group_of]:
        groups.place(u)

    unmatched: list[tuple[str, str]] = []
    for i in range(n):
        if i in groups.group_of:
            continue
        if scan.degree[i] > 0:
            reason = REASON_ODD_ONE_OUT
        elif scan.speakers[i] > 0:
            reason = REASON_ONLY_AVOIDED
        else:
            reason = REASON_NO_SHARED_LANGUAGE
        unmatched.append((pool.ids[i], reason))

    score = 0.0
    repeats = 0
    out: list[tuple[str, ...]] = []
    for group in groups.groups():
        for x, y in _pairs_within(group):
            score += pool.quality(x, y)
            repeats += pool.is_repeat(x, y)
        out.append(tuple(pool.ids[i] for i in group))
    out.sort()
    return MatchResult(groups=out, unmatched=unmatched, score=score, repeats=repeats)


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
    top_k: int = 15,
    weights: ScoringWeights = DEFAULT_WEIGHTS,
    exact_limit: int = DEFAULT_EXACT_LIMIT,
) -> MatchResult:
    """Pairs for one round; see the module docstring for the rules.

    ``history`` is the window of past pairs that should not repeat (oldest first; the order does
    not matter here). Ids in ``history`` or ``avoid`` that are not in ``members`` are ignored.
    The same input and seed give the same result whatever the order of ``members``.
    """
    pool = _Pool(members, history=history, avoid=avoid, seed=seed, now=now, weights=weights)
    return _solve(pool, top_k, exact_limit)


def exact_optimum(
    members: Sequence[Candidate],
    *,
    history: Sequence[tuple[str, str]] = (),
    avoid: Sequence[tuple[str, str]] = (),
    seed: int = 0,
    now: datetime,
    weights: ScoringWeights = DEFAULT_WEIGHTS,
) -> tuple[float, int]:
    """Quality and repeat count of the best pairing on the full graph (pairs only, no trio).

    Same objective as :func:`match` without thinning; quadratic memory and cubic time, so only for
    benchmarks and tests (about a minute at N=2,000 on two cores).
    """
    pool = _Pool(members, history=history, avoid=avoid, seed=seed, now=now, weights=weights)
    mate = _Graph(pool.n, pool.scan(None)).match(np.arange(pool.n))
    pairs = [(a, b) for a, b in mate.items() if a < b]
    return sum(pool.quality(a, b) for a, b in pairs), sum(pool.is_repeat(a, b) for a, b in pairs)


def upper_bound(
    members: Sequence[Candidate],
    *,
    avoid: Sequence[tuple[str, str]] = (),
    now: datetime,
    weights: ScoringWeights = DEFAULT_WEIGHTS,
    passes: int = 6,
) -> float:
    """A number no pairing's total quality can exceed, for pools too big for :func:`exact_optimum`.

    With ``passes=0`` it is the sum over members of their best pair, halved; each pass lowers it
    (a fractional vertex cover, see ``_Pool.cover``) at the cost of one sweep over all pairs.
    """
    pool = _Pool(members, history=(), avoid=avoid, seed=0, now=now, weights=weights)
    return float(pool.cover(passes).sum())


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
        members, history=history, avoid=avoid, seed=seed, now=now, top_k=top_k, exact_limit=exact_limit
    )


async def match_in_worker(
    members: Sequence[Candidate],
    *,
    history: Sequence[tuple[str, str]] = (),
    avoid: Sequence[tuple[str, str]] = (),
    seed: int = 0,
    now: datetime,
    top_k: int = 15,
    exact_limit: int = DEFAULT_EXACT_LIMIT,
    executor: ProcessPoolExecutor | None = None,
) -> MatchResult:
    """:func:`match` in a worker process, so the event loop keeps running meanwhile.

    ``executor`` defaults to :func:`worker_pool`; call :func:`shutdown_worker_pool` at shutdown.
    """
    _require_aware(now)
    # Copies taken here, on the loop: other tasks may change the caller's lists while we wait.
    payload = await asyncio.to_thread(_serialise, list(members), list(history), list(avoid))
    job = functools.partial(_match_serialised, payload, seed, now, top_k, exact_limit)
    return await asyncio.get_running_loop().run_in_executor(executor or worker_pool(), job)

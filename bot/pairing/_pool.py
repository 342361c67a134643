"""The pool of one round: members in a canonical order, and the tiered weight of any pair.

A pair's weight is one int64 that orders pairs lexicographically:

``fresh * FRESH + cross * CROSS + quality units * JITTER_SPAN + jitter``

Each tier is worth more than the whole of the tiers below it over any matching of the pool
(at most n/2 pairs), so a maximum-weight matching first avoids repeats, then maximises
cross-border pairs, then quality. In "preferred" mode the cross-border tier is folded into the
quality as today's 10-point bonus. Members left out are a tier above all of these: the solvers
keep the number of pairs maximal themselves (maximum cardinality, augmenting paths).
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

CROSS_BORDER_STRICT = "strict"
CROSS_BORDER_PREFERRED = "preferred"
CROSS_BORDER_MODES = (CROSS_BORDER_STRICT, CROSS_BORDER_PREFERRED)

WAKING_START_HOUR = 8.0
WAKING_END_HOUR = 22.0
_WAKING_HOURS = WAKING_END_HOUR - WAKING_START_HOUR

# Quality in 1/1000 points is finer than any weight combination (quarter-hour zones give 1/8).
QUALITY_SCALE = 1000
# Below one quality unit sits a seeded jitter: ties break the same way for a seed, whatever the
# order the members arrived in.
JITTER_SPAN = 1024
_JITTER_SHIFT = 32 - 10
NOT_ALLOWED = np.iinfo(np.int64).min // 4
# Pairs weighed at once at most (see Pool.weight).
_WEIGHT_CHUNK = 1 << 19


def packable(n: int, levels: int) -> bool:
    """Whether a member (of ``n``), one of ``levels`` weights and another member fit one int64
    sort key: sorting one key is several times faster than sorting by three."""
    return max(n, 1) * max(n, 1) * levels < 2**62


@dataclass(frozen=True)
class Candidate:
    id: str
    country: str
    languages: frozenset[str]
    interests: frozenset[str]
    timezone: str


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


@dataclass(frozen=True, slots=True)
class Profile:
    country: str
    languages: frozenset[str]
    interests: frozenset[str]
    offset: float


def require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")


def normalise(values: Iterable[str]) -> frozenset[str]:
    return frozenset(v.strip().casefold() for v in values if v.strip())


def utc_offset_hours(timezone: str, now: datetime) -> float:
    """The zone's offset from UTC at ``now``, in hours (DST included)."""
    require_aware(now)
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


def profile(member: Candidate, now: datetime, offsets: dict[str, float] | None = None) -> Profile:
    # zoneinfo's strong cache holds only 8 zones; a pool spans dozens, so remember offsets here.
    offsets = {} if offsets is None else offsets
    offset = offsets.get(member.timezone)
    if offset is None:
        try:
            offset = offsets[member.timezone] = utc_offset_hours(member.timezone, now)
        except ValueError as exc:
            raise ValueError(f"member {member.id!r}: {exc}") from None
    return Profile(
        country=member.country.strip().casefold(),
        languages=normalise(member.languages),
        interests=normalise(member.interests),
        offset=offset,
    )


def quality(a: Profile, b: Profile, weights: ScoringWeights) -> float:
    """Today's score of a pair in points: base, another country, shared interests, waking hours."""
    points = weights.base
    if a.country != b.country:
        points += weights.other_country
    points += weights.per_overlap_hour * waking_overlap_hours(a.offset, b.offset)
    shared = min(len(a.interests & b.interests), weights.max_shared_interests)
    return points + weights.per_shared_interest * shared


def _member_key(seed: int, member_id: str) -> int:
    digest = hashlib.blake2b(f"{seed}\x00{member_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def _bitsets(sets: Sequence[frozenset[str]]) -> tuple[np.ndarray, list[str]]:
    """Members x 64-bit words, one bit per value two or more members hold (others pair no one)."""
    counts: dict[str, int] = {}
    for values in sets:
        for value in values:
            counts[value] = counts.get(value, 0) + 1
    kept = sorted(v for v, c in counts.items() if c > 1)
    column = {value: i for i, value in enumerate(kept)}
    words = max(1, -(-len(kept) // 64))
    bits = np.zeros((len(sets), words), dtype=np.uint64)
    for row, values in enumerate(sets):
        for value in values:
            i = column.get(value)
            if i is not None:
                bits[row, i // 64] |= np.uint64(1 << (i % 64))
    return bits, kept


def popcount(words: np.ndarray) -> np.ndarray:
    """Set bits per row of a (rows, words) uint64 array."""
    return np.bitwise_count(words).sum(axis=1, dtype=np.int64)


def pair_keys(u: np.ndarray, v: np.ndarray, n: int) -> np.ndarray:
    low, high = np.minimum(u, v).astype(np.int64), np.maximum(u, v).astype(np.int64)
    return low * n + high


def _sorted_pair_keys(pairs: Iterable[tuple[str, str]], index: dict[str, int]) -> np.ndarray:
    us: list[int] = []
    vs: list[int] = []
    for pair in pairs:
        if len(pair) != 2:
            raise ValueError(f"expected a pair of ids, got {pair!r}")
        a, b = index.get(pair[0]), index.get(pair[1])
        # The caller's windows may name people who left since: they cannot be paired anyway.
        if a is None or b is None or a == b:
            continue
        us.append(a)
        vs.append(b)
    return np.unique(pair_keys(np.array(us, dtype=np.int64), np.array(vs, dtype=np.int64), len(index)))


class PairSet:
    """A set of unordered pairs that answers "is (u[k], v[k]) in it?" for whole arrays at once.

    Most members have a handful of entries: a small per-member table compares in one vector
    step, where a search in one big sorted array would miss the cache on every lookup.
    """

    _TABLE_WIDTH = 16

    def __init__(self, keys: np.ndarray, n: int) -> None:
        self.keys = keys
        self.n = n
        low, high = keys // max(n, 1), keys % max(n, 1)
        ends = np.concatenate([low, high])
        others = np.concatenate([high, low])
        counts = np.bincount(ends, minlength=n) if n else np.zeros(0, dtype=np.int64)
        self.width = int(counts.max(initial=0))
        self.table: np.ndarray | None = None
        if self.width <= self._TABLE_WIDTH:
            order = np.argsort(ends, kind="stable")
            ends, others = ends[order], others[order]
            starts = np.searchsorted(ends, np.arange(n))
            column = np.arange(len(ends)) - starts[ends]
            self.table = np.full((n, max(self.width, 1)), -1, dtype=np.int64)
            self.table[ends, column] = others

    def __len__(self) -> int:
        return len(self.keys)

    def contains(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        if len(self.keys) == 0:
            return np.zeros(len(u), dtype=bool)
        if self.table is not None:
            return (self.table[u] == v[:, None]).any(axis=1)
        return contains_sorted(self.keys, pair_keys(u, v, self.n))


def contains_sorted(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    if len(sorted_keys) == 0:
        return np.zeros(len(keys), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return sorted_keys[at] == keys


class Pool:
    """Everyone in the round, sorted by id so every index-based tie-break ignores input order."""

    def __init__(
        self,
        members: Sequence[Candidate],
        *,
        history: Iterable[tuple[str, str]],
        avoid: Iterable[tuple[str, str]],
        seed: int,
        now: datetime,
        weights: ScoringWeights,
        cross_border: str = CROSS_BORDER_STRICT,
    ) -> None:
        require_aware(now)
        if cross_border not in CROSS_BORDER_MODES:
            raise ValueError(f"cross_border must be one of {CROSS_BORDER_MODES}, got {cross_border!r}")
        ordered = sorted(members, key=lambda m: m.id)
        for before, after in itertools.pairwise(ordered):
            if before.id == after.id:
                raise ValueError(f"duplicate member id {after.id!r}")
        self.ids = [m.id for m in ordered]
        self.n = n = len(ordered)
        self.index = {member_id: i for i, member_id in enumerate(self.ids)}
        self.weights = weights
        self.strict = cross_border == CROSS_BORDER_STRICT
        self.seed = seed
        offsets: dict[str, float] = {}
        self.profiles = [profile(m, now, offsets) for m in ordered]
        self.languages, self.language_names = _bitsets([p.languages for p in self.profiles])
        self.interests, self.interest_names = _bitsets([p.interests for p in self.profiles])
        self.avoid_pairs = PairSet(_sorted_pair_keys(avoid, self.index), n)
        self.history_pairs = PairSet(_sorted_pair_keys(history, self.index), n)
        keys = np.array([_member_key(seed, i) for i in self.ids], dtype=np.uint64)
        self.keys32 = (keys >> np.uint64(32)).astype(np.uint32)

        countries: dict[str, int] = {}
        self.country = np.array(
            [countries.setdefault(p.country, len(countries)) for p in self.profiles], dtype=np.int32
        )
        self.offset_values = sorted({p.offset for p in self.profiles})
        offset_index = {value: i for i, value in enumerate(self.offset_values)}
        self.offset = np.array([offset_index[p.offset] for p in self.profiles], dtype=np.int32)
        hours = np.array(
            [[waking_overlap_hours(a, b) for b in self.offset_values] for a in self.offset_values],
            dtype=np.float64,
        ).reshape(len(self.offset_values), len(self.offset_values))
        # Integer quality units: the part from waking hours (with the base), and per shared interest.
        self.hours_rank = np.rint((weights.base + weights.per_overlap_hour * hours) * QUALITY_SCALE).astype(
            np.int64
        )
        self.interest_rank = np.array(
            [
                round(weights.per_shared_interest * s * QUALITY_SCALE)
                for s in range(weights.max_shared_interests + 1)
            ],
            dtype=np.int64,
        )
        country_units = round(weights.other_country * QUALITY_SCALE)
        top_quality = int(self.hours_rank.max(initial=0)) + int(self.interest_rank[-1])
        if not self.strict:
            top_quality += country_units
        self.top_rank = top_rank = (top_quality + 1) * JITTER_SPAN
        many = n // 2 + 1
        self.cross_tier = many * top_rank + 1 if self.strict else country_units * JITTER_SPAN
        self.fresh_tier = many * (top_rank + (self.cross_tier if self.strict else 0)) + 1
        if (self.fresh_tier + self.cross_tier + top_rank) * 8 >= 2**62:
            raise ValueError("pool too large for the tiered weights")

    # -- vectorised weights

    def allowed(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=np.int64)
        v = np.asarray(v, dtype=np.int64)
        speak = (self.languages[u] & self.languages[v]).any(axis=1) & (u != v)
        if len(self.avoid_pairs):
            speak &= ~self.avoid_pairs.contains(u, v)
        return speak

    def is_repeat(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        return self.history_pairs.contains(np.asarray(u, dtype=np.int64), np.asarray(v, dtype=np.int64))

    def is_cross(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        return self.country[np.asarray(u)] != self.country[np.asarray(v)]

    def is_fresh_abroad(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Pairs across a border that are not repeats: the ones the cross-border tier counts."""
        return self.is_cross(u, v) & ~self.is_repeat(u, v)

    def speaks(self, language: int) -> np.ndarray:
        """Per member: do they speak the language with this bit?"""
        return (self.languages[:, language // 64] & np.uint64(1 << (language % 64))) != 0

    def by_hours(self) -> np.ndarray:
        """A sort key per member: UTC offset, then the seeded key (members awake at the same hours
        side by side, in an order the seed fixes)."""
        return self.offset.astype(np.int64) << np.int64(32) | self.keys32.astype(np.int64)

    def quality_units(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Interests and waking hours (and, when preferred, the other-country bonus) in units."""
        u = np.asarray(u, dtype=np.int64)
        v = np.asarray(v, dtype=np.int64)
        shared = np.minimum(
            popcount(self.interests[u] & self.interests[v]), self.weights.max_shared_interests
        )
        units = self.hours_rank[self.offset[u], self.offset[v]] + self.interest_rank[shared]
        if not self.strict:
            units = units + self.is_cross(u, v) * (self.cross_tier // JITTER_SPAN)
        return units

    def weight(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """The tiered int64 weight of each pair (u[k], v[k]); NOT_ALLOWED where they may not pair."""
        u = np.asarray(u, dtype=np.int64)
        v = np.asarray(v, dtype=np.int64)
        if len(u) <= _WEIGHT_CHUNK:
            return self._weight(u, v)
        # In slices: each pair's weight takes a dozen temporary arrays (two members' language and
        # interest bits among them), a few hundred MB for the whole graph of 100,000 members.
        out = np.empty(len(u), dtype=np.int64)
        for start in range(0, len(u), _WEIGHT_CHUNK):
            out[start : start + _WEIGHT_CHUNK] = self._weight(
                u[start : start + _WEIGHT_CHUNK], v[start : start + _WEIGHT_CHUNK]
            )
        return out

    def _weight(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        jitter = ((self.keys32[u] ^ self.keys32[v]) >> np.uint32(_JITTER_SHIFT)).astype(np.int64)
        total = self.quality_units(u, v) * JITTER_SPAN + jitter
        total += (~self.is_repeat(u, v)) * self.fresh_tier
        if self.strict:
            total += self.is_cross(u, v) * self.cross_tier
        return np.where(self.allowed(u, v), total, NOT_ALLOWED)

    # The tiered weights of allowed pairs take few values: each maps, in order, onto a small
    # integer (fresh, cross-border, then the rest below them), so a sort key can hold a weight
    # and two members in one int64.

    @property
    def weight_levels(self) -> int:
        """How many small integers :meth:`compact` maps allowed weights onto."""
        return 4 * self.top_rank

    def compact(self, w: np.ndarray) -> np.ndarray:
        """Allowed weights as integers in ``range(weight_levels)``, in the same order."""
        fresh = w // self.fresh_tier
        rest = w - fresh * self.fresh_tier
        cross = rest // self.cross_tier if self.strict else np.zeros_like(rest)
        rest -= cross * self.cross_tier
        return (2 * fresh + cross) * self.top_rank + rest

    def expand(self, levels: np.ndarray) -> np.ndarray:
        """The weights :meth:`compact` mapped onto ``levels``."""
        tiers, rest = np.divmod(levels, self.top_rank)
        cross = tiers & 1 if self.strict else np.zeros_like(tiers)
        return (tiers >> 1) * self.fresh_tier + cross * self.cross_tier + rest

    def compatible(self, u: int) -> np.ndarray:
        """Everyone ``u`` may be paired with, on the full graph."""
        everyone = np.arange(self.n, dtype=np.int64)
        return everyone[self.allowed(np.full(self.n, u, dtype=np.int64), everyone)]

    def speakers(self) -> np.ndarray:
        """Per member: does anyone else share a language with them (avoid list ignored)?"""
        # Only languages two or more members hold have a bit at all.
        return (self.languages != 0).any(axis=1)

    def quality(self, i: int, j: int) -> float:
        return quality(self.profiles[i], self.profiles[j], self.weights)

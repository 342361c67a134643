"""Upper bounds on what any pairing of a pool can reach, for pools too big for the exact optimum.

LP duality: if numbers y >= 0 satisfy y_u + y_v >= w(u, v) for every pair that may be grouped (a
fractional vertex cover), then any matching M has w(M) = sum over (u,v) in M of w(u, v) <=
sum over (u,v) in M of (y_u + y_v) <= sum of all y, because each member is in at most one pair.

Checking the cover needs, per member u, max over v of w(u, v) - y_v. The weight depends only on
the two members' places (country, UTC offset) and how many interests they share (capped), so the
maximum is found by buckets: for a member u, language l and subset S of u's interests, the
members who speak l and hold S are one bucket; the smallest y per (bucket, place) gives the
maximum over that bucket exactly. Ignoring the avoid list and history only adds pairs to cover,
so the bound stays valid (and a little looser).
"""

from __future__ import annotations

import itertools

import numpy as np

from bot.pairing._pool import Pool, waking_overlap_hours

_ROWS_PER_CHUNK = 100_000


class CoverBound:
    """Weight in points: ``cross * [other country] + base + hours + interests`` (the pool's
    weights), evaluated over every pair of members who share a language."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        weights = pool.weights
        places: dict[tuple[int, int], int] = {}
        self.place = np.array(
            [
                places.setdefault((int(c), int(o)), len(places))
                for c, o in zip(pool.country.tolist(), pool.offset.tolist(), strict=True)
            ],
            dtype=np.int64,
        )
        keys = list(places)
        country = np.array([c for c, _o in keys])
        offset = np.array([pool.offset_values[o] for _c, o in keys])
        hours = np.array([[waking_overlap_hours(a, b) for b in offset] for a in offset]).reshape(
            len(keys), len(keys)
        )
        self.abroad = (country[:, None] != country[None, :]).astype(np.float64)
        self.near = weights.base + weights.per_overlap_hour * hours
        self.per_interest = weights.per_shared_interest
        cap = weights.max_shared_interests
        # One row per (member, language, subset of their interests up to the cap).
        buckets: dict[tuple[int, tuple[int, ...]], int] = {}
        row_member: list[int] = []
        row_bucket: list[int] = []
        row_size: list[int] = []
        for u in range(pool.n):
            languages = _bits(pool.languages[u])
            interests = _bits(pool.interests[u])
            for size in range(min(cap, len(interests)) + 1):
                for subset in itertools.combinations(interests, size):
                    for language in languages:
                        row_member.append(u)
                        row_bucket.append(buckets.setdefault((language, subset), len(buckets)))
                        row_size.append(size)
        self.buckets = len(buckets)
        self.row_member = np.array(row_member, dtype=np.int64)
        self.row_bucket = np.array(row_bucket, dtype=np.int64)
        self.row_size = np.array(row_size, dtype=np.int64)
        self.places = len(keys)

    def needed(self, y: np.ndarray, cross: float, quality: bool = True) -> np.ndarray:
        """Per member: max(0, max over language partners v of w(u, v) - y_v)."""
        pool = self.pool
        place_weight = cross * self.abroad + (self.near if quality else 0.0)
        per_interest = self.per_interest if quality else 0.0
        cells = self.row_bucket * self.places + self.place[self.row_member]
        values = y[self.row_member]
        order = np.lexsort((values, cells))
        cells_sorted = cells[order]
        first = np.r_[True, cells_sorted[1:] != cells_sorted[:-1]]
        second = np.r_[False, ~first[1:]] & np.r_[False, first[:-1]]
        size = self.buckets * self.places
        lowest = np.full(size, np.inf)
        runner_up = np.full(size, np.inf)
        holder = np.full(size, -1, dtype=np.int64)
        lowest[cells_sorted[first]] = values[order][first]
        holder[cells_sorted[first]] = self.row_member[order][first]
        runner_up[cells_sorted[second]] = values[order][second]
        lowest = lowest.reshape(self.buckets, self.places)
        runner_up = runner_up.reshape(self.buckets, self.places)
        holder = holder.reshape(self.buckets, self.places)
        out = np.zeros(pool.n, dtype=np.float64)
        for start in range(0, len(self.row_member), _ROWS_PER_CHUNK):
            members = self.row_member[start : start + _ROWS_PER_CHUNK]
            bucket = self.row_bucket[start : start + _ROWS_PER_CHUNK]
            home = self.place[members]
            others = lowest[bucket].copy()
            # A member is not their own partner: in their own cell, take the next smallest y.
            mine = holder[bucket, home] == members
            others[np.flatnonzero(mine), home[mine]] = runner_up[bucket[mine], home[mine]]
            best = (place_weight[home] - others).max(axis=1)
            best += per_interest * self.row_size[start : start + _ROWS_PER_CHUNK]
            np.maximum.at(out, members, best)
        return out

    def bound(
        self, cross: float, *, passes: int, start: np.ndarray | None = None, quality: bool = True
    ) -> float:
        """The sum of a valid cover: damped steps toward each member's need, then one repair."""
        y = self.needed(np.zeros(self.pool.n), cross, quality) / 2.0 if start is None else start.copy()
        for _ in range(passes):
            y = (y + self.needed(y, cross, quality)) / 2.0
        # Raising each y to what its pairs still need covers every pair, whatever y was before.
        y = np.maximum(y, self.needed(y, cross, quality))
        return float(y.sum())


def _bits(words: np.ndarray) -> list[int]:
    out: list[int] = []
    for w, value in enumerate(words.tolist()):
        rest = value
        while rest:
            low = rest & -rest
            out.append(w * 64 + low.bit_length() - 1)
            rest ^= low
    return out

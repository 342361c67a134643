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
from scipy import sparse
from scipy.optimize import linprog

from bot.pairing._pool import Pool, waking_overlap_hours

_ROWS_PER_CHUNK = 100_000
# Rounds of adding the pairs an LP solution leaves uncovered, and solving again, until the LP
# stops moving: at 3,000 members the repair after an early stop added 0.12% to the bound.
_CUT_ROUNDS = 16
_CUT_GAIN = 1e-6


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

    def needed(self, y: np.ndarray, cross: float, quality: bool = True, floor: float = 0.0) -> np.ndarray:
        """Per member: max(floor, max over language partners v of w(u, v) - y_v)."""
        return self.needed_with_partner(y, cross, quality, floor)[0]

    def needed_with_partner(
        self, y: np.ndarray, cross: float, quality: bool = True, floor: float = 0.0
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`needed`, and per member a partner v reaching it (-1 where none beats ``floor``)."""
        pool = self.pool
        if len(self.row_member) == 0:
            return np.full(pool.n, floor, dtype=np.float64), np.full(pool.n, -1, dtype=np.int64)
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
        runner_holder = np.full(size, -1, dtype=np.int64)
        lowest[cells_sorted[first]] = values[order][first]
        holder[cells_sorted[first]] = self.row_member[order][first]
        runner_up[cells_sorted[second]] = values[order][second]
        runner_holder[cells_sorted[second]] = self.row_member[order][second]
        lowest = lowest.reshape(self.buckets, self.places)
        runner_up = runner_up.reshape(self.buckets, self.places)
        holder = holder.reshape(self.buckets, self.places)
        runner_holder = runner_holder.reshape(self.buckets, self.places)
        out = np.full(pool.n, floor, dtype=np.float64)
        row_best = np.empty(len(self.row_member), dtype=np.float64)
        row_partner = np.empty(len(self.row_member), dtype=np.int64)
        for start in range(0, len(self.row_member), _ROWS_PER_CHUNK):
            members = self.row_member[start : start + _ROWS_PER_CHUNK]
            bucket = self.row_bucket[start : start + _ROWS_PER_CHUNK]
            home = self.place[members]
            others = lowest[bucket].copy()
            # A member is not their own partner: in their own cell, take the next smallest y.
            mine = holder[bucket, home] == members
            others[np.flatnonzero(mine), home[mine]] = runner_up[bucket[mine], home[mine]]
            gains = place_weight[home] - others
            at = gains.argmax(axis=1)
            best = gains[np.arange(len(at)), at]
            best += per_interest * self.row_size[start : start + _ROWS_PER_CHUNK]
            partner = holder[bucket, at]
            partner = np.where(partner == members, runner_holder[bucket, at], partner)
            row_best[start : start + len(members)] = best
            row_partner[start : start + len(members)] = partner
            np.maximum.at(out, members, best)
        partners = np.full(pool.n, -1, dtype=np.int64)
        reached = row_best >= out[self.row_member]
        partners[self.row_member[reached]] = row_partner[reached]
        return out, partners

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


def lp_bound(
    pool: Pool,
    u: np.ndarray,
    v: np.ndarray,
    *,
    cover: CoverBound,
    objective: str,
    pairs: int | None = None,
    cross_floor: int | None = None,
    cut_rounds: int = _CUT_ROUNDS,
) -> float:
    """An upper bound on ``objective`` ("cross_border": cross-border pairs; "quality": points) over
    the matchings this function is told about, from the LP dual solved on the edges ``u``-``v``.

    Which matchings: every matching when ``pairs`` and ``cross_floor`` are None; with ``pairs``,
    those of exactly that many pairs; with ``cross_floor``, those with at least that many
    cross-border pairs. (The optimum has the most pairs there are, so ``pairs`` may be given
    when it is known to be the maximum.)

    Why it is valid: for numbers y >= 0, lam >= 0 and nu such that every allowed pair has
    ``y_u + y_v >= w(u, v) + lam * cross(u, v) - nu``, a matching M of P pairs with at least C
    cross-border ones has w(M) <= sum over M of (y_u + y_v) - lam * C + nu * P <= sum(y) - lam * C
    + nu * P, since each member is in at most one pair. The LP on the given edges finds good y,
    lam and nu (HiGHS; any numbers would do); then every member's y is raised to what its worst
    pair over *all* language partners still needs (``CoverBound.needed``, by buckets). After that
    raise, y_u' >= w(u, v) + lam * c - nu - y_v for every v, and y_v' >= y_v, so the condition holds
    for every pair, whatever edges the LP saw and however accurately it was solved.
    """
    n = pool.n
    bonus = 0.0 if pool.strict else pool.weights.other_country
    keys = np.unique(np.minimum(u, v) * n + np.maximum(u, v))
    # lam and nu stay in a box: the LP on too few edges may be unbounded without one (any numbers
    # give a valid bound; a pair is never worth more than this).
    cap = 4.0 * (1.0 if objective == "cross_border" else pool.weights.maximum)
    y = np.zeros(n)
    lam = nu = last = 0.0
    for _round in range(cut_rounds + 1):
        a, b = keys // n, keys % n
        m = len(a)
        cross = pool.is_cross(a, b).astype(np.float64)
        if objective == "cross_border":
            w = cross
        elif objective == "quality":
            w = pool.quality_units(a, b) / 1000.0
        else:
            raise ValueError(f"unknown objective {objective!r}")
        columns = [a, b]
        values = [np.ones(m), np.ones(m)]
        costs = [np.ones(n)]
        limits: list[tuple[float | None, float | None]] = [(0.0, None)] * n
        extra = n
        if cross_floor is not None:
            # y_u + y_v - lam * cross + nu >= w
            columns.append(np.full(m, extra))
            values.append(-cross)
            costs.append(np.array([-float(cross_floor)]))
            limits.append((0.0, cap))
            extra += 1
        if pairs is not None:
            columns.append(np.full(m, extra))
            values.append(np.ones(m))
            costs.append(np.array([float(pairs)]))
            limits.append((-cap, cap))
            extra += 1
        if m:
            rows = np.repeat(np.arange(m), len(columns))
            matrix = sparse.csr_matrix(
                (-np.stack(values, axis=1).ravel(), (rows, np.stack(columns, axis=1).ravel())),
                shape=(m, extra),
            )
            # The interior-point method: several times faster than simplex on these LPs.
            solved = linprog(np.concatenate(costs), A_ub=matrix, b_ub=-w, bounds=limits, method="highs-ipm")
            if solved.x is None:
                raise RuntimeError(f"the bound's LP failed: {solved.message}")
            y = np.maximum(solved.x[:n], 0.0)
            lam = max(float(solved.x[n]), 0.0) if cross_floor is not None else 0.0
            nu = float(solved.x[extra - 1]) if pairs is not None else 0.0
        if objective == "cross_border":
            need, partner = cover.needed_with_partner(y, 1.0, quality=False, floor=-np.inf)
        else:
            need, partner = cover.needed_with_partner(y, lam + bonus, quality=True, floor=-np.inf)
        # Cutting planes: the pairs the LP did not see and its y leaves uncovered join the LP.
        short = np.flatnonzero((need - nu > y + 1e-6) & (partner >= 0) & (partner != np.arange(n)))
        value = float(solved.fun) if m else 0.0
        # Stop when a round barely moves the LP: the raise below still makes the cover valid.
        if len(short) == 0 or _round == cut_rounds or (_round and value < last * (1 + _CUT_GAIN)):
            break
        last = value
        added = np.minimum(short, partner[short]) * n + np.maximum(short, partner[short])
        keys = np.union1d(keys, added)
    # The repair that makes the cover valid for every pair (see above).
    y = np.maximum(y, need - nu)
    total = float(y.sum())
    if cross_floor is not None:
        total -= lam * cross_floor
    if pairs is not None:
        total += nu * pairs
    return total


def _bits(words: np.ndarray) -> list[int]:
    out: list[int] = []
    for w, value in enumerate(words.tolist()):
        rest = value
        while rest:
            low = rest & -rest
            out.append(w * 64 + low.bit_length() - 1)
            rest ^= low
    return out


def cross_border_bound(pool: Pool, *, pairs: int | None = None) -> float:
    """An upper bound on the cross-border pairs of any pairing of the pool (of exactly ``pairs``
    pairs when given), from the matching LP solved on member *types*.

    Whether two members may be paired across a border depends only on their country and their
    languages, so members with the same (country, languages) are one type; there are a few hundred
    types even at 100,000 members, and the LP is solved exactly on every pair of types (no
    candidate graph, no cutting planes).

    Why it is valid: take numbers y_s >= 0 per type and nu such that y_s + y_t + nu >= cross(s, t)
    for every two types s, t that share a language (s = t included). A pairing M of P pairs has
    cross(M) = sum over pairs of cross <= sum over pairs of (y_s + y_t + nu) = sum over paired
    members of y + nu * P <= sum over types of count_s * y_s + nu * P, since each member is in at
    most one pair. (Without ``pairs``, nu = 0 and the same holds for every pairing.) HiGHS finds
    good numbers; whatever it returns, each y_s is then raised by its largest shortfall, which
    makes every inequality hold, so the bound is valid however accurate the solver was. The avoid
    list and history are ignored: that only adds pairings to bound.
    """
    n = pool.n
    if n < 2:
        return 0.0
    rows = np.concatenate([pool.country[:, None].astype(np.uint64), pool.languages], axis=1)
    types, member_type, counts = np.unique(rows, axis=0, return_inverse=True, return_counts=True)
    member_type = member_type.ravel()
    languages = types[:, 1:]
    t = len(types)
    s_idx, t_idx = np.triu_indices(t)
    share = (languages[s_idx] & languages[t_idx]).any(axis=1)
    # A type of one member cannot pair with itself.
    share &= (s_idx != t_idx) | (counts[s_idx] > 1)
    s_idx, t_idx = s_idx[share], t_idx[share]
    if len(s_idx) == 0:
        return 0.0
    cross = (types[s_idx, 0] != types[t_idx, 0]).astype(np.float64)
    m = len(s_idx)
    with_nu = pairs is not None
    width = t + (1 if with_nu else 0)
    columns = [s_idx, t_idx] + ([np.full(m, t)] if with_nu else [])
    values = [np.ones(m), np.ones(m)] + ([np.ones(m)] if with_nu else [])
    rows = np.repeat(np.arange(m), len(columns))
    matrix = sparse.csr_matrix(
        (-np.stack(values, axis=1).ravel(), (rows, np.stack(columns, axis=1).ravel())), shape=(m, width)
    )
    costs = np.concatenate([counts.astype(np.float64), [float(pairs)] if with_nu else []])
    limits: list[tuple[float | None, float | None]] = [(0.0, None)] * t
    if with_nu:
        limits.append((-1.0, 1.0))  # a pair is worth 0 or 1: nu outside this box never helps
    solved = linprog(costs, A_ub=matrix, b_ub=-cross, bounds=limits, method="highs")
    if solved.x is None:
        raise RuntimeError(f"the cross-border bound's LP failed: {solved.message}")
    y = np.maximum(solved.x[:t], 0.0)
    nu = float(solved.x[t]) if with_nu else 0.0
    # The repair (see above): raise each type by its largest shortfall, over both ends of a pair.
    short = np.maximum(cross - y[s_idx] - y[t_idx] - nu, 0.0)
    raise_by = np.zeros(t)
    np.maximum.at(raise_by, s_idx, short)
    y += raise_by
    assert (y[s_idx] + y[t_idx] + nu >= cross - 1e-12).all()
    return float(counts @ y) + (nu * pairs if with_nu else 0.0)

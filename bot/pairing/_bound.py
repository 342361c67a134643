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
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import linprog
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from bot.pairing._pool import QUALITY_SCALE, Pool, pair_keys, waking_overlap_hours

# Rows priced at once: each takes a row of every place, a few hundred MB at 100,000 rows.
_ROWS_PER_CHUNK = 20_000
# Rounds of the assignment bound at most: 10,000 members took 6, 100,000 members 13 to come
# within 0.02% of their LP.
_ASSIGNMENT_ROUNDS = 30
# Bisection steps for the cross-border multiplier, between 0 and this many times a pair's best
# weight (at 10,000 members the LP's own was 14 points, about half a pair's best).
_MULTIPLIER_STEPS = 7
_MULTIPLIER_CEILING = 2.0
# Rounds of each bisection step before the last: enough to tell the slope's sign.
_PROBE_ROUNDS = 3


@dataclass(frozen=True)
class _Rows:
    best: np.ndarray
    partner: np.ndarray
    second: np.ndarray
    second_partner: np.ndarray


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
        return self.most(self.rows(y, cross, quality).best, floor)

    def most(self, row_values: np.ndarray, floor: float = -np.inf) -> np.ndarray:
        """Per member: the largest value among their rows (``floor`` where none is larger)."""
        out = np.full(self.pool.n, floor, dtype=np.float64)
        np.maximum.at(out, self.row_member, row_values)
        return out

    def rows(self, y: np.ndarray, cross: float, quality: bool = True) -> _Rows:
        """Per row (member, language, subset of their interests): the best w(u, v) - y_v over the
        members v of that bucket, the v reaching it, and the next best v in the same place (none
        where the member holds their own place's smallest y: a hint for cutting planes only)."""
        count = len(self.row_member)
        best = np.full(count, -np.inf)
        partner = np.full(count, -1, dtype=np.int64)
        second = np.full(count, -np.inf)
        second_partner = np.full(count, -1, dtype=np.int64)
        if count == 0:
            return _Rows(best, partner, second, second_partner)
        place_weight = cross * self.abroad + (self.near if quality else 0.0)
        per_interest = self.per_interest if quality else 0.0
        cells = self.row_bucket * self.places + self.place[self.row_member]
        values = y[self.row_member]
        order = np.lexsort((values, cells))
        cells_sorted = cells[order]
        del cells
        first = np.r_[True, cells_sorted[1:] != cells_sorted[:-1]]
        runner = np.r_[False, ~first[1:]] & np.r_[False, first[:-1]]
        size = self.buckets * self.places
        # The two smallest y per cell (a member's own row needs the second when they hold the first).
        lowest = np.full((2, size), np.inf)
        holder = np.full((2, size), -1, dtype=np.int32)
        for rank, mask in enumerate((first, runner)):
            at = order[mask]
            lowest[rank, cells_sorted[mask]] = values[at]
            holder[rank, cells_sorted[mask]] = self.row_member[at]
        del order, cells_sorted, first, runner, values
        lowest = lowest.reshape(2, self.buckets, self.places)
        holder = holder.reshape(2, self.buckets, self.places)
        for start in range(0, count, _ROWS_PER_CHUNK):
            members = self.row_member[start : start + _ROWS_PER_CHUNK]
            bucket = self.row_bucket[start : start + _ROWS_PER_CHUNK]
            home = self.place[members]
            price = lowest[0][bucket]
            who = holder[0][bucket]
            runner_price = lowest[1][bucket]
            runner_who = holder[1][bucket]
            # A member is not their own partner: where they hold their cell, the runner-up moves up.
            ahead = np.flatnonzero(who[np.arange(len(members)), home] == members)
            price[ahead, home[ahead]] = runner_price[ahead, home[ahead]]
            who[ahead, home[ahead]] = runner_who[ahead, home[ahead]]
            runner_price[ahead, home[ahead]] = np.inf
            runner_who[ahead, home[ahead]] = -1
            extra = per_interest * self.row_size[start : start + _ROWS_PER_CHUNK]
            gains = place_weight[home] - price
            at = gains.argmax(axis=1)
            span = np.arange(len(at))
            rows = slice(start, start + len(members))
            best[rows] = gains[span, at] + extra
            partner[rows] = who[span, at]
            second[rows] = place_weight[home, at] - runner_price[span, at] + extra
            second_partner[rows] = runner_who[span, at]
        return _Rows(best, partner, second, second_partner)

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


@dataclass(frozen=True)
class AssignmentBound:
    """What :func:`assignment_bound` found: the bound, and how far its LP got."""

    value: float
    # The LP on the edges it ended with (with the same multipliers): the bound converges on it.
    restricted: float
    # Those edges (low * n + high): a start for the same pool with other multipliers.
    keys: np.ndarray
    cross_weight: float
    # The LP solution's cross-border pairs (halves count half): against the floor, they say
    # whether a larger or smaller multiplier would be tighter.
    cross_border: float


def assignment_bound(
    pool: Pool,
    u: np.ndarray,
    v: np.ndarray,
    *,
    cover: CoverBound,
    cross_weight: float = 0.0,
    pair_charge: float = 0.0,
    pairs: int | None = None,
    cross_floor: int | None = None,
    rounds: int = _ASSIGNMENT_ROUNDS,
    objective: str = "quality",
) -> AssignmentBound:
    """An upper bound on ``objective`` ("quality": interests and hours in points, with the
    other-country bonus when it is "preferred"; "cross_border": cross-border pairs) over pairings
    of the pool, from the matching LP solved as an assignment on two copies of the members, with
    cutting planes.

    Which pairings: every pairing; with ``cross_floor``, those with at least that many
    cross-border pairs (``cross_weight`` >= 0 is its multiplier, for "quality"); with ``pairs``,
    those of exactly that many pairs (``pair_charge`` is its multiplier, any sign). Any
    multipliers give a valid bound; :func:`tightest_assignment_bound` searches for a tight one.

    Why it is valid: let w'(u, v) = w(u, v) + lam * cross(u, v) - nu. For any prices p (one per
    member) let pi_u = max(max over language partners v of w'(u, v) - p_v, -p_u). A pairing M of
    P pairs with C' >= C cross-border ones has, for each pair, w'(u, v) <= pi_u + p_v and
    w'(u, v) <= pi_v + p_u, so w(M) + lam * C' - nu * P <= 1/2 * sum over paired members of
    (pi + p) <= 1/2 * sum over all members of (pi + p), since pi_u + p_u >= 0 for everyone left
    out; hence w(M) <= 1/2 * (sum(p) + sum(pi)) - lam * C + nu * P. The pi are computed over
    every pair that shares a language (:meth:`CoverBound.rows`, by buckets), whatever edges the
    LP saw; the avoid list and history are ignored, which only adds pairings to bound.

    How the prices are found: the LP on the edges so far is an assignment of first copies to
    second copies (u to v is half of pair u-v, u to its own copy is "left out"), solved exactly by
    scipy's sparse solver; its optimal prices are the shortest-path distances of the residual
    graph (Bellman-Ford, which the optimum's lack of negative cycles allows). Pairs whose pi
    exceeds what the LP's prices give join the edges, and the LP is solved again, until none does.
    At 10,000 members this reaches the LP's exact value in a few seconds, where HiGHS took a minute.
    """
    if objective not in ("quality", "cross_border"):
        raise ValueError(f"unknown objective {objective!r}")
    if cross_weight < 0:
        raise ValueError("the cross-border multiplier must not be negative")
    quality = objective == "quality"
    n = pool.n
    if n < 2:
        return AssignmentBound(0.0, 0.0, np.zeros(0, dtype=np.int64), cross_weight, 0.0)
    lam = cross_weight if cross_floor is not None and quality else 0.0
    nu = pair_charge if pairs is not None else 0.0
    # The weight the oracle gives a pair abroad, beyond interests and hours (none for cross_border).
    abroad = lam + (0.0 if pool.strict else pool.weights.other_country) if quality else 1.0
    offset = -lam * (cross_floor or 0) + nu * (pairs or 0)
    keys = np.unique(pair_keys(u, v, n))
    keys = keys[keys // n != keys % n]
    best = restricted = np.inf
    cross_pairs = 0.0
    for _round in range(rounds):
        a, b = keys // n, keys % n
        cross = pool.is_cross(a, b)
        value = (pool.quality_units(a, b) / QUALITY_SCALE + lam * cross if quality else cross) - nu
        mate, prices, profits = _assignment(n, a, b, value)
        total = float(prices.sum() + profits.sum())
        restricted = 0.5 * total + offset
        members = np.flatnonzero(mate != np.arange(n))
        cross_pairs = 0.5 * float(pool.is_cross(members, mate[members]).sum())
        rows = cover.rows(prices, abroad, quality)
        best = min(best, _priced(prices, cover.most(rows.best), nu) + offset)
        # The same LP prices made symmetric (an optimum of the LP on members): often tighter.
        middle = (prices + profits) / 2.0
        best = min(best, _priced(middle, cover.needed(middle, abroad, quality, floor=-np.inf), nu) + offset)
        if best <= restricted + 1e-9 * max(abs(restricted), 1.0):
            break
        owner = cover.row_member
        added: list[np.ndarray] = []
        for gain, partner in ((rows.best, rows.partner), (rows.second, rows.second_partner)):
            short = (gain - nu > profits[owner] + 1e-9) & (partner >= 0) & (partner != owner)
            added.append(pair_keys(owner[short], partner[short], n))
        fresh = np.setdiff1d(np.concatenate(added), keys)
        if len(fresh) == 0:
            break
        keys = np.union1d(keys, fresh)
    return AssignmentBound(
        value=best, restricted=restricted, keys=keys, cross_weight=lam, cross_border=cross_pairs
    )


def tightest_assignment_bound(
    pool: Pool,
    u: np.ndarray,
    v: np.ndarray,
    *,
    cover: CoverBound,
    pairs: int | None = None,
    cross_floor: int | None = None,
    steps: int = _MULTIPLIER_STEPS,
) -> AssignmentBound:
    """:func:`assignment_bound` at the cross-border multiplier found by bisection.

    The bound is convex in the multiplier lam, and the LP solution's cross-border pairs minus the
    floor is its slope: more than the floor means a smaller lam is tighter, fewer a larger one.
    Each step runs a few rounds from the edges the last one ended with; the last lam then runs
    to the end. The count-of-pairs multiplier stays 0 (at 10,000 members the LP's own moved the
    bound by 0.01%). Every step's bound is valid; the least is returned.
    """
    if cross_floor is None:
        return assignment_bound(pool, u, v, cover=cover, pairs=pairs)
    n = max(pool.n, 1)
    keys = pair_keys(u, v, n)
    low, high = 0.0, _MULTIPLIER_CEILING * pool.weights.maximum
    tried: list[AssignmentBound] = []
    for step in range(steps + 1):
        last = step == steps
        found = assignment_bound(
            pool,
            keys // n,
            keys % n,
            cover=cover,
            cross_weight=(low + high) / 2.0,
            pairs=pairs,
            cross_floor=cross_floor,
            rounds=_ASSIGNMENT_ROUNDS if last else _PROBE_ROUNDS,
        )
        tried.append(found)
        keys = found.keys
        if found.cross_border > cross_floor:
            high = found.cross_weight
        else:
            low = found.cross_weight
    return min(tried, key=lambda found: found.value)


def _priced(prices: np.ndarray, need: np.ndarray, charge: float) -> float:
    """1/2 * (sum(p) + sum(pi)) for prices p, given each member's ``need`` (see assignment_bound)."""
    return 0.5 * float(prices.sum() + np.maximum(need - charge, -prices).sum())


def _assignment(
    n: int, a: np.ndarray, b: np.ndarray, value: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The best assignment of first copies to second copies (u to v worth ``value`` for each edge
    a-b, both ways; u to itself worth 0), and optimal dual prices: ``prices`` (second copies) and
    ``profits`` (first copies) with profits_u + prices_v >= value on every edge, equal on the
    assignment. Returns (mate, prices, profits); mate[u] == u is "left out"."""
    rows = np.concatenate([a, b, np.arange(n)])
    cols = np.concatenate([b, a, np.arange(n)])
    worth = np.concatenate([value, value, np.zeros(n)])
    # The solver minimises a cost; a shift by a constant keeps it positive (zeros are not edges).
    shift = float(max(worth.max(initial=0.0), 0.0)) + 1.0
    cost = sparse.csr_matrix((shift - worth, (rows, cols)), shape=(n, n))
    _rows, mate = min_weight_full_bipartite_matching(cost)
    mate = np.asarray(mate, dtype=np.int64)
    cost = cost.tocoo()
    rows, cols, worth = cost.row.astype(np.int64), cost.col.astype(np.int64), shift - cost.data
    # The worth of each member's own assignment.
    keys = rows * n + cols
    order = np.argsort(keys)
    assigned = worth[order][np.searchsorted(keys[order], np.arange(n) * n + mate)]
    # Residual graph on second copies: from mate[r]'s copy to c's, for every edge r-c off the
    # assignment, at cost assigned[r] - worth(r, c); distances start at 0 (a source reaching every
    # second copy at no cost). No negative cycles at an optimum, so Bellman-Ford ends.
    off = cols != mate[rows]
    tail, head, step = mate[rows[off]], cols[off], assigned[rows[off]] - worth[off]
    order = np.argsort(head, kind="stable")
    tail, head, step = tail[order], head[order], step[order]
    starts = np.flatnonzero(np.r_[True, head[1:] != head[:-1]]) if len(head) else np.zeros(0, dtype=np.int64)
    heads = head[starts]
    distance = np.zeros(n)
    for _ in range(n + 1):
        if len(head) == 0:
            break
        reached = np.minimum.reduceat(distance[tail] + step, starts)
        better = reached < distance[heads] - 1e-9
        if not better.any():
            break
        distance[heads[better]] = reached[better]
    else:
        raise RuntimeError("the assignment's residual graph has a negative cycle")
    prices = -distance
    profits = assigned - prices[mate]
    return mate, prices, profits

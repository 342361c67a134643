"""The upper bounds the benchmark measures large pools against are valid: never below the best
pairing, whatever edges their LP is given."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from scipy import sparse
from scipy.optimize import linprog

from benchmarks.pairing import generate
from bot.pairing._bound import (
    CoverBound,
    _assignment,
    assignment_bound,
    cross_border_bound,
    tightest_assignment_bound,
)
from bot.pairing._candidates import candidate_edges, full_edges
from bot.pairing.matching import exact_optimum, make_pool
from tests.unit.test_matching_tiers import NOW, brute_force_best, random_round

_NONE = np.zeros(0, dtype=np.int64)


@pytest.mark.parametrize("mode", ["strict", "preferred"])
def test_the_bounds_are_at_least_the_brute_force_optimum(mode: str) -> None:
    rng = random.Random(21)
    tight = 0
    for _case in range(60):
        n = rng.randint(2, 10)
        members, history, avoid = random_round(rng, n)
        pool = make_pool(members, history=history, avoid=avoid, now=NOW, cross_border=mode)
        best = brute_force_best(pool, n)
        cover = CoverBound(pool)
        # No edges at all: the cutting planes and the pricing over every pair must make it valid.
        for u, v, _w in ((_NONE, _NONE, None), full_edges(pool)):
            cross = assignment_bound(pool, u, v, cover=cover, objective="cross_border", pairs=best.pairs)
            quality = tightest_assignment_bound(
                pool, u, v, cover=cover, pairs=best.pairs, cross_floor=best.cross_border
            )
            assert cross.value >= best.cross_border - 1e-6
            assert quality.value >= best.quality - 1e-6
            # Any pairing at all (no pairs or cross-border count given) is bounded too.
            assert assignment_bound(pool, u, v, cover=cover).value >= best.quality - 1e-6
            # Any multipliers give a valid bound, and so does one round without cutting planes.
            for rounds in (1, 30):
                loose = assignment_bound(
                    pool,
                    u,
                    v,
                    cover=cover,
                    cross_weight=rng.uniform(0.0, 40.0),
                    pair_charge=rng.uniform(-20.0, 20.0),
                    pairs=best.pairs,
                    cross_floor=best.cross_border,
                    rounds=rounds,
                )
                assert loose.value >= best.quality - 1e-6
            tight += quality.value <= best.quality + 1e-6
    # Not valid by being huge: on most small pools the LP is exact.
    assert tight >= 30


def test_the_bounds_hold_against_the_exact_optimum_of_a_realistic_pool() -> None:
    data = generate(600, seed=3)
    pool = make_pool(data.members, history=data.history, avoid=data.avoid, seed=3, now=NOW)
    best = exact_optimum(pool)
    cover = CoverBound(pool)
    u, v, _w = candidate_edges(pool, 24)
    cross = assignment_bound(pool, u, v, cover=cover, objective="cross_border", pairs=best.pairs)
    quality = tightest_assignment_bound(
        pool, u, v, cover=cover, pairs=best.pairs, cross_floor=best.cross_border
    )
    assert best.cross_border <= cross.value <= best.cross_border * 1.02
    assert best.quality <= quality.value <= best.quality * 1.04
    with pytest.raises(ValueError, match="objective"):
        assignment_bound(pool, u, v, cover=cover, objective="speed")
    with pytest.raises(ValueError, match="negative"):
        assignment_bound(pool, u, v, cover=cover, cross_weight=-1.0, cross_floor=1)


def test_the_assignment_prices_are_optimal_duals() -> None:
    rng = np.random.default_rng(5)
    n = 60
    a = rng.integers(0, n, 400)
    b = rng.integers(0, n, 400)
    keep = a < b
    a, b = a[keep], b[keep]
    a, b = np.divmod(np.unique(a * n + b), n)
    value = rng.integers(-3, 12, len(a)).astype(np.float64)
    mate, prices, profits = _assignment(n, a, b, value)
    assert sorted(mate.tolist()) == list(range(n))
    for x, y in ((a, b), (b, a)):
        assert (profits[x] + prices[y] >= value - 1e-9).all()
    assert (profits + prices >= -1e-9).all()
    # Equal on the assignment, so the prices' total is the assignment's worth: optimal.
    worth = dict(zip((a * n + b).tolist(), value.tolist(), strict=True))
    taken = [0.0 if x == y else worth[min(x, y) * n + max(x, y)] for x, y in enumerate(mate.tolist())]
    assert np.allclose(profits + prices[mate], taken)
    assert math.isclose(float(profits.sum() + prices.sum()), sum(taken), abs_tol=1e-6)


def test_the_assignment_bound_reaches_the_matching_lp() -> None:
    """The same LP solved by HiGHS on every allowed pair: the bound converges on its value."""
    data = generate(150, seed=4)
    pool = make_pool(data.members, history=data.history, avoid=[], seed=4, now=NOW)
    u, v, _w = full_edges(pool)
    lam, nu, floor, pairs = 6.0, 2.5, 60, 70
    worth = pool.quality_units(u, v) / 1000.0 + lam * pool.is_cross(u, v) - nu
    degree = sparse.csr_matrix(
        (np.ones(2 * len(u)), (np.concatenate([u, v]), np.tile(np.arange(len(u)), 2))), shape=(pool.n, len(u))
    )
    solved = linprog(-worth, A_ub=degree, b_ub=np.ones(pool.n), bounds=(0.0, None), method="highs")
    lp = -float(solved.fun) - lam * floor + nu * pairs
    cover = CoverBound(pool)
    # From no edges at all, the cutting planes find the ones the LP needs.
    found = assignment_bound(
        pool, _NONE, _NONE, cover=cover, cross_weight=lam, pair_charge=nu, pairs=pairs, cross_floor=floor
    )
    assert math.isclose(found.value, lp, abs_tol=1e-6)
    assert math.isclose(found.restricted, lp, abs_tol=1e-6)


def _most_cross_border(pool: object, n: int) -> dict[int, int]:
    """Per number of pairs: the most cross-border pairs any pairing of that size has."""
    allowed = [
        (a, b)
        for a in range(n)
        for b in range(a + 1, n)
        if pool.allowed(np.array([a]), np.array([b]))[0]  # type: ignore[attr-defined]
    ]
    best: dict[int, int] = {}

    def extend(start: int, used: frozenset[int], pairs: int, cross: int) -> None:
        best[pairs] = max(best.get(pairs, -1), cross)
        for k in range(start, len(allowed)):
            a, b = allowed[k]
            if a not in used and b not in used:
                extra = int(pool.is_cross(np.array([a]), np.array([b]))[0])  # type: ignore[attr-defined]
                extend(k + 1, used | {a, b}, pairs + 1, cross + extra)

    extend(0, frozenset(), 0, 0)
    return best


@pytest.mark.parametrize("mode", ["strict", "preferred"])
def test_the_type_bound_on_cross_border_pairs_is_never_below_any_pairing(mode: str) -> None:
    rng = random.Random(8)
    tight = 0
    for _case in range(80):
        n = rng.randint(2, 10)
        members, history, avoid = random_round(rng, n)
        pool = make_pool(members, history=history, avoid=avoid, now=NOW, cross_border=mode)
        most = _most_cross_border(pool, n)
        anything = cross_border_bound(pool)
        assert anything >= max(most.values()) - 1e-9
        for pairs, cross in most.items():
            assert cross_border_bound(pool, pairs=pairs) >= cross - 1e-9
        top = max(most)
        tight += math.floor(cross_border_bound(pool, pairs=top) + 1e-9) == most[top]
    # Valid, and not by being huge: on nearly every small pool it is the optimum itself.
    assert tight >= 70


def test_the_type_bound_is_at_least_the_optimum_of_a_realistic_pool_and_close_to_it() -> None:
    data = generate(600, seed=3)
    pool = make_pool(data.members, history=data.history, avoid=data.avoid, seed=3, now=NOW)
    best = exact_optimum(pool)
    bound = cross_border_bound(pool, pairs=best.pairs)
    assert best.cross_border <= bound <= best.cross_border * 1.02
    # No tighter than the LP on members: both are the same matching LP (up to the final raise).
    cover = CoverBound(pool)
    u, v, _w = candidate_edges(pool, 24)
    members_lp = assignment_bound(pool, u, v, cover=cover, objective="cross_border", pairs=best.pairs)
    assert bound <= members_lp.value + 1e-6

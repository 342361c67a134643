"""The upper bounds the benchmark measures large pools against are valid: never below the best
pairing, whatever edges their LP is given."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from benchmarks.pairing import generate
from bot.pairing._bound import CoverBound, cross_border_bound, lp_bound
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
        # No edges at all: the cutting planes and the final raise alone must make it valid.
        for u, v, _w in ((_NONE, _NONE, None), full_edges(pool)):
            cross = lp_bound(pool, u, v, cover=cover, objective="cross_border", pairs=best.pairs)
            quality = lp_bound(
                pool, u, v, cover=cover, objective="quality", pairs=best.pairs, cross_floor=best.cross_border
            )
            assert cross >= best.cross_border - 1e-6
            assert quality >= best.quality - 1e-6
            # Any pairing at all (no pairs or cross-border count given) is bounded too.
            assert lp_bound(pool, u, v, cover=cover, objective="quality") >= best.quality - 1e-6
            # Without cutting planes the final raise alone makes it valid.
            uncut = lp_bound(
                pool,
                u,
                v,
                cover=cover,
                objective="quality",
                pairs=best.pairs,
                cross_floor=best.cross_border,
                cut_rounds=0,
            )
            assert uncut >= best.quality - 1e-6
            tight += quality <= best.quality + 1e-6
    # Not valid by being huge: on most small pools the LP is exact.
    assert tight >= 30


def test_the_bounds_hold_against_the_exact_optimum_of_a_realistic_pool() -> None:
    data = generate(600, seed=3)
    pool = make_pool(data.members, history=data.history, avoid=data.avoid, seed=3, now=NOW)
    best = exact_optimum(pool)
    cover = CoverBound(pool)
    u, v, _w = candidate_edges(pool, 24)
    cross = lp_bound(pool, u, v, cover=cover, objective="cross_border", pairs=best.pairs)
    quality = lp_bound(
        pool, u, v, cover=cover, objective="quality", pairs=best.pairs, cross_floor=best.cross_border
    )
    assert best.cross_border <= cross <= best.cross_border * 1.02
    assert best.quality <= quality <= best.quality * 1.04
    with pytest.raises(ValueError, match="objective"):
        lp_bound(pool, u, v, cover=cover, objective="speed")


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
    assert bound <= lp_bound(pool, u, v, cover=cover, objective="cross_border", pairs=best.pairs) + 1e-6

"""The upper bounds the benchmark measures large pools against are valid: never below the best
pairing, whatever edges their LP is given."""

from __future__ import annotations

import random

import numpy as np
import pytest

from benchmarks.pairing import generate
from bot.pairing._bound import CoverBound, lp_bound
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

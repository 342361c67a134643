"""Large pools re-solved exactly in parts: never worse than before, and close to the optimum."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
import rustworkx as rx

from benchmarks.pairing import generate
from bot.pairing import _candidates, _pool, _solve
from bot.pairing._bound import cross_border_bound
from bot.pairing._candidates import candidate_edges
from bot.pairing._solve import Graph, augment, augment_forest, greedy, refine_by_parts
from bot.pairing.matching import embedded_pairs, exact_optimum, make_pool, match, tiers_of
from tests.unit.test_matching_tiers import NOW


def _tiers(pool: object, mate: np.ndarray) -> object:
    paired = np.flatnonzero(mate > np.arange(len(mate)))
    return tiers_of(pool, [(int(a), int(mate[a])) for a in paired])  # type: ignore[arg-type]


def test_parts_keep_a_valid_matching_and_never_lose_a_tier() -> None:
    data = generate(1500, seed=5)
    pool = make_pool(data.members, history=data.history, avoid=data.avoid, seed=5, now=NOW)
    graph = Graph(pool.n, *candidate_edges(pool, 24))
    mate = np.full(pool.n, -1, dtype=np.int64)
    greedy(graph, mate)
    before = _tiers(pool, mate)
    order = np.argsort(pool.keys32, kind="stable")
    key = np.empty(pool.n, dtype=np.int64)
    key[order] = np.arange(pool.n)
    refine_by_parts(pool, graph, mate, [key])
    paired = np.flatnonzero(mate >= 0)
    assert (mate[mate[paired]] == paired).all()
    assert pool.allowed(paired, mate[paired]).all()
    after = _tiers(pool, mate)
    assert after > before  # greedy leaves plenty to gain


def test_the_large_pool_path_comes_close_to_the_exact_optimum() -> None:
    data = generate(1000, seed=1)
    pool = make_pool(data.members, history=data.history, avoid=data.avoid, seed=1, now=NOW)
    best = exact_optimum(pool)
    result = match(data.members, history=data.history, avoid=data.avoid, seed=1, now=NOW, exact_limit=0)
    found = tiers_of(pool, [(pool.index[g[0]], pool.index[g[1]]) for g in result.groups])
    assert found.pairs == best.pairs
    assert found.cross_border >= 0.98 * best.cross_border
    assert found.quality >= 0.98 * best.quality


def test_the_blossom_search_reaches_a_maximum_matching_where_plain_paths_stop() -> None:
    rng = random.Random(4)
    short_of_maximum = 0
    for _case in range(150):
        n = rng.randint(2, 40)
        edges = {
            (a, b) for a in range(n) for b in range(a + 1, n) if rng.random() < rng.choice([0.06, 0.12, 0.3])
        }
        u = np.array([a for a, _b in sorted(edges)], dtype=np.int64)
        v = np.array([b for _a, b in sorted(edges)], dtype=np.int64)
        graph = Graph(n, u, v, rng.sample(range(10 * len(u) + 1), len(u)) * np.ones(len(u), dtype=np.int64))
        reference: rx.PyGraph = rx.PyGraph()
        reference.add_nodes_from(range(n))
        reference.add_edges_from_no_data(sorted(edges))
        most = len(rx.max_weight_matching(reference, max_cardinality=True))
        mate = np.full(n, -1, dtype=np.int64)
        greedy(graph, mate)
        plain = mate.copy()
        augment(graph, plain, np.flatnonzero(plain < 0).tolist())
        short_of_maximum += int((plain >= 0).sum()) // 2 < most
        # Grown from only some of the free members, paths may still end at the others.
        some = mate.copy()
        augment_forest(graph.adjacency, some, np.flatnonzero(some < 0).tolist()[::2])
        augment_forest(graph.adjacency, mate, np.flatnonzero(mate < 0).tolist())
        for result in (some, mate):
            paired = np.flatnonzero(result >= 0)
            assert (result[result[paired]] == paired).all()
            assert all(
                (min(a, b), max(a, b)) in edges
                for a, b in zip(paired.tolist(), result[paired].tolist(), strict=True)
            )
        assert int((mate >= 0).sum()) // 2 == most
    # The cases where it matters: odd cycles the breadth-first search alone cannot cross.
    assert short_of_maximum >= 3


def test_the_large_pool_path_reaches_nearly_the_bound_on_cross_border_pairs() -> None:
    for n, seed in ((2000, 2), (1500, 3)):
        data = generate(n, seed=seed)
        pool = make_pool(data.members, history=data.history, avoid=data.avoid, seed=seed, now=NOW)
        result = match(
            data.members, history=data.history, avoid=data.avoid, seed=seed, now=NOW, exact_limit=0
        )
        found = tiers_of(pool, embedded_pairs(pool, result))
        bound = math.floor(cross_border_bound(pool, pairs=found.pairs) + 1e-9)
        # The bound ignores history and odd cycles, so it may sit a few pairs above the optimum.
        assert bound >= found.cross_border >= 0.99 * bound


def test_one_key_sorts_give_the_same_shortlists_and_neighbour_order_as_three_key_sorts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The shortlists and neighbour lists sort one int64 key made of member, weight and partner;
    too large a pool for one int64 falls back to sorting by three keys: both give the same graph."""
    for mode in ("strict", "preferred"):
        data = generate(2500, seed=11)
        pool = make_pool(
            data.members, history=data.history, avoid=data.avoid, seed=3, now=NOW, cross_border=mode
        )
        u, v = np.triu_indices(pool.n, k=1)
        w = pool.weight(u, v)
        w = w[w != _pool.NOT_ALLOWED]
        levels = pool.compact(w)
        assert (pool.expand(levels) == w).all()
        assert levels.min() >= 0
        assert levels.max() < pool.weight_levels
        order = np.argsort(w, kind="stable")
        assert (np.diff(levels[order]) >= 0).all()  # the same order as the weights
        fast = candidate_edges(pool, 24)
        fast_graph = Graph(pool.n, *fast)
        with monkeypatch.context() as patch:
            patch.setattr(_candidates, "packable", lambda _n, _levels: False)
            patch.setattr(_solve, "packable", lambda _n, _levels: False)
            slow = candidate_edges(pool, 24)
            slow_graph = Graph(pool.n, *slow)
        assert all((a == b).all() for a, b in zip(fast, slow, strict=True))
        assert (fast_graph.adjacency.others == slow_graph.adjacency.others).all()

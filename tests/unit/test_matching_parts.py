"""Large pools re-solved exactly in parts: never worse than before, and close to the optimum."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
import rustworkx as rx
from scipy import sparse
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from benchmarks.pairing import generate
from bot.pairing import _candidates, _pool, _solve
from bot.pairing._auction import best_assignment
from bot.pairing._bound import cross_border_bound
from bot.pairing._candidates import candidate_edges
from bot.pairing._pool import pair_keys
from bot.pairing._solve import Graph, augment, augment_forest, greedy, refine_by_parts
from bot.pairing.matching import Candidate, embedded_pairs, exact_optimum, make_pool, match, tiers_of
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


def test_the_fractional_start_finds_the_best_matching_where_the_lp_has_no_odd_cycles() -> None:
    """On a bipartite graph the matching LP is whole, so the start is a maximum-weight matching."""
    data = generate(600, seed=7)
    pool = make_pool(data.members, history=data.history, avoid=data.avoid, seed=7, now=NOW)
    u, v, _w = candidate_edges(pool, 24)
    # Two sides by country: only edges between them, so every cycle is even.
    side = pool.country % 2
    between = side[u] != side[v]
    u, v = u[between], v[between]
    mate = np.full(pool.n, -1, dtype=np.int64)
    _solve.fractional_start(pool, pair_keys(u, v, pool.n), mate)
    paired = np.flatnonzero(mate > np.arange(pool.n))
    edges = set(zip(u.tolist(), v.tolist(), strict=True))
    assert all((a, int(mate[a])) in edges for a in paired.tolist())
    assert (mate[mate[paired]] == paired).all()
    values = _solve.start_values(pool, u, v)
    reference: rx.PyGraph = rx.PyGraph()
    reference.add_nodes_from(range(pool.n))
    reference.add_edges_from(list(zip(u.tolist(), v.tolist(), values.tolist(), strict=True)))
    best = rx.max_weight_matching(reference, weight_fn=int)
    best_value = sum(float(_solve.start_values(pool, np.array([a]), np.array([b]))[0]) for a, b in best)
    assert len(paired) > 200
    assert float(_solve.start_values(pool, paired, mate[paired]).sum()) == best_value


def test_the_priced_start_is_at_least_the_best_matching_of_the_graph_it_is_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Above the exact start's limit the auction runs, and pricing only adds pairs: the start is
    worth about the best matching of the given graph or more (rounding the LP's odd cycles may
    lose a little), and every pair in it is allowed."""
    monkeypatch.setattr(_solve, "_EXACT_START_LIMIT", 100)
    data = generate(600, seed=7)
    pool = make_pool(data.members, history=data.history, avoid=data.avoid, seed=7, now=NOW)
    u, v, _w = candidate_edges(pool, 8)
    mate = np.full(pool.n, -1, dtype=np.int64)
    _solve.fractional_start(pool, pair_keys(u, v, pool.n), mate)
    paired = np.flatnonzero(mate > np.arange(pool.n))
    assert (mate[mate[paired]] == paired).all()
    assert pool.allowed(paired, mate[paired]).all()
    values = _solve.auction_values(pool, u, v)
    reference: rx.PyGraph = rx.PyGraph()
    reference.add_nodes_from(range(pool.n))
    reference.add_edges_from(list(zip(u.tolist(), v.tolist(), (values * 1000).tolist(), strict=True)))
    best = rx.max_weight_matching(reference, weight_fn=round)
    best_value = sum(float(_solve.auction_values(pool, np.array([a]), np.array([b]))[0]) for a, b in best)
    found = float(_solve.auction_values(pool, paired, mate[paired]).sum())
    assert found >= 0.98 * best_value
    # Not by luck: it used pairs the graph did not have.
    given = set(zip(u.tolist(), v.tolist(), strict=True))
    assert any((int(a), int(mate[a])) not in given for a in paired)


def test_the_auction_reaches_the_best_assignment_and_goes_on_from_its_prices() -> None:
    rng = np.random.default_rng(11)
    n = 300
    keys = np.unique(rng.integers(0, n, 3000) * n + rng.integers(0, n, 3000))
    u, v = np.divmod(keys, n)
    keep = u < v
    u, v = u[keep], v[keep]
    value = rng.integers(1, 40, len(u)) / 8.0
    costs = sparse.csr_matrix(
        (
            np.concatenate([100.0 - value, 100.0 - value, np.full(n, 100.0)]),
            (np.concatenate([u, v, np.arange(n)]), np.concatenate([v, u, np.arange(n)])),
        ),
        shape=(n, n),
    )
    _rows, exact = min_weight_full_bipartite_matching(costs)
    best = 100.0 * n - float(costs[np.arange(n), exact].sum())
    worth = {(int(a), int(b)): float(w) for a, b, w in zip(u, v, value, strict=True)}

    def total(to: np.ndarray) -> float:
        return sum(worth[min(a, b), max(a, b)] for a, b in enumerate(to.tolist()) if a != b)

    epsilons = (1.0, 0.1, 0.001)
    to, prices, profits = best_assignment(n, u, v, value, epsilons=epsilons)
    assert sorted(to.tolist()) == list(range(n))
    assert best - n * epsilons[-1] <= total(to) <= best
    # Profits and prices are near-optimal duals: their sum is within n * epsilon of the optimum.
    assert abs(float(profits.sum() + prices.sum()) - best) <= n * epsilons[-1] + 1e-6
    # From those prices and that assignment, a finer step keeps it as good.
    again, _prices, _profits = best_assignment(n, u, v, value, epsilons=(0.0001,), prices=prices, keep=to)
    assert sorted(again.tolist()) == list(range(n))
    assert total(again) >= best - n * 0.0001
    with pytest.raises(ValueError, match="same length"):
        best_assignment(n, u, v[:-1], value, epsilons=epsilons)


def test_the_best_offset_of_a_cycle_is_the_one_summing_every_offset_finds() -> None:
    rng = random.Random(4)
    for _case in range(2000):
        length = rng.randint(2, 15)
        edges = [float(rng.randint(0, 5)) for _ in range(length)]

        def weight(first: int, edges: list[float] = edges, length: int = length) -> float:
            return sum(edges[(first + 2 * k) % length] for k in range(length // 2))

        offsets = range(length if length % 2 else 2)
        assert _solve._best_offset(edges) == max(offsets, key=weight)


def test_rounding_keeps_the_best_alternate_edges_of_each_cycle() -> None:
    part = np.array([10, 11, 12, 13, 14, 20, 21, 22, 23], dtype=np.int64)
    # Local 0-4: a cycle of five (one member must stay out); 5-8: a cycle of four.
    to = np.array([1, 2, 3, 4, 0, 6, 7, 8, 5], dtype=np.int64)
    weight = {(0, 1): 1.0, (1, 2): 5.0, (2, 3): 1.0, (3, 4): 5.0, (0, 4): 2.0}
    weight |= {(5, 6): 1.0, (6, 7): 3.0, (7, 8): 1.0, (5, 8): 3.0}
    keys = np.array(sorted(a * len(part) + b for a, b in weight), dtype=np.int64)
    values = np.array([weight[divmod(int(k), len(part))] for k in keys])
    mate = np.full(30, -1, dtype=np.int64)
    _solve._round_cycles(part, to, (keys, values), mate)
    pairs = {(a, int(mate[a])) for a in range(30) if mate[a] > a}
    # 1-2 and 3-4 (10 points) beat every other choice in the five; 6-7 and 5-8 in the four.
    assert pairs == {(11, 12), (13, 14), (21, 22), (20, 23)}
    assert mate[10] == -1


def test_members_who_share_two_interests_become_candidates_however_far_apart_in_one_interest() -> None:
    # 300 librarians share "outreach" across every time zone; two of them also share "archives".
    zones = ["Asia/Tokyo", "Europe/Paris", "America/Chicago", "Australia/Sydney", "Africa/Lagos"]
    members = [
        Candidate(f"m{i:03d}", f"C{i % 7}", frozenset({"en"}), frozenset({"outreach", f"t{i}"}), zones[i % 5])
        for i in range(300)
    ]
    members[5] = Candidate("m005", "C1", frozenset({"en"}), frozenset({"outreach", "archives"}), zones[0])
    members[250] = Candidate("m250", "C2", frozenset({"en"}), frozenset({"outreach", "archives"}), zones[3])
    pool = make_pool(members, now=NOW, seed=1)

    class Recorder:
        def __init__(self) -> None:
            self.pairs: set[tuple[int, int]] = set()

        def add(self, us: list[np.ndarray], vs: list[np.ndarray]) -> None:
            for a, b in zip(us, vs, strict=True):
                self.pairs |= set(zip(a.tolist(), b.tolist(), strict=True))

    recorder = Recorder()
    order = pool.by_hours()
    _candidates._add_two_interest_pairs(recorder, pool, order, 4)  # type: ignore[arg-type]
    a, b = pool.index["m005"], pool.index["m250"]
    assert recorder.pairs == {(a, b), (b, a)}
    # Two interests and nearby hours outweigh one interest and the same hours: the pair stays.
    u, v, _w = candidate_edges(pool, 8)
    assert (min(a, b), max(a, b)) in set(zip(u.tolist(), v.tolist(), strict=True))


def test_the_abroad_edges_are_fresh_allowed_cross_border_pairs() -> None:
    data = generate(1500, seed=3)
    pool = make_pool(data.members, history=data.history, avoid=data.avoid, seed=3, now=NOW)
    u, v = _candidates.abroad_edges(pool)
    assert len(u) > 10 * pool.n // 2
    assert (u < v).all()
    assert len(np.unique(u * pool.n + v)) == len(u)
    assert pool.allowed(u, v).all()
    assert pool.is_cross(u, v).all()
    assert not pool.is_repeat(u, v).any()


def test_two_countries_of_one_language_are_all_paired_across_the_border() -> None:
    """The cross-border phase's extra edges form a random graph: windows along one order left
    stretches where one country outnumbered the other, and 12 of 2,500 pairs stayed at home."""
    members = [
        Candidate(f"m{i}", "US" if i % 2 else "GB", frozenset({"en"}), frozenset({"maps"}), "Europe/London")
        for i in range(5000)
    ]
    result = match(members, now=NOW, seed=1)
    assert result.cross_border == len(result.groups) == 2500

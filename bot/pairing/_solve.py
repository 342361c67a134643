"""From the candidate graph to a matching (the trio and the reasons come after, in ``_groups``).

Small pools are matched exactly (rustworkx's blossom, maximum cardinality first). Above
``exact_limit`` the blossom is too slow (cubic; 10,000 members took two minutes here). Larger pools
start from the best fractional matching of the candidate graph, rounded (:func:`fractional_start`;
above 10,000 members solved by an auction whose prices add the pairs outside the graph that the
matching LP wants). In strict mode only its fresh cross-border pairs are kept at first, and the
cross-border pairs are completed to a maximum matching of the fresh cross-border edges (greedy by
tiered weight, then augmenting paths, breadth first and then with Edmonds' blossoms grown from
every free member at once, which cross the odd cycles three countries sharing a language make); its
pairs at home come back where both members are still free. The rest is paired greedily by tiered
weight and completed by augmenting paths (which add members, the top tier; in strict mode first
through pairs of one country only, so no cross-border pair is taken apart), then improved by rounds
of pair swaps until no swap gains. Pools of up to ``_REFINE_LIMIT`` members are then re-solved
exactly in parts of ``_PART_SIZE`` members."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from collections import deque
from collections.abc import Callable

import numpy as np
import rustworkx as rx
from scipy import sparse
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from bot.pairing._bound import CoverBound
from bot.pairing._candidates import abroad_edges
from bot.pairing._groups import pick_trio_member
from bot.pairing._pool import (
    JITTER_SPAN,
    NOT_ALLOWED,
    QUALITY_SCALE,
    Pool,
    contains_sorted,
    packable,
    pair_keys,
)

# Above this many members in one connected group the trio member is set aside before the exact
# matcher runs: an odd vertex count makes the blossom several times slower.
_PREPICK_MIN_COMPONENT = 50
# How far one augmenting-path search may wander before giving up on that member.
_AUGMENT_VISITS = 4000
_SWAP_ROUNDS = 40
_GREEDY_SLICE = 100_000
# Members per part re-solved exactly in large pools: the blossom takes about a tenth of a second at this
# size, and parts this big already hold most of a member's candidates.
_PART_SIZE = 600
# Above this many members the candidate graph is the narrow one, where parts gain little: one pass
# at 100,000 took 10 s for 0.03% more interests and hours.
_REFINE_LIMIT = 20_000
# Up to this many members the fractional start is solved exactly by scipy (0.3 s at 10,000; 44 s
# at 100,000, where the auction took 2 s).
_EXACT_START_LIMIT = 10_000
# The fractional start's weights, in multiples of the best a pair's interests and hours can be:
# a pair first, then a fresh one, then one across a border, then interests and hours. Not strictly
# tiered (floats), so the steps after it restore the tiers.
_START_PAIR, _START_FRESH, _START_CROSS = 10000.0, 1000.0, 100.0
# The auction start's weights, in multiples of the best a pair's interests and hours can be (its
# epsilons too): a fresh pair, and a pair across a border. At 100,000 members a cross-border
# weight of 0.8 gave 99.49% of the LP bound, 1.3 to 2.0 gave 99.59-99.60% (the cross-border phase
# after it has fewer pairs to change), and 2.0 the most cross-border groups.
_AUCTION_FRESH, _AUCTION_CROSS = 1.0, 2.0
# Its first solve, then each round of pricing (pairs added, then the auction from its prices).
_AUCTION_FIRST = (0.25, 0.015)
_AUCTION_ROUNDS = ((0.015, 0.002), (0.002, 0.0006))


def wide_candidates(n: int, exact_limit: int) -> bool:
    """Whether a pool of ``n`` is given the denser candidate graph: where it is matched exactly,
    whole or in parts, the extra edges buy interests and hours (at 10,000: 1.5% more points for
    a seventh more time); above, the greedy and its swaps gain too little from them."""
    return n <= max(exact_limit, _REFINE_LIMIT)


class Adjacency:
    """Neighbour lists in compressed form (a Python list per member would take hundreds of MB
    at 100,000 members), best neighbour first."""

    def __init__(self, n: int, u: np.ndarray, v: np.ndarray, w: np.ndarray) -> None:
        ends = np.concatenate([u, v])
        others = np.concatenate([v, u])
        levels, level = np.unique(w, return_inverse=True)
        if packable(n, len(levels)):
            # By member, heaviest first, then by neighbour: one int64 key sorts faster than three.
            rank = len(levels) - 1 - np.concatenate([level, level]).astype(np.int64)
            order = np.argsort((ends * len(levels) + rank) * n + others)
        else:
            order = np.lexsort((others, -np.concatenate([w, w]), ends))
        self.others = others[order]
        self.start = np.searchsorted(ends[order], np.arange(n + 1)).tolist()

    def __getitem__(self, x: int) -> list[int]:
        return self.others[self.start[x] : self.start[x + 1]].tolist()


class Graph:
    """The candidate graph: edges (u < v) with their tiered weights."""

    def __init__(self, n: int, u: np.ndarray, v: np.ndarray, w: np.ndarray) -> None:
        self.n = n
        self.u, self.v, self.w = u, v, w
        self.adjacency = Adjacency(n, u, v, w)

    def components(self) -> list[np.ndarray]:
        graph: rx.PyGraph = rx.PyGraph(multigraph=False)
        graph.add_nodes_from(range(self.n))
        graph.add_edges_from_no_data(list(zip(self.u.tolist(), self.v.tolist(), strict=True)))
        groups = [np.array(sorted(c), dtype=np.int64) for c in rx.connected_components(graph) if len(c) > 1]
        return sorted(groups, key=lambda c: int(c[0]))

    def exact(
        self,
        nodes: np.ndarray,
        mate: np.ndarray,
        extra: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
        edges: np.ndarray | None = None,
    ) -> None:
        """Maximum-cardinality, maximum-weight matching on the subgraph ``nodes`` induces, plus
        the ``extra`` edges (u, v, w) among them; ``edges``: the candidate edges worth looking at
        (all by default)."""
        local = np.full(self.n, -1, dtype=np.int64)
        local[nodes] = np.arange(len(nodes))
        edges = np.arange(len(self.u)) if edges is None else edges
        a, b, w = local[self.u[edges]], local[self.v[edges]], self.w[edges]
        keep = (a >= 0) & (b >= 0)
        a, b, w = a[keep], b[keep], w[keep]
        if extra is not None:
            a = np.concatenate([a, local[extra[0]]])
            b = np.concatenate([b, local[extra[1]]])
            w = np.concatenate([w, extra[2]])
        graph: rx.PyGraph = rx.PyGraph(multigraph=False)
        graph.add_nodes_from(range(len(nodes)))
        graph.add_edges_from(list(zip(a.tolist(), b.tolist(), w.tolist(), strict=True)))
        for x, y in rx.max_weight_matching(graph, max_cardinality=True, weight_fn=int):
            mate[nodes[x]], mate[nodes[y]] = nodes[y], nodes[x]


def greedy(graph: Graph, mate: np.ndarray, keep: np.ndarray | None = None) -> None:
    """Pair free members along the heaviest edges first (only where ``keep`` is true, if given)."""
    order = np.lexsort((graph.v, graph.u, -graph.w))
    if keep is not None:
        order = order[keep[order]]
    taken = mate.tolist()
    # In slices: Python ints for every edge at once took 180 MB at 100,000 members.
    for start in range(0, len(order), _GREEDY_SLICE):
        part = order[start : start + _GREEDY_SLICE]
        for a, b in zip(graph.u[part].tolist(), graph.v[part].tolist(), strict=True):
            if taken[a] < 0 and taken[b] < 0:
                taken[a], taken[b] = b, a
    mate[:] = taken


def augment(
    graph: Graph,
    mate: np.ndarray,
    free: list[int],
    adjacency: Adjacency | None = None,
    country: np.ndarray | None = None,
) -> None:
    """Match more members along alternating paths of the candidate graph (breadth first), or of
    the part of it given as ``adjacency``. With ``country``, the paths only go through pairs of
    one country: the pairs a path takes apart are never cross-border ones."""
    taken = mate.tolist()
    home = None if country is None else country.tolist()
    adjacency = graph.adjacency if adjacency is None else adjacency
    # Members a failed search reached lead nowhere for the next searches either (nearly always:
    # only other searches' flips could change that), so later searches skip them.
    dead: set[int] = set()
    for root in free:
        if taken[root] >= 0:
            continue
        reached_from: dict[int, int] = {}  # odd vertex -> the even vertex that reached it
        even = {root}
        queue = deque([root])
        end = -1
        while queue and end < 0 and len(reached_from) < _AUGMENT_VISITS:
            x = queue.popleft()
            for y in adjacency[x]:
                if y in reached_from or y in even:
                    continue
                reached_from[y] = x
                z = taken[y]
                if z < 0:
                    end = y
                    break
                if home is not None and home[y] != home[z]:
                    continue
                if z not in even and z not in dead:
                    even.add(z)
                    queue.append(z)
        if end < 0:
            dead |= even
        # Flip the path: each odd vertex takes the even vertex that reached it.
        y = end
        while y >= 0:
            x = reached_from[y]
            previous = taken[x]
            taken[x], taken[y] = y, x
            y = previous if x != root else -1
    mate[:] = taken


def improve(pool: Pool, graph: Graph, mate: np.ndarray) -> None:
    """Swap partners while it gains: pairs a-b and c-d become a-c and b-d when a-c is a candidate
    edge and the tiered weights add up to more; a left-over a may take c from d the same way."""
    all_a = np.concatenate([graph.u, graph.v])
    all_c = np.concatenate([graph.v, graph.u])
    all_ac = np.concatenate([graph.w, graph.w])
    dirty = np.ones(pool.n, dtype=bool)
    for _round in range(_SWAP_ROUNDS):
        # Only where something changed last round can a new swap gain.
        look = (
            dirty[all_a]
            | dirty[all_c]
            | dirty[np.maximum(mate[all_a], 0)]
            | dirty[np.maximum(mate[all_c], 0)]
        )
        a, c, ac = all_a[look], all_c[look], all_ac[look]
        b, d = mate[a], mate[c]
        paired = np.flatnonzero(mate >= 0)
        current = np.zeros(pool.n, dtype=np.int64)
        current[paired] = pool.weight(paired, mate[paired])
        both = (b >= 0) & (d >= 0) & (b != c)
        lone = (b < 0) & (d >= 0)
        gain = np.full(len(a), NOT_ALLOWED, dtype=np.int64)
        bd = pool.weight(b[both], d[both])
        gain[both] = np.where(
            bd != NOT_ALLOWED, ac[both] + bd - current[a[both]] - current[c[both]], NOT_ALLOWED
        )
        gain[lone] = ac[lone] - current[c[lone]]
        moves = np.flatnonzero(gain > 0)
        if len(moves) == 0:
            return
        moves = moves[np.lexsort((moves, -gain[moves]))]
        used = np.zeros(pool.n, dtype=bool)
        for k in moves.tolist():
            x, y, bx, dy = int(a[k]), int(c[k]), int(b[k]), int(d[k])
            group = [x, y, dy] + ([bx] if bx >= 0 else [])
            if used[group].any():
                continue
            used[group] = True
            mate[x], mate[y] = y, x
            if bx >= 0:
                mate[bx], mate[dy] = dy, bx
            else:
                mate[dy] = -1
        # Moves skipped for a conflict still gain: look at them again next round.
        dirty = used
        dirty[a[moves]] = True


def _lowest_bit(words: np.ndarray) -> np.ndarray:
    """Per row of a (rows, words) uint64 array: the index of its lowest set bit (-1 if none)."""
    out = np.full(len(words), -1, dtype=np.int64)
    for w in range(words.shape[1] - 1, -1, -1):
        column = words[:, w]
        has = column != 0
        low = column[has] & (~column[has] + np.uint64(1))
        out[has] = w * 64 + np.log2(low.astype(np.float64)).astype(np.int64)
    return out


def refine_by_parts(pool: Pool, graph: Graph, mate: np.ndarray, keys: list[np.ndarray]) -> None:
    """Re-solve the matching exactly on parts of at most ``_PART_SIZE`` members, cut along one
    language and neighbouring hours, with every current pair kept inside one part.

    The pairs inside a part are one matching of the part's candidate graph, so the exact
    maximum-cardinality, maximum-weight matching of that graph is never worse, tier by tier:
    every part can only gain. Each order in ``keys`` (per member) cuts the pool differently, and
    each is run twice with the cuts shifted by half a part, so seams get their turn inside a part.
    """
    has_edges = np.zeros(pool.n, dtype=bool)
    has_edges[graph.u] = True
    has_edges[graph.v] = True
    for key in keys:
        for shift in (0, _PART_SIZE // 2):
            lead = np.flatnonzero(has_edges & ((mate < 0) | (mate > np.arange(pool.n))))
            partner = mate[lead]
            paired = partner >= 0
            shared = pool.languages[lead].copy()
            shared[paired] &= pool.languages[partner[paired]]
            language = _lowest_bit(shared)
            lead = lead[np.lexsort((lead, key[lead], language))]
            sizes = 1 + (mate[lead] >= 0)
            ends = np.cumsum(sizes)
            cut = (ends + shift) // _PART_SIZE
            starts = np.flatnonzero(np.r_[True, cut[1:] != cut[:-1]])
            for first, last in zip(starts.tolist(), np.r_[starts[1:], len(lead)].tolist(), strict=True):
                units = lead[first:last]
                others = mate[units]
                nodes = np.sort(np.concatenate([units, others[others >= 0]]))
                # Pairs made by swaps need not be candidate edges: they stay options.
                mine = units[others >= 0]
                current = (mine, mate[mine], pool.weight(mine, mate[mine]))
                mate[nodes] = -1
                graph.exact(nodes, mate, current)


def fractional_start(pool: Pool, keys: np.ndarray, mate: np.ndarray) -> None:
    """Pair members as the best *fractional* matching of the edges ``keys`` (sorted, unique
    ``low * n + high``) does, then round it.

    The matching LP (each member in pairs worth at most 1 in all) is solved as an assignment on
    two copies of the members (u's first copy to v's second is half of pair u-v, a member to
    their own copy is "unpaired"). Its solution is a permutation: 2-cycles are pairs, and longer
    cycles are halves of pairs, rounded here to their best alternate edges (an odd cycle leaves
    one member out, for the augmenting paths after). At 10,000 members this LP sat within 0.07%
    of the best whole matching, where greedy and swaps stayed 1% below it.

    Up to ``_EXACT_START_LIMIT`` members scipy's sparse solver solves it exactly on the candidate
    graph. Above, the auction does (:mod:`bot.pairing._auction`), and its prices say which pairs
    outside the graph the LP wants: each member's best partner over everyone who shares a
    language (:meth:`CoverBound.rows`, by buckets) joins the graph where it beats what the member
    has, and the auction goes on from its prices (:func:`_priced_start`).
    """
    n = pool.n
    if n > _EXACT_START_LIMIT:
        _priced_start(pool, keys, mate)
        return
    if len(keys) == 0:
        return
    edge_u, edge_v = np.divmod(keys, n)
    value = start_values(pool, edge_u, edge_v)
    cost = float(value.max()) + 1.0 - value
    costs = sparse.csr_matrix(
        (
            np.concatenate([cost, cost, np.full(n, float(value.max()) + 1.0)]),
            (np.concatenate([edge_u, edge_v, np.arange(n)]), np.concatenate([edge_v, edge_u, np.arange(n)])),
        ),
        shape=(n, n),
    )
    _rows, to = min_weight_full_bipartite_matching(costs)
    _round_cycles(np.arange(n), np.asarray(to, dtype=np.int64), (keys, value), mate)


def start_values(pool: Pool, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """What the exact fractional start gains from each pair u-v (whole numbers, as floats)."""
    step = float(pool.top_rank // JITTER_SPAN)
    return pool.quality_units(u, v) + step * (
        _START_PAIR
        + _START_FRESH * ~pool.is_repeat(u, v)
        + (_START_CROSS * pool.is_cross(u, v) if pool.strict else 0.0)
    )


def auction_values(pool: Pool, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """What the auction start gains from each pair u-v, in points: interests and hours, and
    multiples of their best for a fresh pair and a pair across a border (the LP's own weighing
    of the tiers; the steps after the start restore the tiers)."""
    best = _best_points(pool)
    value = pool.quality_units(u, v) / QUALITY_SCALE + _AUCTION_FRESH * best * ~pool.is_repeat(u, v)
    if pool.strict:
        value += _AUCTION_CROSS * best * pool.is_cross(u, v)
    return value


def _best_points(pool: Pool) -> float:
    return float(pool.top_rank // JITTER_SPAN) / QUALITY_SCALE


def _priced_start(pool: Pool, keys: np.ndarray, mate: np.ndarray) -> None:
    """:func:`fractional_start` above ``_EXACT_START_LIMIT``: the auction, with pairs from
    outside the candidate graph added where its prices say the LP wants them."""
    # Here, not at the top: numba and its compiler take 100 MB and half a second to load, which
    # only pools this large need (the bot's own process never does).
    from bot.pairing._auction import best_assignment  # noqa: PLC0415

    _release_freed_memory()
    n = pool.n
    u, v = np.divmod(keys, n)
    best = _best_points(pool)
    value = auction_values(pool, u, v)
    to, prices, profits = best_assignment(n, u, v, value, epsilons=tuple(best * e for e in _AUCTION_FIRST))
    pricing = CoverBound(pool)
    abroad = (_AUCTION_CROSS * best) if pool.strict else pool.weights.other_country
    owner = pricing.row_member
    for finer in _AUCTION_ROUNDS:
        rows = pricing.rows(prices, abroad)
        found: list[np.ndarray] = []
        for gain, partner in ((rows.best, rows.partner), (rows.second, rows.second_partner)):
            # The oracle knows no history: a fresh pair's bonus on top (repeats only look better).
            wanted = (gain + _AUCTION_FRESH * best > profits[owner] + 1e-9) & (partner >= 0)
            wanted &= partner != owner
            found.append(pair_keys(owner[wanted], partner[wanted], n))
        del rows
        extra = np.unique(np.concatenate(found))
        extra = extra[~contains_sorted(keys, extra)]
        x, y = np.divmod(extra, n)
        allowed = pool.allowed(x, y)
        x, y = x[allowed], y[allowed]
        if len(x) == 0:
            break
        u, v = np.concatenate([u, x]), np.concatenate([v, y])
        value = np.concatenate([value, auction_values(pool, x, y)])
        keys = np.union1d(keys, pair_keys(x, y, n))
        to, prices, profits = best_assignment(
            n, u, v, value, epsilons=tuple(best * e for e in finer), prices=prices, keep=to
        )
    order = np.argsort(pair_keys(u, v, n))
    _round_cycles(np.arange(n), to, (keys, value[order]), mate)
    del u, v, value, order, keys, pricing, owner, prices, profits
    _release_freed_memory()


def _release_freed_memory() -> None:
    """Hand the C heap's freed blocks back to the system (glibc only; elsewhere nothing).

    The pricing rounds free a few hundred MB of arrays at 100,000 members, but the heap keeps
    them in pieces the steps after cannot reuse whole: without this the peak rose by 40 MB."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    # Looked up once: find_library runs a subprocess.
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def _round_cycles(
    part: np.ndarray, to: np.ndarray, values: tuple[np.ndarray, np.ndarray], mate: np.ndarray
) -> None:
    """Pairs from the assignment ``to`` (local indices of ``part``), given each edge's value by its
    sorted key ``low * len(part) + high``; see :func:`fractional_start`."""
    size = len(part)
    here = np.arange(size)
    mutual = (to[to] == here) & (to != here)
    mate[part[mutual]] = part[to[mutual]]
    seen = (mutual | (to == here)).tolist()
    forward = to.tolist()
    cycles: list[list[int]] = []
    for start in np.flatnonzero(~(mutual | (to == here))).tolist():
        cycle: list[int] = []
        x = start
        while not seen[x]:
            seen[x] = True
            cycle.append(x)
            x = forward[x]
        if cycle:
            cycles.append(cycle)
    if not cycles:
        return
    # Every cycle's edges in one lookup: each member to the next one round the cycle.
    ends = np.array([x for cycle in cycles for x in cycle], dtype=np.int64)
    after = to[ends]
    keys, value = values
    weights = value[np.searchsorted(keys, pair_keys(ends, after, size))].tolist()
    at = 0
    for cycle in cycles:
        length = len(cycle)
        edges = weights[at : at + length]
        at += length
        best = _best_offset(edges)
        for k in range(length // 2):
            x, y = part[cycle[(best + 2 * k) % length]], part[cycle[(best + 2 * k + 1) % length]]
            mate[x], mate[y] = y, x


def _best_offset(edges: list[float]) -> int:
    """Of a cycle's edges (edge i joins its i-th and next member), the offset f whose alternate
    edges f, f + 2, ... (len // 2 of them) weigh most, ties to the smallest f.

    An even cycle has two such matchings, an odd one as many as it has members (each leaves one
    out). Moving f on by two drops edge f and adds edge f + len - 1 (mod len), so every offset
    costs one step: cycles of thousands of members are common at 100,000, where summing each
    offset anew took seconds."""
    length = len(edges)
    if length % 2 == 0:
        return 0 if sum(edges[0::2]) >= sum(edges[1::2]) else 1
    total = sum(edges[0 : 2 * (length // 2) : 2])
    best, best_total = 0, total
    first = 0
    for _ in range(length - 1):
        total += edges[(first + length - 1) % length] - edges[first]
        first = (first + 2) % length
        if total > best_total or (total == best_total and first < best):
            best, best_total = first, total
    return best


def matching(pool: Pool, graph: Graph, exact_limit: int, degree: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """The pairs as a mate array (-1: unpaired), and the members set aside as trio candidates."""
    mate = np.full(pool.n, -1, dtype=np.int64)
    prepicked: list[int] = []
    if pool.n <= exact_limit:
        for component in graph.components():
            nodes = component
            if len(nodes) % 2 == 1 and len(nodes) >= _PREPICK_MIN_COMPONENT:
                chosen = pick_trio_member(pool, nodes, degree)
                prepicked.append(chosen)
                nodes = nodes[nodes != chosen]
            graph.exact(nodes, mate)
        return mate, prepicked
    has_edges = np.zeros(pool.n, dtype=bool)
    has_edges[graph.u] = True
    has_edges[graph.v] = True
    if pool.strict:
        # As many cross-border pairs as the candidate graph allows first (greedy, then augmenting
        # paths along fresh cross-border edges only, so every pair they make is fresh and abroad),
        # before anyone is paired at home: a pair at home would block such paths.
        abroad = pool.is_fresh_abroad(graph.u, graph.v)
        # The cross-border candidate edges, and random neighbours abroad, whose maximum matching
        # is larger (see abroad_edges).
        extra_u, extra_v = abroad_edges(pool)
        keys = np.union1d(graph.u[abroad] * pool.n + graph.v[abroad], extra_u * pool.n + extra_v)
        del extra_u, extra_v, abroad
        fractional_start(pool, np.union1d(pair_keys(graph.u, graph.v, pool.n), keys), mate)
        cross_u, cross_v = np.divmod(keys, pool.n)
        # Only its fresh cross-border pairs go into that phase; its pairs at home come back after.
        members = np.arange(pool.n)
        paired = mate >= 0
        at_home = paired & ~pool.is_fresh_abroad(members, np.maximum(mate, 0))
        home_pairs = np.flatnonzero(at_home & (mate > members))
        home_mates = mate[home_pairs]
        mate[at_home] = -1
        cross_graph = Graph(pool.n, cross_u, cross_v, pool.weight(cross_u, cross_v))
        greedy(cross_graph, mate)
        free = np.flatnonzero(has_edges & (mate < 0)).tolist()
        augment(cross_graph, mate, free)
        # Then the paths the plain search misses at odd cycles: a maximum matching of the
        # cross-border edges.
        augment_forest(cross_graph.adjacency, mate, np.flatnonzero(has_edges & (mate < 0)).tolist())
        # A few hundred MB at 100,000 members that the steps below do not need.
        del cross_graph, keys, cross_u, cross_v
        free = (mate[home_pairs] < 0) & (mate[home_mates] < 0)
        mate[home_pairs[free]], mate[home_mates[free]] = home_mates[free], home_pairs[free]
    else:
        fractional_start(pool, pair_keys(graph.u, graph.v, pool.n), mate)
    greedy(graph, mate)
    if pool.strict:
        # Members left out next, first by paths that leave every cross-border pair whole.
        augment(graph, mate, np.flatnonzero(has_edges & (mate < 0)).tolist(), country=pool.country)
    augment(graph, mate, np.flatnonzero(has_edges & (mate < 0)).tolist())
    improve(pool, graph, mate)
    if pool.n <= _REFINE_LIMIT:
        by_hours = pool.by_hours()
        # Then members with similar interests side by side, so parts hold those partners too.
        by_interests = np.empty(pool.n, dtype=np.int64)
        by_interests[np.lexsort((by_hours, pool.interests[:, 0]))] = np.arange(pool.n)
        refine_by_parts(pool, graph, mate, [by_hours, by_interests])
    return mate, prepicked


def augment_forest(adjacency: Adjacency, mate: np.ndarray, free: list[int]) -> int:
    """A maximum matching of ``adjacency`` from ``mate``: Edmonds' search with blossoms (which
    cross the odd cycles three countries sharing a language make, where a plain breadth-first
    search stops), grown from every free member at once, in phases. Where two members' trees
    meet at an edge between even members, the path between their roots is flipped and both trees
    leave the phase; a phase that flips nothing is a Hungarian forest, which proves the matching
    maximum. State lives in dicts over the members reached.

    A search from one member at a time walked a large part of the graph to find one of the few
    members left free (37 s at 100,000 for 499 paths); here trees meet halfway and one phase
    finds many paths (6 s, six phases, the same number of pairs). Returns how many phases ran."""
    taken = mate.tolist()
    roots = [x for x in free if taken[x] < 0]
    phases = 0
    while roots:
        phases += 1
        if not _forest_phase(adjacency, taken, roots):
            break
        roots = [x for x in roots if taken[x] < 0]
    mate[:] = taken
    return phases


def _forest_phase(adjacency: Adjacency, taken: list[int], roots: list[int]) -> int:
    """One phase of :func:`augment_forest`; returns how many paths it flipped."""
    tree_of: dict[int, int] = {root: root for root in roots}  # member -> the root of its tree
    # Odd members -> the even member that reached them (and, inside a blossom, the way round it).
    parent: dict[int, int] = {}
    # Blossoms as a union-find over members (each points toward its blossom's base), and the
    # members of each outermost blossom by its base, to enqueue them when it is shrunk.
    up: dict[int, int] = {}
    inside: dict[int, list[int]] = {}
    spent: set[int] = set()  # roots of trees that flipped a path this phase
    even = set(roots)
    queue = deque(roots)
    flipped = 0

    def base_of(x: int) -> int:
        top = x
        while top in up:
            top = up[top]
        while x != top:
            after = up[x]
            up[x] = top
            x = after
        return top

    def lowest_common(a: int, b: int) -> int:
        seen: set[int] = set()
        while True:
            a = base_of(a)
            seen.add(a)
            if taken[a] < 0:
                break
            a = parent[taken[a]]
        while True:
            b = base_of(b)
            if b in seen:
                return b
            b = parent[taken[b]]

    def mark(x: int, stem: int, child: int, blossom: set[int]) -> None:
        while base_of(x) != stem:
            blossom.add(base_of(x))
            blossom.add(base_of(taken[x]))
            parent[x] = child
            child = taken[x]
            x = parent[taken[x]]

    def flip_to_root(odd: int) -> None:
        # ``odd`` lost its partner to the new edge below it: re-pair along the tree to the root.
        while odd >= 0:
            above = parent[odd]
            after = taken[above]
            taken[odd], taken[above] = above, odd
            odd = after

    while queue:
        x = queue.popleft()
        tree = tree_of[x]
        if tree in spent:
            continue
        partner = taken[x]
        x_base = base_of(x) if x in up else x
        for y in adjacency[x]:
            if y == partner:
                continue
            other = tree_of.get(y)
            if other is None:
                z = taken[y]
                if z < 0:  # free but not a root given: a path of its own
                    taken[x], taken[y] = y, x
                    flip_to_root(partner)
                    tree_of[y] = tree
                    spent.add(tree)
                    flipped += 1
                    break
                # Outside the forest and paired: y joins as odd, its partner as even.
                parent[y] = x
                tree_of[y] = tree_of[z] = tree
                even.add(z)
                queue.append(z)
                continue
            if other in spent or x_base == (base_of(y) if y in up else y):
                continue
            y_partner = taken[y]
            if y_partner >= 0 and y_partner not in parent:
                continue  # y is odd: nothing to do from here
            if other != tree:
                # Two trees meet at an edge between even members: root - x - y - root.
                taken[x], taken[y] = y, x
                flip_to_root(partner)
                flip_to_root(y_partner)
                spent.add(tree)
                spent.add(other)
                flipped += 1
                break
            stem = lowest_common(x, y)
            blossom: set[int] = set()
            mark(x, stem, y, blossom)
            mark(y, stem, x, blossom)
            blossom.discard(stem)
            merged = inside.setdefault(stem, [stem])
            for b in blossom:
                up[b] = stem
                for z in inside.pop(b, [b]):
                    merged.append(z)
                    if z not in even:
                        even.add(z)
                        queue.append(z)
            x_base = base_of(x) if x in up else x
    return flipped

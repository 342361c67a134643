"""The best assignment of a sparse graph's two copies, by Bertsekas' auction, compiled.

Members bid for partners (u's first copy for v's second copy) at prices; each bid raises the
price by what the bidder would lose by taking its second choice instead, plus ``epsilon``. The
result is within ``n * epsilon`` of the best assignment, and the prices are near-optimal duals of
the matching LP, so :func:`bot.pairing._solve.fractional_start` can ask, with them, which pairs
outside the candidate graph are worth adding. Epsilon falls in steps (epsilon scaling); each step
starts from the last one's prices, and a start may also keep an assignment.

Why not scipy's sparse solver: it is exact, but took 44 s for 100,000 members on the candidate
graph, where this took under 10 s, and it cannot start from prices.
"""

from __future__ import annotations

import numpy as np
from numba import njit


def best_assignment(
    n: int,
    u: np.ndarray,
    v: np.ndarray,
    value: np.ndarray,
    *,
    epsilons: tuple[float, ...],
    prices: np.ndarray | None = None,
    keep: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Assign each member's first copy to one second copy: u to v (and v to u) is worth
    ``value`` for each edge u-v (each pair at most once, u != v), u to its own copy is worth 0
    ("left out"). Returns (to, prices, profits): ``to`` is a permutation of range(n), and each
    member's profit is what their own assignment is worth less its price.

    ``prices`` and ``keep`` (a permutation from an earlier call) start the first step where an
    earlier call ended: bidders still within epsilon of their best keep their partner."""
    if len(u) != len(v) or len(u) != len(value):
        raise ValueError("u, v and value must have the same length")
    # Each edge once per direction, and every member's own copy: a few hundred MB at 100,000
    # members if built from concatenated copies, so it is filled in place.
    indptr, cols, worth = _table(
        n, np.asarray(u, dtype=np.int64), np.asarray(v, dtype=np.int64), np.asarray(value, dtype=np.float64)
    )
    start = np.zeros(n) if prices is None else np.asarray(prices, dtype=np.float64).copy()
    kept = np.full(n, -1, dtype=np.int64) if keep is None else np.asarray(keep, dtype=np.int64)
    spread = float(max(worth.max(initial=0.0), 0.0) - min(worth.min(initial=0.0), 0.0)) + 1.0
    to = _auction(indptr, cols, worth, start, np.asarray(epsilons, dtype=np.float64), kept, spread)
    return to, start, _profits(indptr, cols, worth, start, to)


@njit(cache=True)
def _profits(  # pragma: no cover - compiled
    indptr: np.ndarray, cols: np.ndarray, worth: np.ndarray, prices: np.ndarray, to: np.ndarray
) -> np.ndarray:
    n = len(indptr) - 1
    out = np.empty(n)
    for i in range(n):
        for k in range(indptr[i], indptr[i + 1]):
            if cols[k] == to[i]:
                out[i] = worth[k] - prices[to[i]]
                break
    return out


@njit(cache=True)
def _table(  # pragma: no cover - compiled
    n: int, u: np.ndarray, v: np.ndarray, value: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of arcs per member (compressed): u to v and v to u per edge, and u to itself (0)."""
    degree = np.ones(n + 1, dtype=np.int64)
    degree[n] = 0
    for k in range(len(u)):
        degree[u[k]] += 1
        degree[v[k]] += 1
    indptr = np.zeros(n + 1, dtype=np.int64)
    for i in range(n):
        indptr[i + 1] = indptr[i] + degree[i]
    cols = np.empty(indptr[n], dtype=np.int32)
    worth = np.empty(indptr[n], dtype=np.float64)
    cursor = indptr[:n].copy()
    for i in range(n):
        cols[cursor[i]] = i
        worth[cursor[i]] = 0.0
        cursor[i] += 1
    for k in range(len(u)):
        a = u[k]
        b = v[k]
        cols[cursor[a]] = b
        worth[cursor[a]] = value[k]
        cursor[a] += 1
        cols[cursor[b]] = a
        worth[cursor[b]] = value[k]
        cursor[b] += 1
    return indptr, cols, worth


@njit(cache=True)
def _auction(  # pragma: no cover - compiled; tests call best_assignment
    indptr: np.ndarray,
    cols: np.ndarray,
    worth: np.ndarray,
    prices: np.ndarray,
    epsilons: np.ndarray,
    keep: np.ndarray,
    spread: float,
) -> np.ndarray:
    n = len(indptr) - 1
    owner = np.full(n, -1, dtype=np.int64)
    assigned = np.full(n, -1, dtype=np.int64)
    # Bidders waiting to bid, first in first out, in a ring of n + 1 slots.
    ring = np.empty(n + 1, dtype=np.int64)
    for step in range(len(epsilons)):
        epsilon = epsilons[step]
        owner[:] = -1
        assigned[:] = -1
        head = 0
        tail = 0
        for i in range(n):
            j = keep[i] if step == 0 else -1
            if j >= 0 and owner[j] < 0:
                best = -np.inf
                mine = -np.inf
                for k in range(indptr[i], indptr[i + 1]):
                    net = worth[k] - prices[cols[k]]
                    best = max(best, net)
                    if cols[k] == j:
                        mine = net
                if mine >= best - epsilon:
                    owner[j] = i
                    assigned[i] = j
                    continue
            ring[tail] = i
            tail = (tail + 1) % (n + 1)
        while head != tail:
            i = ring[head]
            head = (head + 1) % (n + 1)
            first = -np.inf
            second = -np.inf
            choice = -1
            for k in range(indptr[i], indptr[i + 1]):
                net = worth[k] - prices[cols[k]]
                if net > first:
                    second = first
                    first = net
                    choice = cols[k]
                elif net > second:
                    second = net
            if second == -np.inf:
                second = first - spread
            prices[choice] += first - second + epsilon
            previous = owner[choice]
            owner[choice] = i
            assigned[i] = choice
            if previous >= 0:
                assigned[previous] = -1
                ring[tail] = previous
                tail = (tail + 1) % (n + 1)
    return assigned

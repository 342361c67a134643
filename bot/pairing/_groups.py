"""After the matching: pair leftovers the candidate graph missed, make at most one trio, say why.

A round has at most one trio. It takes a member the pairs left over (there is one in every odd
pool whose members can all be grouped); any other leftover stays unmatched as ``odd_one_out``,
and a member nobody can write to is never made into an extra trio.
"""

from __future__ import annotations

import numpy as np

from bot.pairing._pool import NOT_ALLOWED, Pool

# How many of a leftover's partners the trio search tries to move into another pair.
_SWAP_TRIES = 20


def _best(scores: np.ndarray) -> int:
    """Index of the highest score; the first one on a tie (the arrays come in index order)."""
    return int(np.argmax(scores))


class Groups:
    """Pairs and the trio while leftovers are being placed."""

    def __init__(self, pool: Pool, mate: np.ndarray) -> None:
        self.pool = pool
        self.group_of: dict[int, list[int]] = {}
        for a, b in enumerate(mate.tolist()):
            if a < b:
                self._set([a, b])

    def _set(self, group: list[int]) -> None:
        group = sorted(group)
        for x in group:
            self.group_of[x] = group

    def partners(self, members: np.ndarray) -> np.ndarray:
        """Each member's partner if they are in a pair (not a trio), else -1."""
        out = np.full(len(members), -1, dtype=np.int64)
        for k, a in enumerate(members.tolist()):
            group = self.group_of.get(a)
            if group is not None and len(group) == 2:
                out[k] = group[1] if group[0] == a else group[0]
        return out

    def augment(self, free: list[int]) -> None:
        """Pair leftovers through paths on the full graph: u-v directly, or u takes a from the
        pair a-b and b takes v."""
        pool = self.pool
        for u in free:
            if u in self.group_of:
                continue
            others = np.array([v for v in free if v != u and v not in self.group_of], dtype=np.int64)
            if len(others) == 0:
                return
            direct = pool.weight(np.full(len(others), u), others)
            if (direct != NOT_ALLOWED).any():
                self._set([u, int(others[_best(direct)])])
                continue
            a = pool.compatible(u)
            b = self.partners(a)
            a, b = a[b >= 0], b[b >= 0]
            if len(a) == 0:
                continue
            rows = np.repeat(np.arange(len(a)), len(others))
            cols = np.tile(others, len(a))
            bv = pool.weight(b[rows], cols)
            fits = bv != NOT_ALLOWED
            if not fits.any():
                continue
            rows, cols, bv = rows[fits], cols[fits], bv[fits]
            gained = pool.weight(np.full(len(rows), u), a[rows]) + bv - pool.weight(a[rows], b[rows])
            k = _best(gained)
            self._set([u, int(a[rows[k]])])
            self._set([int(b[rows[k]]), int(cols[k])])

    def place(self, u: int) -> bool:
        """Put a leftover into the trio: with a pair that suits them whole, or by taking one
        member's place in a pair while that member joins another pair as the third."""
        pool = self.pool
        a = pool.compatible(u)
        b = self.partners(a)
        fits = (b >= 0) & np.isin(b, a) & (a < b)
        if fits.any():
            a, b = a[fits], b[fits]
            us = np.full(len(a), u)
            k = _best(pool.weight(us, a) + pool.weight(us, b))
            self._set([u, int(a[k]), int(b[k])])
            return True
        a, b = a[b >= 0], b[b >= 0]
        # Best first, and only a few: each try scans everyone b may be paired with.
        order = np.argsort(-pool.weight(np.full(len(a), u), a), kind="stable")[:_SWAP_TRIES]
        for k in order.tolist():
            c = pool.compatible(int(b[k]))
            d = self.partners(c)
            fits = (d >= 0) & np.isin(d, c) & (c < d) & (c != a[k]) & (d != a[k])
            if fits.any():
                c, d = c[fits], d[fits]
                bs = np.full(len(c), b[k])
                j = _best(pool.weight(bs, c) + pool.weight(bs, d))
                self._set([u, int(a[k])])
                self._set([int(b[k]), int(c[j]), int(d[j])])
                return True
        return False

    def groups(self) -> list[list[int]]:
        seen: set[int] = set()
        out: list[list[int]] = []
        for group in self.group_of.values():
            if id(group) not in seen:
                seen.add(id(group))
                out.append(group)
        return out


def pick_trio_member(pool: Pool, component: np.ndarray, degree: np.ndarray) -> int:
    # Someone with many options fits into some pair almost surely; among them the seeded key picks,
    # so the same well-connected person is not the trio member every round.
    top = int(degree[component].max())
    flexible = [int(i) for i in component if degree[i] * 2 >= top]
    return max(flexible, key=lambda i: (int(pool.keys32[i]), i))

"""Each member's shortlist of partners, found by buckets instead of scoring every pair.

Within one language, members are sorted by UTC offset (then a seeded key), so neighbours in that
order wake at the same hours. A member's candidates are their neighbours in three orders:

- everyone who speaks the language (so a small language group keeps all its options);
- everyone who speaks it *in another country* (cross-border partners even when they live in
  other time zones, e.g. Brazil and Portugal);
- everyone who speaks it and shares one of the member's interests;
- everyone who speaks it and shares two of the member's interests (pairs who share two or three
  interests are the best there are, and in a big bucket of one interest they rarely sit near).

That is a few dozen pairs per member, scored with the tiered weight; the best ``top_k`` stay.
An edge survives when it is in either endpoint's list, so a member with few options keeps them.
"""

from __future__ import annotations

import numpy as np

from bot.pairing._pool import NOT_ALLOWED, Pool, packable

_LANGUAGE_WINDOW = 4
_ABROAD_WINDOW = 8
_INTEREST_WINDOW = 4
# Either side in a bucket of one language and two interests. At 10,000 members, of the edges the
# matching LP used outside the graph without these buckets, 98% joined members sharing 2-3 interests.
_TWO_INTERESTS_WINDOW = 4
# Random orders for the cross-border phase's extra edges (two neighbours abroad in each).
_ABROAD_ORDERS = 8
_WIDE_TOP_K = 48


def _window(
    ordered: np.ndarray, positions: np.ndarray, queries: np.ndarray, width: int, *, inside: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (query, neighbour) for the ``width`` members either side of each query's position.

    ``inside``: the queries are themselves in ``ordered`` at ``positions`` (skip them); otherwise a
    position is where the query would be inserted.
    """
    if len(ordered) == 0 or len(queries) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    steps = (
        np.concatenate([np.arange(-width, 0), np.arange(1, width + 1)])
        if inside
        else np.arange(-width, width)
    )
    at = positions[:, None] + steps[None, :]
    valid = (at >= 0) & (at < len(ordered))
    rows = np.broadcast_to(queries[:, None], at.shape)[valid]
    return rows.astype(np.int64), ordered[at[valid]].astype(np.int64)


def _best_per_member(
    pool: Pool, u: np.ndarray, v: np.ndarray, w: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each member's ``k`` best distinct partners among the pairs (u, v, w), by member, best first
    (ties by partner)."""
    keep = w != NOT_ALLOWED
    u, v, w = u[keep], v[keep], w[keep]
    n, levels = max(pool.n, 1), pool.weight_levels
    if packable(n, levels):
        # One int64 per pair, ordered by member, best weight, partner: a plain sort of one key,
        # several times faster than sorting by three, and the same pair from several buckets
        # gives the same key, so duplicates land side by side.
        keys = np.sort((u * levels + (levels - 1 - pool.compact(w))) * n + v)
        keys = keys[np.r_[True, keys[1:] != keys[:-1]]] if len(keys) else keys
        member_level, v = np.divmod(keys, n)
        u, level = np.divmod(member_level, levels)
        w = pool.expand(levels - 1 - level)
    else:
        order = np.lexsort((v, -w, u))
        u, v, w = u[order], v[order], w[order]
        single = np.r_[True, (u[1:] != u[:-1]) | (v[1:] != v[:-1])] if len(u) else np.zeros(0, dtype=bool)
        u, v, w = u[single], v[single], w[single]
    starts = np.flatnonzero(np.r_[True, u[1:] != u[:-1]]) if len(u) else np.zeros(0, dtype=np.int64)
    rank = np.arange(len(u)) - np.repeat(starts, np.diff(np.r_[starts, len(u)]))
    top = rank < k
    return u[top], v[top], w[top]


class _Shortlist:
    """Each member's best ``top_k`` so far; pairs are scored in batches to bound memory."""

    _BATCH = 800_000

    def __init__(self, pool: Pool, top_k: int) -> None:
        self.pool = pool
        self.top_k = top_k
        self.kept: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self.floor = np.full(pool.n, NOT_ALLOWED, dtype=np.int64)
        self.us: list[np.ndarray] = []
        self.vs: list[np.ndarray] = []
        self.pending = 0

    def add(self, us: list[np.ndarray], vs: list[np.ndarray]) -> None:
        self.us += us
        self.vs += vs
        self.pending += sum(len(u) for u in us)
        if self.pending >= self._BATCH:
            self._reduce()

    def _reduce(self) -> None:
        u = np.concatenate(self.us) if self.us else np.zeros(0, dtype=np.int64)
        v = np.concatenate(self.vs) if self.vs else np.zeros(0, dtype=np.int64)
        w = self.pool.weight(u, v)
        self.us, self.vs, self.pending = [], [], 0
        if self.kept is not None:
            # A pair below a member's k-th best so far can never enter their list: drop it before
            # the sort (the lists come out the same, with far fewer rows sorted).
            better = w >= self.floor[u]
            u, v, w = u[better], v[better], w[better]
            u = np.concatenate([self.kept[0], u])
            v = np.concatenate([self.kept[1], v])
            w = np.concatenate([self.kept[2], w])
        self.kept = _best_per_member(self.pool, u, v, w, self.top_k)
        members = np.arange(self.pool.n)
        starts = np.searchsorted(self.kept[0], members)
        full = np.searchsorted(self.kept[0], members, side="right") - starts >= self.top_k
        self.floor = np.full(self.pool.n, NOT_ALLOWED, dtype=np.int64)
        self.floor[full] = self.kept[2][starts[full] + self.top_k - 1]

    def result(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        self._reduce()
        assert self.kept is not None
        return self.kept


def _bucket_pairs(
    pool: Pool, bucket: np.ndarray, order_key: np.ndarray, inside: int, abroad: int
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Neighbours in ``order_key`` order: ``inside`` either side in the whole bucket, and
    ``abroad`` either side among the bucket's members from other countries."""
    bucket = bucket[np.argsort(order_key[bucket], kind="stable")]
    us: list[np.ndarray] = []
    vs: list[np.ndarray] = []
    a, b = _window(bucket, np.arange(len(bucket)), bucket, inside, inside=True)
    us.append(a)
    vs.append(b)
    if abroad:
        countries = pool.country[bucket]
        for country in np.unique(countries):
            home = countries == country
            others = bucket[~home]
            if len(others) == 0:
                continue
            locals_ = bucket[home]
            at = np.searchsorted(order_key[others], order_key[locals_])
            a, b = _window(others, at, locals_, abroad, inside=False)
            us.append(a)
            vs.append(b)
    return us, vs


def candidate_edges(
    pool: Pool, top_k: int, *, wide: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Undirected candidate edges (u < v) with their tiered weights.

    ``wide`` doubles the windows (three times abroad, four times by interest) and keeps at least
    32: for pools the exact matcher solves, where a denser graph buys the last cross-border groups
    and interests for a few seconds.
    """
    scale = 2 if wide else 1
    if wide:
        top_k = max(top_k, _WIDE_TOP_K)
    language_window, abroad_window, interest_window = (
        _LANGUAGE_WINDOW * scale,
        _ABROAD_WINDOW * (scale + 1 if wide else 1),
        # Four times the interest window: at 3,000 the last 0.4% of interests + hours came from
        # partners who share interests but sit beyond twice the window.
        _INTEREST_WINDOW * (4 if wide else 1),
    )
    n = pool.n
    by_hours = pool.by_hours()
    # Members with similar interest sets next to each other (then by hours): partners sharing
    # two or three interests, which one interest's bucket alone would rarely put side by side.
    by_interests = np.lexsort((by_hours, pool.interests[:, 0]))
    by_interests_rank = np.empty(n, dtype=np.int64)
    by_interests_rank[by_interests] = np.arange(n)
    shortlist = _Shortlist(pool, top_k)
    for bit in range(len(pool.language_names)):
        speakers = np.flatnonzero(pool.speaks(bit))
        shortlist.add(*_bucket_pairs(pool, speakers, by_hours, language_window, abroad_window))
        interests = pool.interests[speakers]
        for interest in range(len(pool.interest_names)):
            has = (interests[:, interest // 64] >> np.uint64(interest % 64)) & np.uint64(1)
            sharing = speakers[has.astype(bool)]
            if len(sharing) < 2:
                continue
            for key in (by_hours, by_interests_rank):
                shortlist.add(*_bucket_pairs(pool, sharing, key, interest_window, interest_window))
    _add_two_interest_pairs(shortlist, pool, by_hours, _TWO_INTERESTS_WINDOW * scale)
    u, v, w = shortlist.result()
    low, high = np.minimum(u, v), np.maximum(u, v)
    _keys, first = np.unique(low * n + high, return_index=True)
    return low[first], high[first], w[first]


def _add_two_interest_pairs(shortlist: _Shortlist, pool: Pool, order_key: np.ndarray, width: int) -> None:
    """Neighbours in ``order_key`` order, ``width`` either side, among the members who speak one
    language and share two interests: one row per (member, language, two of their interests),
    grouped by one sort instead of a bucket at a time (hundreds of buckets per language)."""
    interests = len(pool.interest_names)
    # (member, interest) rows, by member: each member's interests side by side.
    bits = np.unpackbits(pool.interests.astype("<u8").view(np.uint8), axis=1, bitorder="little")[
        :, :interests
    ]
    holder, interest = np.nonzero(bits)
    members: list[np.ndarray] = []
    groups: list[np.ndarray] = []
    for step in range(1, int(np.bincount(holder).max(initial=0))):
        same = holder[step:] == holder[:-step]
        members.append(holder[step:][same])
        groups.append(interest[:-step][same].astype(np.int64) * interests + interest[step:][same])
    if not members:
        return
    member = np.concatenate(members)
    pair_group = np.concatenate(groups)
    for bit in range(len(pool.language_names)):
        speaks = pool.speaks(bit)[member]
        rows, row_group = member[speaks], pair_group[speaks]
        order = np.lexsort((order_key[rows], row_group))
        rows, row_group = rows[order], row_group[order]
        for step in range(1, 3 * width + 1):
            same = row_group[step:] == row_group[:-step]
            if step > width:
                # Further out, only partners from another country (the cross-border tier).
                same &= pool.country[rows[step:]] != pool.country[rows[:-step]]
            # Both ways: each end keeps its own best, and an edge stays when either end keeps it.
            shortlist.add([rows[step:][same], rows[:-step][same]], [rows[:-step][same], rows[step:][same]])


def abroad_edges(pool: Pool) -> tuple[np.ndarray, np.ndarray]:
    """Fresh cross-border pairs (u < v) for the cross-border phase: per language, each member's
    neighbours from other countries in ``_ABROAD_ORDERS`` seeded random orders, all of them.

    Shortlists chosen by weight crowd onto the same well-liked partners abroad and allow fewer
    cross-border groups. Windows in one order do too, however it is drawn: a band along one line
    leaves stretches where one country outnumbers the others by more than the window (at 5,000
    members of two countries, 2,377 pairs where 2,500 were possible). Neighbours in several
    independent orders make a random graph, whose maximum matching is close to the most the
    countries and languages allow (at 100,000 members, the type LP's bound).
    """
    n = pool.n
    keys: list[np.ndarray] = []
    for bit in range(len(pool.language_names)):
        speakers = np.flatnonzero(pool.speaks(bit))
        for order in range(_ABROAD_ORDERS):
            us, vs = _bucket_pairs(pool, speakers, _shuffled(pool.keys32, order), 0, 1)
            for u, v in zip(us, vs, strict=True):
                if len(u):
                    keys.append(np.unique(np.minimum(u, v) * n + np.maximum(u, v)))
    if not keys:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    u, v = np.divmod(np.unique(np.concatenate(keys)), n)
    keep = pool.allowed(u, v) & pool.is_fresh_abroad(u, v)
    return u[keep], v[keep]


def _shuffled(keys32: np.ndarray, order: int) -> np.ndarray:
    """The members' seeded keys mixed with ``order`` (murmur3's finaliser): one more random order."""
    x = (keys32.astype(np.uint64) ^ np.uint64((0x9E3779B9 * (order + 1)) & 0xFFFFFFFF)) & np.uint64(
        0xFFFFFFFF
    )
    for shift, factor in ((16, 0x85EBCA6B), (13, 0xC2B2AE35)):
        x ^= x >> np.uint64(shift)
        x = (x * np.uint64(factor)) & np.uint64(0xFFFFFFFF)
    x ^= x >> np.uint64(16)
    return x.astype(np.int64)


def full_edges(pool: Pool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every allowed pair (u < v): for small pools, where the exact optimum is affordable."""
    u, v = np.triu_indices(pool.n, k=1)
    u = u.astype(np.int64)
    v = v.astype(np.int64)
    w = pool.weight(u, v)
    keep = w != NOT_ALLOWED
    return u[keep], v[keep], w[keep]

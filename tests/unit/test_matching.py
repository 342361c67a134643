"""Pen-pal pairing: the rules, the scoring, determinism, the offline tool and the worker."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from bot.pairing import matching
from bot.pairing.matching import (
    Candidate,
    MatchResult,
    embedded_pairs,
    exact_optimum,
    make_pool,
    match,
    match_in_worker,
    pair_weight,
    tiers_of,
    waking_overlap_hours,
)
from bot.pairing.offline import main as offline_main
from bot.pairing.offline import run_offline

NOW = datetime(2025, 3, 12, 12, 0, tzinfo=UTC)

ZONES = ["Europe/London", "America/New_York", "Asia/Tokyo", "Africa/Nairobi", "Asia/Kolkata", "Europe/Berlin"]


def cand(
    member_id: str,
    country: str = "US",
    languages: tuple[str, ...] = ("en",),
    interests: tuple[str, ...] = (),
    timezone: str = "America/New_York",
) -> Candidate:
    return Candidate(member_id, country, frozenset(languages), frozenset(interests), timezone)


def random_pool(n: int, seed: int) -> list[Candidate]:
    rng = random.Random(seed)
    pool = []
    for i in range(n):
        languages = {rng.choice(["en", "en", "fr", "es", "zh"])}
        if rng.random() < 0.3:
            languages.add(rng.choice(["en", "fr", "ar"]))
        pool.append(
            cand(
                f"m{i:03d}",
                country=rng.choice(["US", "FR", "CN", "KE", "MX", "IN"]),
                languages=tuple(languages),
                interests=tuple(rng.sample(["archives", "outreach", "metadata", "storytime", "maps"], 2)),
                timezone=rng.choice(ZONES),
            )
        )
    return pool


def pairs_in(result: MatchResult) -> set[frozenset[str]]:
    return {frozenset(pair) for group in result.groups for pair in itertools.combinations(group, 2)}


def assert_valid(result: MatchResult, members: list[Candidate], avoid: list[tuple[str, str]] = ()) -> None:
    """Every member exactly once; groups of 2 (one trio at most here); every pair allowed."""
    by_id = {m.id: m for m in members}
    seen = [i for group in result.groups for i in group] + [i for i, _reason in result.unmatched]
    assert sorted(seen) == sorted(by_id)
    assert all(len(group) in (2, 3) for group in result.groups)
    for a, b in (tuple(p) for p in pairs_in(result)):
        assert pair_weight(by_id[a], by_id[b], now=NOW, avoid=avoid) is not None, (a, b)


# --------------------------------------------------------------------------------------------------
# Scoring


def test_a_shared_language_is_required_and_case_insensitive() -> None:
    assert pair_weight(cand("a", languages=("fr",)), cand("b", languages=("de",)), now=NOW) is None
    assert pair_weight(cand("a", languages=("EN",)), cand("b", languages=("en",)), now=NOW) is not None


def test_scoring_prefers_another_country_shared_interests_and_waking_hours() -> None:
    same = pair_weight(cand("a", "US"), cand("b", "US"), now=NOW)
    abroad = pair_weight(cand("a", "US"), cand("b", "CA"), now=NOW)
    # 1 base + 0.5 per overlapping hour (14 in the same zone) + 10 abroad.
    assert same == 8.0
    assert abroad == 18.0
    shared = pair_weight(
        cand("a", "US", interests=("Archives", "maps")),
        cand("b", "CA", interests=("archives", "MAPS")),
        now=NOW,
    )
    assert shared == 24.0
    far = pair_weight(cand("a", "US"), cand("b", "JP", timezone="Asia/Tokyo"), now=NOW)
    assert far is not None
    assert far < abroad


def test_avoid_pairs_score_none_in_either_order() -> None:
    a, b = cand("a"), cand("b")
    assert pair_weight(a, b, now=NOW, avoid=[("b", "a")]) is None
    assert pair_weight(a, b, now=NOW, avoid=[("a", "c")]) is not None


def test_waking_overlap_follows_daylight_saving_at_now() -> None:
    # New York moved to summer time on 9 March 2025, London only on 30 March: 4 hours apart.
    london, new_york = (
        matching.utc_offset_hours("Europe/London", NOW),
        matching.utc_offset_hours("America/New_York", NOW),
    )
    assert waking_overlap_hours(london, new_york) == 10.0
    january = datetime(2025, 1, 15, 12, tzinfo=UTC)
    winter = waking_overlap_hours(
        matching.utc_offset_hours("Europe/London", january),
        matching.utc_offset_hours("America/New_York", january),
    )
    assert winter == 9.0
    assert waking_overlap_hours(0.0, 12.0) == 4.0  # 08-22 against 20-10 (next day)
    assert waking_overlap_hours(5.75, 5.75) == 14.0


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        match([cand("a"), cand("b")], now=datetime(2025, 1, 1))  # noqa: DTZ001 - the point of the test


def test_vectorised_scoring_equals_pair_weight() -> None:
    members = random_pool(40, seed=3)
    avoid = [("m001", "m002"), ("m005", "m009")]
    pool = make_pool(members, avoid=avoid, now=NOW, cross_border="preferred")
    u, v = (a.ravel() for a in np.meshgrid(np.arange(pool.n), np.arange(pool.n), indexing="ij"))
    allowed = pool.allowed(u, v)
    units = pool.quality_units(u, v)
    by_id = {m.id: m for m in members}
    for k in range(len(u)):
        expected = pair_weight(by_id[pool.ids[u[k]]], by_id[pool.ids[v[k]]], now=NOW, avoid=avoid)
        assert allowed[k] == (expected is not None)
        if expected is not None:
            assert units[k] / 1000 == pytest.approx(expected)


# --------------------------------------------------------------------------------------------------
# The rules of a round


def test_nobody_is_paired_without_a_shared_language() -> None:
    members = random_pool(60, seed=1)
    result = match(members, now=NOW)
    assert_valid(result, members)
    assert len(result.groups) >= 25


def test_avoid_pairs_are_never_grouped_even_in_a_trio() -> None:
    members = [cand(x) for x in "abcde"]
    avoid = [("a", "b"), ("c", "d"), ("a", "e"), ("b", "e")]
    for seed in range(5):
        result = match(members, avoid=avoid, seed=seed, now=NOW)
        assert_valid(result, members, avoid)
        grouped = pairs_in(result)
        assert not any(frozenset(pair) in grouped for pair in avoid)


def test_recent_partners_are_not_repeated_when_there_is_another_way() -> None:
    # a-b would be the best pair by far (same interests, another country), but they just wrote.
    members = [
        cand("a", "US", interests=("maps", "archives", "outreach")),
        cand("b", "FR", interests=("maps", "archives", "outreach"), timezone="America/New_York"),
        cand("c", "US"),
        cand("d", "US"),
    ]
    history = [("a", "b"), ("c", "d")]
    result = match(members, history=history, now=NOW)
    assert result.repeats == 0
    assert frozenset(("a", "b")) not in pairs_in(result)
    assert frozenset(("c", "d")) not in pairs_in(result)
    assert not result.unmatched


def test_a_repeat_is_used_when_it_is_the_only_way_to_leave_nobody_out() -> None:
    members = [
        cand("a", "FR", languages=("fr",)),
        cand("b", "CA", languages=("fr", "en")),
        cand("c", "US"),
        cand("d", "GB"),
    ]
    # a can only write to b; b-c and d would leave a out, so a-b happens again.
    result = match(members, history=[("a", "b")], now=NOW)
    assert result.groups == [("a", "b"), ("c", "d")]
    assert result.repeats == 1
    assert result.unmatched == []


def test_an_odd_pool_makes_exactly_one_valid_trio() -> None:
    members = random_pool(31, seed=7)
    members = [Candidate(m.id, m.country, m.languages | {"en"}, m.interests, m.timezone) for m in members]
    result = match(members, now=NOW)
    assert_valid(result, members)
    assert [len(g) for g in result.groups].count(3) == 1
    assert result.unmatched == []


def test_a_large_odd_pool_sets_the_trio_member_aside_and_still_groups_everyone() -> None:
    members = [
        cand(f"p{i:03d}", country=["US", "FR", "KE"][i % 3], timezone=ZONES[i % 6]) for i in range(101)
    ]
    result = match(members, now=NOW)
    assert_valid(result, members)
    assert [len(g) for g in result.groups].count(3) == 1
    assert result.unmatched == []


def test_the_third_member_must_share_a_language_with_both() -> None:
    # b and c have nothing in common, so a trio is impossible: one of them is left out.
    members = [cand("a", languages=("fr", "en")), cand("b", languages=("en",)), cand("c", languages=("fr",))]
    result = match(members, now=NOW)
    assert len(result.groups) == 1
    assert "a" in result.groups[0]
    assert len(result.unmatched) == 1
    assert result.unmatched[0][1] == "odd_one_out"


def test_another_country_is_preferred() -> None:
    members = [cand("us1", "US"), cand("us2", "US"), cand("fr1", "FR"), cand("fr2", "FR")]
    result = match(members, now=NOW)
    for group in result.groups:
        assert {g[:2] for g in group} == {"us", "fr"}


def test_unmatched_members_are_told_why() -> None:
    assert match([cand("solo")], now=NOW).unmatched == [("solo", "alone")]
    assert match([], now=NOW) == MatchResult(groups=[], unmatched=[], score=0.0)
    members = [
        cand("a"),
        cand("b"),
        cand("x", languages=("is",)),  # nobody else speaks Icelandic
        cand("m1", languages=("mi",)),
        cand("m2", languages=("mi",)),  # the only other Maori speaker is avoided
    ]
    result = match(members, avoid=[("m1", "m2")], now=NOW)
    assert result.groups == [("a", "b")]
    assert dict(result.unmatched) == {"x": "no_shared_language", "m1": "only_avoided", "m2": "only_avoided"}


def test_a_member_with_one_candidate_keeps_that_edge_when_the_graph_is_thinned() -> None:
    members = [
        cand(f"e{i:02d}", country=["US", "FR"][i % 2], interests=("maps", "archives")) for i in range(30)
    ]
    # y is nobody's favourite, but x can only write to y.
    members += [cand("x", "IS", languages=("is",)), cand("y", "IS", languages=("is", "en"))]
    result = match(members, top_k=2, now=NOW)
    assert ("x", "y") in result.groups
    assert result.unmatched == []


def test_same_input_and_seed_give_the_same_result_whatever_the_order() -> None:
    members = random_pool(50, seed=11)
    history = [("m001", "m002"), ("m003", "m004")]
    first = match(members, history=history, seed=5, now=NOW)
    shuffled = list(members)
    random.Random(1).shuffle(shuffled)
    again = match(
        [
            Candidate(m.id, m.country, frozenset(sorted(m.languages)), m.interests, m.timezone)
            for m in shuffled
        ],
        history=list(reversed(history)),
        seed=5,
        now=NOW,
    )
    assert again == first


def test_the_seed_breaks_ties_differently() -> None:
    # Identical profiles: every pairing scores the same, only the seed decides.
    members = [cand(f"t{i:02d}") for i in range(12)]
    results = {tuple(match(members, seed=seed, now=NOW).groups) for seed in range(6)}
    assert len(results) > 1
    assert all(len(groups) == 6 for groups in results)


def test_duplicate_ids_and_unknown_zones_are_refused() -> None:
    with pytest.raises(ValueError, match="duplicate member id 'a'"):
        match([cand("a"), cand("a")], now=NOW)
    with pytest.raises(ValueError, match=r"member 'b'.*Mars/Olympus"):
        match([cand("a"), cand("b", timezone="Mars/Olympus")], now=NOW)


# --------------------------------------------------------------------------------------------------
# Quality against the exact optimum


def test_candidate_graph_comes_close_to_the_full_optimum() -> None:
    members = random_pool(400, seed=2)
    pool = make_pool(members, now=NOW)
    optimum = exact_optimum(pool)
    found = tiers_of(pool, embedded_pairs(pool, match(members, now=NOW)))
    assert (found.pairs, found.fresh) == (optimum.pairs, optimum.fresh)
    assert found.cross_border >= 0.99 * optimum.cross_border
    assert found.quality >= 0.95 * optimum.quality


def test_large_pools_are_matched_greedily_and_stay_valid_and_close() -> None:
    members = random_pool(400, seed=4)
    members = [Candidate(m.id, m.country, m.languages | {"en"}, m.interests, m.timezone) for m in members]
    pool = make_pool(members, now=NOW)
    optimum = exact_optimum(pool)
    result = match(members, exact_limit=0, now=NOW)
    assert_valid(result, members)
    assert result.unmatched == []
    found = tiers_of(pool, embedded_pairs(pool, result))
    assert found.pairs == optimum.pairs
    assert found.cross_border >= 0.99 * optimum.cross_border
    assert found.quality >= 0.95 * optimum.quality


# --------------------------------------------------------------------------------------------------
# The offline tool


def write(tmp_path: Path, data: object) -> str:
    path = tmp_path / "members.json"
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return str(path)


OFFLINE_INPUT = {
    "members": [
        {
            "id": 1,
            "country": "KE",
            "languages": ["sw", "EN"],
            "interests": ["archives"],
            "timezone": "Africa/Nairobi",
        },
        {
            "id": "b",
            "country": "US",
            "languages": ["en"],
            "interests": ["Archives"],
            "timezone": "America/Chicago",
        },
        {"id": "c", "country": "JP", "languages": ["ja"], "timezone": "Asia/Tokyo"},
        {"id": "d", "country": "GB", "languages": ["en"], "timezone": "Europe/London"},
        {"id": 5, "country": "IN", "languages": ["hi", "en"], "timezone": "Asia/Kolkata"},
    ],
    "history": [[1, "b"]],
    "avoid": [["d", 5]],
}


def test_offline_round_trip_keeps_ids_as_given(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = offline_main(["--input", write(tmp_path, OFFLINE_INPUT), "--seed", "3", "--now", NOW.isoformat()])
    captured = capsys.readouterr()
    assert code == 0
    assert captured.err == ""
    output = json.loads(captured.out)
    assert output == run_offline(OFFLINE_INPUT, seed=3, now=NOW)
    assert output["unmatched"] == [{"id": "c", "reason": "no_shared_language"}]
    grouped = [member for group in output["groups"] for member in group]
    assert sorted(grouped, key=str) == [1, 5, "b", "d"]  # ints stay ints
    assert {frozenset(map(str, g)) for g in output["groups"]} == {
        frozenset({"1", "5"}),
        frozenset({"b", "d"}),
    }


def member(**fields: object) -> dict[str, object]:
    return {"id": "z", "country": "FR", "languages": ["fr"], "timezone": "Europe/Paris"} | fields


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"members": [member(timezone="Europe/Atlantis")]},
            "member 'z': unknown time zone 'Europe/Atlantis'",
        ),
        (
            {"members": [{"id": "z", "country": "FR", "timezone": "UTC"}]},
            "member 'z': field \"languages\" is missing",
        ),
        ({"members": [member(languages=[])]}, "member 'z': field \"languages\" must be a non-empty list"),
        ({"members": [member(), member()]}, "member 'z': duplicate id (members[1])"),
        ({"members": [member()], "history": [["z", "q"]]}, "history[0]: unknown member id 'q'"),
        ({"members": [member()], "avoid": [[7, "z"]]}, "avoid[0]: unknown member id 7"),
        ({"members": [member(id=True)]}, 'members[0]: field "id" must be a non-empty string or an integer'),
        ({"people": []}, 'the input needs a "members" list'),
        ("{not json", "not valid JSON"),
    ],
)
def test_offline_bad_input_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: object, expected: str
) -> None:
    code = offline_main(["--input", write(tmp_path, data), "--now", NOW.isoformat()])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert expected in captured.err


def test_offline_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert offline_main(["--input", str(tmp_path / "missing.json")]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert offline_main(["--input", write(tmp_path, OFFLINE_INPUT), "--seed", "x"]) == 2
    assert "--seed" in capsys.readouterr().err
    assert offline_main(["--input", write(tmp_path, OFFLINE_INPUT), "--now", "2025-01-01T00:00:00"]) == 2


# --------------------------------------------------------------------------------------------------
# Off the event loop


async def test_match_in_worker_keeps_the_event_loop_running() -> None:
    members = random_pool(200, seed=9)
    ticks = 0
    worst = 0.0

    async def ticker() -> None:
        nonlocal ticks, worst
        while True:
            before = time.perf_counter()
            await asyncio.sleep(0.001)
            worst = max(worst, time.perf_counter() - before)
            ticks += 1

    task = asyncio.create_task(ticker())
    with ProcessPoolExecutor(max_workers=1) as executor:
        result = await match_in_worker(members, seed=2, now=NOW, executor=executor)
    task.cancel()
    assert result == match(members, seed=2, now=NOW)
    assert ticks >= 5
    assert worst < 0.5


async def test_the_default_worker_is_a_spawned_process_and_gives_the_same_result() -> None:
    members = random_pool(40, seed=10)
    try:
        result = await match_in_worker(members, history=[("m001", "m002")], seed=4, now=NOW)
        executor = matching.worker_pool()
        assert executor._mp_context.get_start_method() == "spawn"
    finally:
        matching.shutdown_worker_pool()
    assert result == match(members, history=[("m001", "m002")], seed=4, now=NOW)

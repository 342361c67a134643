"""The offline pairing tool: ``python -m bot match --input members.json [--seed N]
[--cross-border strict|preferred] > groups.json``.

Input::

    {"members": [{"id": "a1", "country": "KE", "languages": ["sw", "en"],
                  "interests": ["archives"], "timezone": "Africa/Nairobi"}, ...],
     "history": [["a1", "b7"], ...],     # optional, oldest first: recent pairs not to repeat
     "avoid": [["a1", "c3"], ...]}       # optional: never pair these

Output: ``{"groups": [["a1", "b2"], ...], "unmatched": [{"id": "c3", "reason": "no_shared_language"}]}``.
Ids may be strings or integers; the output gives them back exactly as they came.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.clock import SystemClock
from bot.pairing.matching import CROSS_BORDER_MODES, CROSS_BORDER_STRICT, Candidate, match

EXIT_BAD_INPUT = 2


class InputError(ValueError):
    """The input names what is wrong: which member or entry, and which field."""


def _id_key(value: Any) -> str | None:
    """The internal id for a JSON id, or None if it is neither a string nor an integer."""
    # bool is an int to Python, but true/false are not ids.
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value
    return None


def _strings(value: Any) -> list[str] | None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        return None
    return value


def _parse_members(data: dict[str, Any]) -> tuple[list[Candidate], dict[str, Any]]:
    raw_members = data.get("members")
    if not isinstance(raw_members, list):
        raise InputError('the input needs a "members" list')
    members: list[Candidate] = []
    original: dict[str, Any] = {}
    for position, raw in enumerate(raw_members):
        where = f"members[{position}]"
        if not isinstance(raw, dict):
            raise InputError(f"{where}: each member must be an object")
        if "id" not in raw:
            raise InputError(f'{where}: field "id" is missing')
        key = _id_key(raw["id"])
        if key is None:
            raise InputError(f'{where}: field "id" must be a non-empty string or an integer')
        if key in original:
            raise InputError(f"member {raw['id']!r}: duplicate id ({where})")
        who = f"member {raw['id']!r}"

        country = raw.get("country")
        if not isinstance(country, str) or not country.strip():
            raise InputError(f'{who}: field "country" must be a non-empty string')
        if "languages" not in raw:
            raise InputError(f'{who}: field "languages" is missing')
        languages = _strings(raw["languages"])
        if not languages:
            raise InputError(f'{who}: field "languages" must be a non-empty list of language codes')
        interests = _strings(raw.get("interests", []))
        if interests is None:
            raise InputError(f'{who}: field "interests" must be a list of strings')
        timezone = raw.get("timezone")
        if not isinstance(timezone, str) or not timezone:
            raise InputError(f'{who}: field "timezone" must be an IANA time zone name')
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InputError(f'{who}: unknown time zone {timezone!r} in field "timezone"') from None

        original[key] = raw["id"]
        members.append(Candidate(key, country, frozenset(languages), frozenset(interests), timezone))
    return members, original


def _parse_pairs(data: dict[str, Any], field: str, known: dict[str, Any]) -> list[tuple[str, str]]:
    raw_pairs = data.get(field, [])
    if not isinstance(raw_pairs, list):
        raise InputError(f'"{field}" must be a list of pairs of member ids')
    pairs: list[tuple[str, str]] = []
    for position, raw in enumerate(raw_pairs):
        where = f"{field}[{position}]"
        if not isinstance(raw, list) or len(raw) != 2:
            raise InputError(f"{where}: must be a pair of member ids, got {raw!r}")
        keys: list[str] = []
        for value in raw:
            key = _id_key(value)
            if key is None or key not in known:
                raise InputError(f"{where}: unknown member id {value!r}")
            keys.append(key)
        a, b = keys
        if a == b:
            raise InputError(f"{where}: pairs member {raw[0]!r} with themself")
        pairs.append((a, b))
    return pairs


def run_offline(
    data: dict[str, Any], *, seed: int = 0, now: datetime, cross_border: str = CROSS_BORDER_STRICT
) -> dict[str, Any]:
    """Pair the members in ``data`` (the input format above); raise :class:`InputError` if it is bad."""
    if not isinstance(data, dict):
        raise InputError('the input must be a JSON object with a "members" list')
    members, original = _parse_members(data)
    history = _parse_pairs(data, "history", original)
    avoid = _parse_pairs(data, "avoid", original)
    result = match(members, history=history, avoid=avoid, seed=seed, now=now, cross_border=cross_border)
    return {
        "groups": [[original[key] for key in group] for group in result.groups],
        "unmatched": [{"id": original[key], "reason": reason} for key, reason in result.unmatched],
    }


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse would print the usage too: the tool promises one line on stderr.
        raise _UsageError(message)


def _aware(text: str) -> datetime:
    when = datetime.fromisoformat(text)
    if when.tzinfo is None:
        raise ValueError("give a UTC offset, e.g. 2025-03-01T12:00:00+00:00")
    return when


def main(argv: list[str]) -> int:
    """``python -m bot match``: read --input, print groups as JSON; bad input: one line, exit 2."""
    parser = _Parser(prog="python -m bot match", description="Pair members for one round, offline.")
    parser.add_argument("--input", required=True, metavar="FILE", help="members JSON (bot.pairing.offline)")
    parser.add_argument("--seed", type=int, default=0, help="same input and seed, same output")
    parser.add_argument(
        "--now", type=_aware, default=None, help="ISO 8601 instant for time-zone offsets (default: now)"
    )
    parser.add_argument(
        "--cross-border",
        choices=CROSS_BORDER_MODES,
        default=CROSS_BORDER_STRICT,
        help="strict: as many cross-border groups as possible first; preferred: a large bonus only",
    )
    try:
        args = parser.parse_args(argv)
    except _UsageError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return EXIT_BAD_INPUT
    try:
        with open(args.input, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        sys.stderr.write(f"error: cannot read {args.input}: {exc.strerror}\n")
        return EXIT_BAD_INPUT
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        sys.stderr.write(f"error: {args.input}: not valid JSON ({exc.msg}, {where})\n")
        return EXIT_BAD_INPUT
    now = args.now or SystemClock().now()
    try:
        output = run_offline(data, seed=args.seed, now=now, cross_border=args.cross_border)
    except InputError as exc:
        sys.stderr.write(f"error: {args.input}: {exc}\n")
        return EXIT_BAD_INPUT
    sys.stdout.write(json.dumps(output, indent=2) + "\n")
    return 0

"""Checks every request the bot makes against Discord's published contract.

Two layers: Discord's official OpenAPI description (read from ``shared/``, never copied into the
repository) validated with jsonschema, and the hand rules of ``_rules.py`` where the description is
looser than Discord's documentation (command names, message, embed, component and modal limits).
"""

from __future__ import annotations

import functools
import json
import logging
import os
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from bot.sandbox._rules import CALLBACK, HAND_RULES, Problem, command_rules

_log = logging.getLogger(__name__)
__all__ = ["CALLBACK", "Contract", "PathMatcher", "Problem", "command_rules", "discord_errors"]

SPEC_ENV = "DISCORD_OPENAPI_SPEC"
_SPEC_URI = "urn:discord-openapi"
_SNOWFLAKE_PATTERN = "^(0|[1-9][0-9]*)$"
_PERMISSION_FIELDS = frozenset({"default_member_permissions", "permissions", "allow", "deny"})
_REMEMBER_FROM = 1024  # characters of JSON; validating a synced command tree takes ~25 ms
_REMEMBERED = 64


def default_spec_path() -> Path:
    configured = os.environ.get(SPEC_ENV)
    if configured:
        return Path(configured)
    repo_root = Path(__file__).resolve().parents[2]  # bot/sandbox/contract.py -> the repository
    return repo_root.parent / "shared" / "discord-openapi.json"


def discord_errors(problems: Iterable[Problem]) -> dict[str, Any]:
    """Discord's nested ``errors`` object: ``{"content": {"_errors": [{"code", "message"}]}}``."""
    errors: dict[str, Any] = {}
    for problem in problems:
        node = errors
        for part in problem.path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": problem.code, "message": problem.message})
    return errors


# -- path templates ----------------------------------------------------------------------------


class PathMatcher:
    """Finds the path template (``/channels/{channel_id}/messages``) a concrete path belongs to."""

    def __init__(self, templates: Iterable[str]) -> None:
        self._by_length: dict[int, list[tuple[str, list[str]]]] = {}
        for template in sorted(set(templates)):
            parts = template.strip("/").split("/")
            self._by_length.setdefault(len(parts), []).append((template, parts))
        for candidates in self._by_length.values():
            # Literal segments win over parameters: /users/@me/channels before /users/{user_id}/...
            candidates.sort(key=lambda item: -sum(not part.startswith("{") for part in item[1]))

    def match(self, segments: list[str]) -> tuple[str, dict[str, str]] | None:
        for template, parts in self._by_length.get(len(segments), []):
            params: dict[str, str] = {}
            for part, segment in zip(parts, segments, strict=True):
                if part.startswith("{"):
                    if not segment:
                        break
                    params[part[1:-1]] = segment
                elif part != segment:
                    break
            else:
                return template, params
        return None


# -- the OpenAPI layer ---------------------------------------------------------------------------


@dataclass
class _Operation:
    body: Draft202012Validator | None
    params: dict[tuple[str, str], tuple[Draft202012Validator, dict[str, Any]]]


class _Spec:
    """The patched spec document and its validators, compiled lazily per (method, path template)."""

    def __init__(self, path: Path) -> None:
        self.document = _patched(json.loads(path.read_text(encoding="utf-8")))
        resource = Resource.from_contents(self.document, default_specification=DRAFT202012)
        self._registry: Registry[Any] = Registry().with_resource(_SPEC_URI, resource)
        self._operations: dict[tuple[str, str], _Operation | None] = {}
        self._verdicts: dict[tuple[str, str, str], list[Problem]] = {}
        self._responses: dict[tuple[str, str, int], Draft202012Validator | None] = {}

    def body_problems(
        self, validator: Draft202012Validator, method: str, template: str, body: Any
    ) -> list[Problem]:
        """Big bodies come back identical (every start syncs the same command tree): remember them."""
        text = json.dumps(body, sort_keys=True)
        if len(text) < _REMEMBER_FROM:
            return _problems(validator, body, ())
        key = (method, template, text)
        if key not in self._verdicts:
            if len(self._verdicts) >= _REMEMBERED:
                self._verdicts.clear()
            self._verdicts[key] = _problems(validator, body, ())
        return self._verdicts[key]

    def has(self, method: str, template: str) -> bool:
        return method.lower() in self.document["paths"].get(template, {})

    def response(self, method: str, template: str, status: int) -> Draft202012Validator | None:
        """The validator of what Discord answers with *status*, if the document describes it."""
        key = (method, template, status)
        if key not in self._responses:
            op = self.document["paths"].get(template, {}).get(method.lower(), {})
            content = op.get("responses", {}).get(str(status), {}).get("content", {})
            base = f"/paths/{_pointer(template)}/{method.lower()}/responses/{status}"
            pointer = base + "/content/application~1json/schema"
            self._responses[key] = self._validator(pointer) if "application/json" in content else None
        return self._responses[key]

    def operation(self, method: str, template: str) -> _Operation | None:
        key = (method, template)
        if key not in self._operations:
            self._operations[key] = (
                self._compile(method.lower(), template) if self.has(method, template) else None
            )
        return self._operations[key]

    def _compile(self, method: str, template: str) -> _Operation:
        path_item = self.document["paths"][template]
        op = path_item[method]
        base = "/paths/" + _pointer(template)
        params: dict[tuple[str, str], tuple[Draft202012Validator, dict[str, Any]]] = {}
        for source, entries in (
            (base, path_item.get("parameters", [])),
            (f"{base}/{method}", op.get("parameters", [])),
        ):
            for index, entry in enumerate(entries):
                if "$ref" in entry or entry.get("in") not in {"path", "query"}:
                    continue
                pointer = f"{source}/parameters/{index}/schema"
                params[(entry["in"], entry["name"])] = (
                    self._validator(pointer),
                    self._resolve(entry["schema"]),
                )
        body = None
        if "application/json" in op.get("requestBody", {}).get("content", {}):
            body = self._validator(f"{base}/{method}/requestBody/content/application~1json/schema")
        return _Operation(body=body, params=params)

    def _validator(self, pointer: str) -> Draft202012Validator:
        return Draft202012Validator({"$ref": f"{_SPEC_URI}#{quote(pointer)}"}, registry=self._registry)

    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            node: Any = self.document
            for part in schema["$ref"].removeprefix("#/").split("/"):
                node = node[part]
            schema = node
        return schema


@functools.lru_cache(maxsize=4)
def _load(path: Path) -> _Spec:
    # One parse per process: a test suite builds a sandbox per test.
    return _Spec(path)


class Contract:
    """Validates request bodies, path and query parameters, then applies the hand rules."""

    def __init__(self, spec_path: Path | None = None) -> None:
        path = (spec_path or default_spec_path()).resolve()
        self.spec_path = path
        self._spec: _Spec | None = None
        if path.is_file():
            self._spec = _load(path)
        else:
            message = f"Discord OpenAPI spec not found at {path}: request bodies are not validated"
            warnings.warn(message, stacklevel=2)
            _log.warning(message)

    @property
    def validating(self) -> bool:
        return self._spec is not None

    @property
    def templates(self) -> list[str]:
        return list(self._spec.document["paths"]) if self._spec else []

    def operation_exists(self, method: str, template: str) -> bool:
        return self._spec is not None and self._spec.has(method, template)

    def response_problems(self, method: str, template: str, status: int, body: Any) -> list[Problem]:
        """How an answer differs from what Discord's document says Discord sends (empty: no schema)."""
        validator = None if self._spec is None else self._spec.response(method, template, status)
        return [] if validator is None else _problems(validator, body, ())

    def check(
        self,
        method: str,
        template: str,
        *,
        params: Mapping[str, str],
        query: Mapping[str, str],
        body: Any,
    ) -> list[Problem]:
        # Hand rules first: where both catch the same field, theirs are Discord's words.
        problems: list[Problem] = []
        if body is not None:
            rule = HAND_RULES.get((method, template))
            if rule is not None:
                problems.extend(rule(body))
        spec = self._spec
        operation = None if spec is None else spec.operation(method, template)
        if spec is not None and operation is not None:
            for (where, name), (validator, schema) in operation.params.items():
                raw = params.get(name) if where == "path" else query.get(name)
                if raw is not None:
                    problems.extend(_problems(validator, _coerce(raw, schema), (name,)))
            if operation.body is not None and body is not None:
                problems.extend(spec.body_problems(operation.body, method, template, body))
        # One error per field, as Discord answers.
        unique: dict[tuple[str | int, ...], Problem] = {}
        for problem in problems:
            unique.setdefault(problem.path, problem)
        return list(unique.values())


def _pointer(template: str) -> str:
    return template.replace("~", "~0").replace("/", "~1")


def _patched(spec: dict[str, Any]) -> dict[str, Any]:
    """Discord accepts integer snowflakes (discord.py sends some); the spec only says strings.

    Permission bit sets are the other way round: the spec says integer, Discord's documentation
    (and Discord) take the decimal string every payload carries them in.
    """
    _accept_permission_strings(spec)
    for name, schema in spec["components"]["schemas"].items():
        if schema.get("format") == "snowflake":
            spec["components"]["schemas"][name] = {
                "anyOf": [
                    {"type": "string", "pattern": schema.get("pattern", _SNOWFLAKE_PATTERN)},
                    {"type": "integer", "minimum": 0},
                ],
                "format": "snowflake",
            }
    return spec


def _accept_permission_strings(node: Any) -> None:
    """Wherever the document declares a permission field as an integer, also take its digit string."""
    if isinstance(node, list):
        for item in node:
            _accept_permission_strings(item)
        return
    if not isinstance(node, dict):
        return
    properties = node.get("properties")
    if isinstance(properties, dict):
        for key, prop in properties.items():
            kind = prop.get("type") if isinstance(prop, dict) else None
            if key in _PERMISSION_FIELDS and (
                kind == "integer" or (isinstance(kind, list) and "integer" in kind)
            ):
                properties[key] = {"anyOf": [prop, {"type": "string", "pattern": _SNOWFLAKE_PATTERN}]}
    for value in node.values():
        _accept_permission_strings(value)


def _coerce(raw: str, schema: dict[str, Any]) -> Any:
    """Query and path values arrive as text; compare them with the type the spec declares."""
    kind = schema.get("type")
    kinds = set(kind) if isinstance(kind, list) else {kind}
    if "boolean" in kinds and raw.lower() in {"true", "false", "1", "0"}:
        return raw.lower() in {"true", "1"}
    if kinds & {"integer", "number"}:
        try:
            return int(raw)
        except ValueError:
            try:
                return float(raw)
            except ValueError:
                return raw
    return raw


_CODES = {
    "maxLength": "BASE_TYPE_MAX_LENGTH",
    "minLength": "BASE_TYPE_MIN_LENGTH",
    "maxItems": "BASE_TYPE_MAX_LENGTH",
    "minItems": "BASE_TYPE_MIN_LENGTH",
    "required": "BASE_TYPE_REQUIRED",
    "type": "BASE_TYPE_BAD_TYPE",
    "enum": "BASE_TYPE_CHOICES",
    "const": "BASE_TYPE_CHOICES",
    "pattern": "BASE_TYPE_BAD_FORMAT",
}


def _problems(validator: Draft202012Validator, instance: Any, prefix: tuple[str | int, ...]) -> list[Problem]:
    found = []
    for error in validator.iter_errors(instance):
        leaf = _deepest(error)
        found.append(
            Problem(
                path=prefix + tuple(leaf.absolute_path),
                code=_CODES.get(str(leaf.validator), "BASE_TYPE_INVALID"),
                message=_short_message(leaf),
            )
        )
    return found


def _deepest(error: ValidationError) -> ValidationError:
    """The error in the field the sender got wrong, not in an alternative it never meant.

    ``{"allowed_mentions": {"parse": ["bogus"]}}`` fails both branches of ``anyOf[object, null]``;
    the null branch's "must be null" names a field that is fine. Discord names ``parse.0``.
    """
    while error.context:
        meant = [e for e in error.context if not (e.validator == "type" and not e.relative_path)]
        if not meant:
            break
        deepest = max(len(e.absolute_path) for e in meant)
        better = best_match(e for e in meant if len(e.absolute_path) == deepest)
        if better is None:
            break
        error = better
    return error


def _short_message(error: ValidationError) -> str:
    """jsonschema quotes the whole instance; a 5000-character string makes a useless message."""
    kind = str(error.validator)
    value = error.validator_value
    instance = error.instance
    if kind in {"maxLength", "maxItems"}:
        return f"must be {value} or fewer in length (got {len(instance)})"
    if kind in {"minLength", "minItems"}:
        return f"must be {value} or more in length (got {len(instance)})"
    if kind == "type":
        return f"must be of type {value}, not {type(instance).__name__}"
    if kind in {"maximum", "minimum"}:
        return f"{instance!r} is out of range ({kind} {value})"
    text = str(error.message)
    return text if len(text) <= 200 else text[:197] + "..."

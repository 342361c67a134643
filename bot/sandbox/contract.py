"""Checks every request the bot makes against Discord's published contract.

Two layers: Discord's official OpenAPI description (read from ``shared/``, never copied into the
repository) validated with jsonschema, and a few hand rules where the description is looser than
Discord's documentation (command names, message and embed limits, component limits, modal limits).
"""

from __future__ import annotations

import functools
import json
import logging
import os
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

_log = logging.getLogger(__name__)

SPEC_ENV = "DISCORD_OPENAPI_SPEC"
_SPEC_URI = "urn:discord-openapi"
_SNOWFLAKE_PATTERN = "^(0|[1-9][0-9]*)$"
_PERMISSION_FIELDS = frozenset({"default_member_permissions", "permissions", "allow", "deny"})
_REMEMBER_FROM = 1024  # characters of JSON; validating a synced command tree takes ~25 ms
_REMEMBERED = 64

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TOTAL = 6000
MAX_ACTION_ROWS = 5
MAX_COMMAND_OPTIONS = 25
MAX_CHOICES = 25
MAX_SELECT_OPTIONS = 25
MAX_CUSTOM_ID = 100
MAX_BUTTON_LABEL = 80
MAX_MODAL_TITLE = 45
COMPONENTS_V2_FLAG = 1 << 15

_COMMANDS = (
    "/applications/{application_id}/commands",
    "/applications/{application_id}/guilds/{guild_id}/commands",
)
_COMMAND = tuple(f"{path}/{{command_id}}" for path in _COMMANDS)
_WEBHOOK = "/webhooks/{webhook_id}/{webhook_token}"
_WEBHOOK_MESSAGES = (f"{_WEBHOOK}/messages/@original", f"{_WEBHOOK}/messages/{{message_id}}")
CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"


def default_spec_path() -> Path:
    configured = os.environ.get(SPEC_ENV)
    if configured:
        return Path(configured)
    repo_root = Path(__file__).resolve().parents[2]  # bot/sandbox/contract.py -> the repository
    return repo_root.parent / "shared" / "discord-openapi.json"


@dataclass(frozen=True)
class Problem:
    path: tuple[str | int, ...]
    code: str
    message: str

    def describe(self) -> str:
        where = ".".join(str(part) for part in self.path) or "(body)"
        return f"{where}: {self.message}"


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
            rule = _HAND_RULES.get((method, template))
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


# -- hand rules ----------------------------------------------------------------------------------


def _name_ok(name: str) -> bool:
    """Discord's ``^[-_'\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$``, lower case where it has one."""
    if not 1 <= len(name) <= 32 or name != name.lower():
        return False
    return all(ch in "-_'" or unicodedata.category(ch)[0] in "LNM" for ch in name)


def _text(value: Any, path: tuple[str | int, ...], low: int, high: int, what: str) -> list[Problem]:
    if not isinstance(value, str):
        return (
            [] if low == 0 and value is None else [Problem(path, "BASE_TYPE_REQUIRED", f"{what} is required")]
        )
    if not low <= len(value) <= high:
        return [Problem(path, "BASE_TYPE_BAD_LENGTH", f"{what} must be between {low} and {high} in length")]
    return []


def command_rules(body: Any) -> list[Problem]:
    return _command(body, ()) if isinstance(body, dict) else []


def command_patch_rules(body: Any) -> list[Problem]:
    """A PATCH changes only the fields it names: every field is optional, each checked if there."""
    if not isinstance(body, dict):
        return []
    problems: list[Problem] = []
    name = body.get("name")
    if "name" in body:
        # Which names are valid depends on the command's type, which the PATCH need not repeat:
        # the route checks the command the PATCH makes.
        problems += _text(name, ("name",), 1, 32, "name")
    if "description" in body:
        problems += _text(body["description"], ("description",), 0, 100, "description")
    if isinstance(body.get("options"), list):
        problems += _options(body["options"], ("options",))
    return problems


def commands_rules(body: Any) -> list[Problem]:
    if not isinstance(body, list):
        return []
    problems: list[Problem] = []
    seen: set[tuple[int, str]] = set()
    for index, command in enumerate(body):
        if not isinstance(command, dict):
            continue
        problems.extend(_command(command, (index,)))
        key = (command.get("type", 1), str(command.get("name")))
        if key in seen:
            problems.append(
                Problem(
                    (index, "name"),
                    "APPLICATION_COMMANDS_DUPLICATE_NAME",
                    f"duplicate command name {key[1]!r}",
                )
            )
        seen.add(key)
    return problems


def _command(command: dict[str, Any], path: tuple[str | int, ...]) -> list[Problem]:
    kind = command.get("type", 1)
    name = command.get("name")
    if kind == 1:
        problems = (
            []
            if isinstance(name, str) and _name_ok(name)
            else [
                Problem(
                    (*path, "name"),
                    "APPLICATION_COMMAND_INVALID_NAME",
                    f"command name {name!r} must match ^[-_'\\p{{L}}\\p{{N}}]{{1,32}}$ and be lower case",
                )
            ]
        )
        problems += _text(command.get("description"), (*path, "description"), 1, 100, "description")
    else:
        problems = _text(name, (*path, "name"), 1, 32, "name")
        if command.get("description"):
            problems.append(
                Problem(
                    (*path, "description"),
                    "BASE_TYPE_INVALID",
                    "user and message commands take no description",
                )
            )
    problems += _options(command.get("options") or [], (*path, "options"))
    return problems


def _options(options: list[Any], path: tuple[str | int, ...]) -> list[Problem]:
    problems: list[Problem] = []
    if len(options) > MAX_COMMAND_OPTIONS:
        problems.append(Problem(path, "BASE_TYPE_MAX_LENGTH", f"at most {MAX_COMMAND_OPTIONS} options"))
    names: set[str] = set()
    optional_seen = False
    kinds = {option.get("type") for option in options if isinstance(option, dict)}
    if kinds & {1, 2} and kinds - {1, 2}:
        problems.append(
            Problem(
                path,
                "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                "subcommands cannot be mixed with other options",
            )
        )
    for index, option in enumerate(options):
        if not isinstance(option, dict):
            continue
        here = (*path, index)
        name = option.get("name")
        if not (isinstance(name, str) and _name_ok(name)):
            problems.append(
                Problem(
                    (*here, "name"),
                    "APPLICATION_COMMAND_INVALID_NAME",
                    f"option name {name!r} must be lower case, 1-32 letters, digits, - or _",
                )
            )
        elif name in names:
            problems.append(
                Problem(
                    (*here, "name"),
                    "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                    f"duplicate option name {name!r}",
                )
            )
        names.add(str(name))
        problems += _text(option.get("description"), (*here, "description"), 1, 100, "description")
        if option.get("required"):
            if optional_seen:
                problems.append(
                    Problem(
                        (*here, "required"),
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "required options must be placed before non-required options",
                    )
                )
        else:
            optional_seen = True
        choices = option.get("choices") or []
        if len(choices) > MAX_CHOICES:
            problems.append(
                Problem((*here, "choices"), "BASE_TYPE_MAX_LENGTH", f"at most {MAX_CHOICES} choices")
            )
        for choice_index, choice in enumerate(choices):
            if isinstance(choice, dict):
                problems += _text(
                    choice.get("name"), (*here, "choices", choice_index, "name"), 1, 100, "choice name"
                )
        if option.get("type") == 2:
            nested = option.get("options") or []
            if any(isinstance(sub, dict) and sub.get("type") != 1 for sub in nested):
                problems.append(
                    Problem(
                        (*here, "options"),
                        "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                        "a subcommand group holds only subcommands",
                    )
                )
        if option.get("type") in {1, 2}:
            problems += _options(option.get("options") or [], (*here, "options"))
    return problems


def message_rules(body: Any, path: tuple[str | int, ...] = ()) -> list[Problem]:
    if not isinstance(body, dict):
        return []
    problems: list[Problem] = []
    content = body.get("content")
    if isinstance(content, str) and len(content) > MAX_CONTENT:
        problems.append(
            Problem(
                (*path, "content"),
                "BASE_TYPE_MAX_LENGTH",
                f"must be {MAX_CONTENT} or fewer in length (got {len(content)})",
            )
        )
    problems += _embeds(body.get("embeds") or [], (*path, "embeds"))
    v2 = bool((body.get("flags") or 0) & COMPONENTS_V2_FLAG)
    problems += _components(body.get("components") or [], (*path, "components"), v2=v2)
    problems += _allowed_mentions(body.get("allowed_mentions"), (*path, "allowed_mentions"))
    return problems


def _embeds(embeds: list[Any], path: tuple[str | int, ...]) -> list[Problem]:
    problems: list[Problem] = []
    if len(embeds) > MAX_EMBEDS:
        problems.append(Problem(path, "BASE_TYPE_MAX_LENGTH", f"at most {MAX_EMBEDS} embeds"))
    total = 0

    def limit(value: Any, where: tuple[str | int, ...], high: int) -> None:
        nonlocal total
        if isinstance(value, str):
            total += len(value)
            if len(value) > high:
                problems.append(
                    Problem(
                        where, "BASE_TYPE_MAX_LENGTH", f"must be {high} or fewer in length (got {len(value)})"
                    )
                )

    for index, embed in enumerate(embeds):
        if not isinstance(embed, dict):
            continue
        here = (*path, index)
        limit(embed.get("title"), (*here, "title"), 256)
        limit(embed.get("description"), (*here, "description"), 4096)
        limit((embed.get("footer") or {}).get("text"), (*here, "footer", "text"), 2048)
        limit((embed.get("author") or {}).get("name"), (*here, "author", "name"), 256)
        fields = embed.get("fields") or []
        if len(fields) > 25:
            problems.append(Problem((*here, "fields"), "BASE_TYPE_MAX_LENGTH", "at most 25 fields"))
        for field_index, entry in enumerate(fields):
            if isinstance(entry, dict):
                limit(entry.get("name"), (*here, "fields", field_index, "name"), 256)
                limit(entry.get("value"), (*here, "fields", field_index, "value"), 1024)
    if total > MAX_EMBED_TOTAL:
        problems.append(
            Problem(
                path,
                "MAX_EMBED_SIZE_EXCEEDED",
                f"embed size exceeds maximum size of {MAX_EMBED_TOTAL} (got {total})",
            )
        )
    return problems


def _allowed_mentions(allowed: Any, path: tuple[str | int, ...]) -> list[Problem]:
    if not isinstance(allowed, dict):
        return []
    parse = allowed.get("parse") or []
    return [
        Problem(
            (*path, key),
            "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
            f"parse:[{key!r}] and {key} are mutually exclusive",
        )
        for key in ("users", "roles")
        if key in parse and allowed.get(key)
    ]


_SELECTS = {3, 5, 6, 7, 8}


def _components(components: list[Any], path: tuple[str | int, ...], *, v2: bool) -> list[Problem]:
    problems: list[Problem] = []
    if not v2:
        if len(components) > MAX_ACTION_ROWS:
            problems.append(Problem(path, "BASE_TYPE_MAX_LENGTH", f"at most {MAX_ACTION_ROWS} action rows"))
        for index, row in enumerate(components):
            if isinstance(row, dict) and row.get("type") != 1:
                problems.append(
                    Problem(
                        (*path, index),
                        "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                        "top-level components must be action rows without the components v2 flag",
                    )
                )
    custom_ids: set[str] = set()
    for index, component in enumerate(components):
        problems += _component(component, (*path, index), custom_ids)
    return problems


def _component(component: Any, path: tuple[str | int, ...], custom_ids: set[str]) -> list[Problem]:
    if not isinstance(component, dict):
        return []
    problems: list[Problem] = []
    kind = component.get("type")
    custom_id = component.get("custom_id")
    if isinstance(custom_id, str):
        if len(custom_id) > MAX_CUSTOM_ID:
            problems.append(
                Problem(
                    (*path, "custom_id"),
                    "BASE_TYPE_MAX_LENGTH",
                    f"custom_id must be {MAX_CUSTOM_ID} or fewer in length",
                )
            )
        if custom_id in custom_ids:
            problems.append(
                Problem(
                    (*path, "custom_id"),
                    "COMPONENT_CUSTOM_ID_DUPLICATED",
                    f"custom_id {custom_id!r} is used twice in this message",
                )
            )
        custom_ids.add(custom_id)
    if kind == 1:
        children = component.get("components") or []
        buttons = sum(1 for c in children if isinstance(c, dict) and c.get("type") == 2)
        selects = sum(1 for c in children if isinstance(c, dict) and c.get("type") in _SELECTS)
        if buttons > 5 or selects > 1 or (buttons and selects):
            problems.append(
                Problem(
                    (*path, "components"),
                    "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                    "an action row holds up to 5 buttons or a single select",
                )
            )
        for index, child in enumerate(children):
            problems += _component(child, (*path, "components", index), custom_ids)
    elif kind == 2:
        label = component.get("label")
        if isinstance(label, str) and len(label) > MAX_BUTTON_LABEL:
            problems.append(
                Problem(
                    (*path, "label"),
                    "BASE_TYPE_MAX_LENGTH",
                    f"button label must be {MAX_BUTTON_LABEL} or fewer in length",
                )
            )
        style = component.get("style")
        if style == 5 and not component.get("url"):
            problems.append(Problem((*path, "url"), "BASE_TYPE_REQUIRED", "a link button needs a url"))
        if style in {1, 2, 3, 4} and not custom_id:
            problems.append(Problem((*path, "custom_id"), "BASE_TYPE_REQUIRED", "a button needs a custom_id"))
    elif kind in _SELECTS:
        options = component.get("options") or []
        if len(options) > MAX_SELECT_OPTIONS:
            problems.append(
                Problem(
                    (*path, "options"), "BASE_TYPE_MAX_LENGTH", f"at most {MAX_SELECT_OPTIONS} select options"
                )
            )
        if kind == 3 and not options:
            problems.append(
                Problem((*path, "options"), "BASE_TYPE_MIN_LENGTH", "a string select needs options")
            )
        placeholder = component.get("placeholder")
        if isinstance(placeholder, str) and len(placeholder) > 150:
            problems.append(
                Problem((*path, "placeholder"), "BASE_TYPE_MAX_LENGTH", "placeholder: at most 150")
            )
        for index, option in enumerate(options):
            if isinstance(option, dict):
                problems += _text(option.get("label"), (*path, "options", index, "label"), 1, 100, "label")
                problems += _text(option.get("value"), (*path, "options", index, "value"), 1, 100, "value")
        max_values = component.get("max_values")
        if kind == 3 and isinstance(max_values, int) and max_values > len(options):
            problems.append(
                Problem(
                    (*path, "max_values"),
                    "BASE_TYPE_BAD_LENGTH",
                    "max_values cannot exceed the number of options",
                )
            )
    else:
        for index, child in enumerate(component.get("components") or []):
            problems += _component(child, (*path, "components", index), custom_ids)
        for key in ("accessory", "component"):
            if isinstance(component.get(key), dict):
                problems += _component(component[key], (*path, key), custom_ids)
    return problems


def modal_rules(data: Any, path: tuple[str | int, ...]) -> list[Problem]:
    if not isinstance(data, dict):
        return []
    problems = _text(data.get("title"), (*path, "title"), 1, MAX_MODAL_TITLE, "modal title")
    problems += _text(data.get("custom_id"), (*path, "custom_id"), 1, MAX_CUSTOM_ID, "custom_id")
    rows = data.get("components") or []
    if not 1 <= len(rows) <= MAX_ACTION_ROWS:
        problems.append(
            Problem((*path, "components"), "BASE_TYPE_BAD_LENGTH", "a modal holds 1 to 5 components")
        )
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            continue
        here = (*path, "components", index)
        if row.get("type") == 18:
            problems += _text(row.get("label"), (*here, "label"), 1, 45, "label")
            inner = [(row.get("component"), (*here, "component"))]
        else:
            inner = [(child, (*here, "components", i)) for i, child in enumerate(row.get("components") or [])]
        for component, where in inner:
            if isinstance(component, dict) and component.get("type") == 4:
                if row.get("type") != 18:
                    problems += _text(component.get("label"), (*where, "label"), 1, 45, "text input label")
                problems += _text(
                    component.get("custom_id"), (*where, "custom_id"), 1, MAX_CUSTOM_ID, "custom_id"
                )
    return problems


def callback_rules(body: Any) -> list[Problem]:
    if not isinstance(body, dict):
        return []
    kind = body.get("type")
    data = body.get("data")
    if kind in {4, 7}:
        return message_rules(data, ("data",))
    if kind == 9:
        return modal_rules(data, ("data",))
    if kind == 8 and isinstance(data, dict):
        choices = data.get("choices") or []
        problems = []
        if len(choices) > MAX_CHOICES:
            problems.append(
                Problem(("data", "choices"), "BASE_TYPE_MAX_LENGTH", f"at most {MAX_CHOICES} choices")
            )
        for index, choice in enumerate(choices):
            if isinstance(choice, dict):
                problems += _text(
                    choice.get("name"), ("data", "choices", index, "name"), 1, 100, "choice name"
                )
        return problems
    return []


def dm_rules(body: Any) -> list[Problem]:
    if isinstance(body, dict) and body.get("recipient_id") is None:
        return [Problem(("recipient_id",), "BASE_TYPE_REQUIRED", "recipient_id is required")]
    return []


def thread_rules(body: Any) -> list[Problem]:
    if not isinstance(body, dict):
        return []
    problems = _text(body.get("name"), ("name",), 1, 100, "thread name")
    if "message" in body:
        problems += message_rules(body["message"], ("message",))
    return problems


_HAND_RULES: dict[tuple[str, str], Callable[[Any], list[Problem]]] = {
    ("POST", "/channels/{channel_id}/messages"): message_rules,
    ("PATCH", "/channels/{channel_id}/messages/{message_id}"): message_rules,
    ("POST", _WEBHOOK): message_rules,
    ("POST", CALLBACK): callback_rules,
    ("POST", "/users/@me/channels"): dm_rules,
    ("POST", "/channels/{channel_id}/threads"): thread_rules,
    ("POST", "/channels/{channel_id}/messages/{message_id}/threads"): thread_rules,
}
for _path in _COMMANDS:
    _HAND_RULES[("PUT", _path)] = commands_rules
    _HAND_RULES[("POST", _path)] = command_rules
for _path in _COMMAND:
    _HAND_RULES[("PATCH", _path)] = command_patch_rules
for _path in _WEBHOOK_MESSAGES:
    _HAND_RULES[("PATCH", _path)] = message_rules

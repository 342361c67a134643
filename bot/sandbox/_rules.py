"""The hand rules: Discord's documented limits where its OpenAPI description is looser.

Command names and descriptions, message, embed and component limits, modal limits, create-DM and
thread bodies. Each rule takes a request body and returns the problems, paths as Discord names them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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


@dataclass(frozen=True)
class Problem:
    path: tuple[str | int, ...]
    code: str
    message: str

    def describe(self) -> str:
        where = ".".join(str(part) for part in self.path) or "(body)"
        return f"{where}: {self.message}"


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


HAND_RULES: dict[tuple[str, str], Callable[[Any], list[Problem]]] = {
    ("POST", "/channels/{channel_id}/messages"): message_rules,
    ("PATCH", "/channels/{channel_id}/messages/{message_id}"): message_rules,
    ("POST", _WEBHOOK): message_rules,
    ("POST", CALLBACK): callback_rules,
    ("POST", "/users/@me/channels"): dm_rules,
    ("POST", "/channels/{channel_id}/threads"): thread_rules,
    ("POST", "/channels/{channel_id}/messages/{message_id}/threads"): thread_rules,
}
for _path in _COMMANDS:
    HAND_RULES[("PUT", _path)] = commands_rules
    HAND_RULES[("POST", _path)] = command_rules
for _path in _COMMAND:
    HAND_RULES[("PATCH", _path)] = command_patch_rules
for _path in _WEBHOOK_MESSAGES:
    HAND_RULES[("PATCH", _path)] = message_rules

"""The transcript: one JSON object per bot action, as SANDBOX_SCRIPT.md describes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.clock import Clock

_SELECT_NAMES = {
    3: "select",
    5: "user_select",
    6: "role_select",
    7: "mentionable_select",
    8: "channel_select",
}


def transcript_time(clock: Clock) -> str:
    return clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")


def flatten_components(components: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Buttons, selects, text inputs and texts in reading order, without the layout around them."""
    flat: list[dict[str, Any]] = []
    for component in components or []:
        _flatten(component, flat, label=None)
    return flat


def _flatten(component: dict[str, Any], flat: list[dict[str, Any]], *, label: str | None) -> None:
    kind = component.get("type")
    if kind == 2:
        entry: dict[str, Any] = {
            "type": "button",
            "label": component.get("label"),
            "style": component.get("style"),
        }
        for key in ("custom_id", "url", "emoji"):
            if component.get(key) is not None:
                entry[key] = component[key]
        if component.get("disabled"):
            entry["disabled"] = True
        flat.append(entry)
    elif kind in _SELECT_NAMES:
        entry = {
            "type": _SELECT_NAMES[kind],
            "placeholder": component.get("placeholder"),
            "custom_id": component.get("custom_id"),
        }
        if kind == 3:
            entry["options"] = [option.get("label") for option in component.get("options") or []]
        if label is not None:
            entry["label"] = label
        if (component.get("max_values") or 1) > 1:
            entry["max_values"] = component["max_values"]
        flat.append(entry)
    elif kind == 4:
        flat.append(
            {
                "type": "text_input",
                "label": label or component.get("label"),
                "custom_id": component.get("custom_id"),
                "style": component.get("style"),
                "required": component.get("required", True),
            }
        )
    elif kind == 10:
        flat.append({"type": "text", "content": component.get("content")})
    elif kind == 18:
        inner = component.get("component")
        if isinstance(inner, dict):
            _flatten(inner, flat, label=component.get("label"))
    else:
        for child in component.get("components") or []:
            _flatten(child, flat, label=None)
        accessory = component.get("accessory")
        if isinstance(accessory, dict):
            _flatten(accessory, flat, label=None)


class Transcript:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.lines: list[dict[str, Any]] = []
        self.listeners: list[Callable[[dict[str, Any]], None]] = []

    def add(self, action: str, *, step: int, channel: str | None, **fields: Any) -> dict[str, Any]:
        line: dict[str, Any] = {
            "line": len(self.lines) + 1,
            "step": step,
            "time": transcript_time(self._clock),
            "action": action,
            "channel": channel,
        }
        line.update({key: value for key, value in fields.items() if value is not None})
        self.lines.append(line)
        for listener in self.listeners:
            listener(line)
        return line

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as out:
            for line in self.lines:
                out.write(json.dumps(line, ensure_ascii=False) + "\n")


def format_line(line: dict[str, Any]) -> str:
    """One human-readable line, for ``make run`` and for reading test failures."""
    channel = line.get("channel")
    where = "" if channel is None else (channel if str(channel).startswith("dm:") else f"#{channel}")
    if line.get("visible_to") and not str(channel).startswith("dm:"):
        where += f" → {line['visible_to']}"
    if line.get("ephemeral"):
        where += " (ephemeral)"
    if line.get("target") is not None:
        where += f" (line {line['target']})"
    head = " ".join(part for part in (f"[{str(line.get('time', ''))[11:19]}]", line["action"], where) if part)
    if line["action"] == "error":
        if line.get("expected"):
            return f"{head.replace('error', 'error (expected)', 1)}: {line.get('detail')}"
        return f"{head.replace('error', 'ERROR', 1)}: {line.get('detail')}"
    if line["action"] == "refused":
        return f"{head} (as expected): {line.get('detail')}"
    parts = _summary(line)
    return f"{head}: {' '.join(parts)}" if parts else head


def _summary(line: dict[str, Any]) -> list[str]:
    parts: list[str] = []
    if line.get("thread"):
        parts.append(f"thread {line['thread']!r}" + (" (private)" if line.get("private") else ""))
    for key in ("member", "emoji"):
        if line.get(key):
            parts.append(str(line[key]))
    if line.get("title"):
        parts.append(f"“{line['title']}”")
    content = line.get("content")
    if content:
        text = " ".join(str(content).split())
        parts.append(text if len(text) <= 160 else text[:159] + "…")
    parts.extend(
        f"[embed: {(embed.get('title') or embed.get('description') or '')[:40]}]"
        for embed in line.get("embeds") or []
    )
    for component in line.get("components") or []:
        if component["type"] == "button":
            parts.append(f"[{component.get('label') or component.get('emoji') or '?'}]")
        elif component["type"] == "text_input":
            parts.append(f"<{component.get('label')}: ____>")
        elif component["type"] != "text":
            options = "|".join(str(option) for option in component.get("options") or [])
            parts.append(
                f"<{component.get('placeholder') or component['type']}{': ' + options if options else ''}>"
            )
    if line.get("choices") is not None:
        parts.append(", ".join(str(choice.get("name")) for choice in line["choices"]) or "(no choices)")
    if line.get("pings"):
        parts.append("pings " + ", ".join(line["pings"]))
    return parts

"""Option values, select values and form fields as a Discord client builds them.

Everything a client would refuse (an unknown option, a value out of range, a missing field)
raises :class:`SandboxError` before anything reaches the bot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.sandbox._model import Channel, Message
from bot.sandbox._uploads import Upload, attachment_payload
from bot.sandbox.errors import SandboxError

if TYPE_CHECKING:
    from bot.sandbox._host import Host as DiscordSandbox

# Discord's clients refuse integers a JavaScript number cannot hold exactly.
MAX_SAFE_INTEGER = 2**53
_OPTION_TYPES = {
    1: "subcommand",
    2: "subcommand group",
    3: "string",
    4: "integer",
    5: "boolean",
    6: "user",
    7: "channel",
    8: "role",
    9: "mentionable",
    10: "number",
    11: "attachment",
}


class Values:
    def __init__(self, sandbox: DiscordSandbox) -> None:
        self._sandbox = sandbox
        # The files members attached, by attachment id: the CDN serves them.
        self.uploads: dict[int, Upload] = {}
        # What the form being submitted resolves (its uploads), gathered field by field.
        self.pending_resolved: dict[str, dict[str, Any]] = {}

    def options(
        self,
        definitions: list[dict[str, Any]],
        values: dict[str, Any],
        channel: Channel,
        *,
        focused: str | None,
    ) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
        by_name = {d["name"]: d for d in definitions}
        unknown = sorted(set(values) - set(by_name))
        if unknown:
            raise SandboxError(f"unknown options {unknown}; the command takes {sorted(by_name)}")
        built: list[dict[str, Any]] = []
        resolved: dict[str, dict[str, Any]] = {}
        for definition in definitions:
            name = definition["name"]
            if name not in values:
                if definition.get("required") and focused is None:
                    raise SandboxError(f"option {name!r} is required")
                continue
            option: dict[str, Any] = {"name": name, "type": definition["type"]}
            if name == focused:
                option["value"] = str(values[name])
                option["focused"] = True
            else:
                option["value"] = self.option_value(definition, values[name], channel, resolved)
            built.append(option)
        return built, resolved

    def option_value(
        self, definition: dict[str, Any], raw: Any, channel: Channel, resolved: dict[str, dict[str, Any]]
    ) -> Any:
        kind = definition["type"]
        name = definition["name"]
        world = self._sandbox.world
        if kind in {3, 4, 10}:
            choices = definition.get("choices")
            by_name = next((c for c in choices or [] if c["name"] == raw), None)
            if by_name is not None:
                return by_name["value"]
            value = _scalar(kind, raw, name)
            if choices:
                match = next((c for c in choices if c["value"] == value), None)
                if match is None:
                    raise SandboxError(
                        f"option {name!r}: {raw!r} is not one of {[c['name'] for c in choices]}"
                    )
                return match["value"]
            _check_range(definition, value, name)
            return value
        if kind == 11:
            if not isinstance(raw, Upload):
                raise SandboxError(f'option {name!r} takes a file: give it under "attachments"')
            return self.attach(raw, resolved)
        if kind == 5:
            if isinstance(raw, bool):
                return raw
            if str(raw).lower() in {"true", "false"}:
                return str(raw).lower() == "true"
            raise SandboxError(f"option {name!r} is a boolean, not {raw!r}")
        if kind == 6 or (kind == 9 and str(raw).removeprefix("@") in world.users_by_name):
            user = world.user_named(str(raw))
            resolved.setdefault("users", {})[str(user.id)] = user.payload()
            member = world.guild_member(user.id)
            if member is not None and channel.guild_id is not None:
                resolved.setdefault("members", {})[str(user.id)] = member.payload(with_user=False) | {
                    "permissions": str(world.permissions_in(member, channel))
                }
            return str(user.id)
        if kind in {8, 9}:
            role = world.role_named(str(raw).removeprefix("@"))
            assert role is not None
            resolved.setdefault("roles", {})[str(role.id)] = role.payload()
            return str(role.id)
        if kind == 7:
            target = world.channel_named(str(raw))
            assert target is not None
            allowed = definition.get("channel_types")
            if allowed and int(target.type) not in allowed:
                raise SandboxError(
                    f"option {name!r}: #{target.name} is not one of the channel types {allowed}"
                )
            entry = target.payload() | {"permissions": str(self.bot_permissions_in(target))}
            resolved.setdefault("channels", {})[str(target.id)] = entry
            return str(target.id)
        raise SandboxError(
            f"option {name!r}: {_OPTION_TYPES.get(kind, kind)} options are not supported by the sandbox"
        )

    def attach(self, upload: Upload, resolved: dict[str, dict[str, Any]]) -> str:
        sandbox = self._sandbox
        attachment_id = sandbox.world.snowflakes.next()
        cdn = sandbox.base_url.removesuffix("/api/v10")
        resolved.setdefault("attachments", {})[str(attachment_id)] = attachment_payload(
            attachment_id, upload, cdn
        )
        self.uploads[attachment_id] = upload
        return str(attachment_id)

    def bot_permissions_in(self, channel: Channel) -> int:
        world = self._sandbox.world
        return world.permissions_in(world.members[world.bot.id], channel)

    def select_values(
        self, select: dict[str, Any], wanted: list[Any], message: Message
    ) -> tuple[list[str], dict[str, dict[str, Any]]]:
        low = select.get("min_values", 1)
        high = select.get("max_values", 1)
        if not low <= len(wanted) <= high:
            raise SandboxError(
                f"select {select.get('placeholder')!r} takes {low} to {high} values, not {len(wanted)}"
            )
        resolved: dict[str, dict[str, Any]] = {}
        if select["type"] == 3:
            options = select.get("options") or []
            values = []
            for item in wanted:
                option = next((o for o in options if item in (o.get("label"), o.get("value"))), None)
                if option is None:
                    raise SandboxError(
                        f"select {select.get('placeholder')!r} has no option {item!r}; "
                        f"options: {[o.get('label') for o in options]}"
                    )
                values.append(option["value"])
            return values, resolved
        kind = {5: 6, 6: 8, 7: 9, 8: 7}[select["type"]]
        definition = {
            "name": select.get("placeholder") or "select",
            "type": kind,
            "channel_types": select.get("channel_types"),
        }
        values = [self.option_value(definition, item, message.channel, resolved) for item in wanted]
        return values, resolved

    def submit_component(
        self, component: dict[str, Any], remaining: dict[str, Any], modal: dict[str, Any]
    ) -> dict[str, Any] | None:
        kind = component.get("type")
        if kind == 1:
            children = [
                self.submit_field(c, c.get("label"), remaining, modal)
                for c in component.get("components") or []
            ]
            return {"type": 1, "components": [c for c in children if c is not None]}
        if kind == 18 and isinstance(component.get("component"), dict):
            inner = self.submit_field(component["component"], component.get("label"), remaining, modal)
            return None if inner is None else {"type": 18, "component": inner}
        return None

    def submit_field(
        self, component: dict[str, Any], label: str | None, remaining: dict[str, Any], modal: dict[str, Any]
    ) -> dict[str, Any] | None:
        kind = component.get("type")
        raw = remaining.pop(label, None) if label is not None else None
        if raw is None:
            # Extension: a field may also be named by its custom_id ("About you" -> "about_you"),
            # so one script works whatever language the member's client shows the labels in.
            custom_id = str(component.get("custom_id", ""))
            key = next((k for k in remaining if k.strip().lower().replace(" ", "_") == custom_id), None)
            raw = remaining.pop(key) if key is not None else None
        if kind == 4:
            value = "" if raw is None else str(raw)
            if not value and component.get("required", True):
                raise SandboxError(f"modal {modal.get('title')!r}: field {label!r} is required")
            low, high = component.get("min_length") or 0, component.get("max_length") or 4000
            if value and not low <= len(value) <= high:
                raise SandboxError(
                    f"modal field {label!r} takes {low} to {high} characters, not {len(value)}"
                )
            return {"type": 4, "custom_id": component["custom_id"], "value": value}
        if kind == 19:
            uploads = [] if raw is None else raw if isinstance(raw, list) else [raw]
            if not all(isinstance(u, Upload) for u in uploads):
                raise SandboxError(f'modal field {label!r} takes files: give them under "attachments"')
            low, high = _or(component.get("min_values"), 1), _or(component.get("max_values"), 1)
            if not uploads and not component.get("required", True):
                low = 0
            if not low <= len(uploads) <= high:
                raise SandboxError(f"modal field {label!r} takes {low} to {high} files, not {len(uploads)}")
            ids = [self.attach(upload, self.pending_resolved) for upload in uploads]
            return {"type": 19, "custom_id": component["custom_id"], "values": ids}
        if kind == 3:
            wanted = [] if raw is None else raw if isinstance(raw, list) else [raw]
            if not wanted and not component.get("required", True):
                return {"type": 3, "custom_id": component["custom_id"], "values": []}
            options = component.get("options") or []
            values = []
            for item in wanted:
                option = next((o for o in options if item in (o.get("label"), o.get("value"))), None)
                if option is None:
                    raise SandboxError(f"modal select {label!r} has no option {item!r}")
                values.append(option["value"])
            if not values:
                raise SandboxError(f"modal {modal.get('title')!r}: field {label!r} is required")
            return {"type": 3, "custom_id": component["custom_id"], "values": values}
        return None


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


def _scalar(kind: int, raw: Any, name: str) -> Any:
    if kind == 3:
        return str(raw)
    try:
        number = float(raw)
    except (TypeError, ValueError):
        raise SandboxError(f"option {name!r} needs a number, not {raw!r}") from None
    if kind == 4:
        exact = (
            int(raw)
            if isinstance(raw, int) or (isinstance(raw, str) and raw.strip().lstrip("-").isdigit())
            else None
        )
        if exact is None and not number.is_integer():
            raise SandboxError(f"option {name!r} needs an integer, not {raw!r}")
        value = exact if exact is not None else int(number)
        if abs(value) > MAX_SAFE_INTEGER:
            raise SandboxError(
                f"option {name!r}: {value} is beyond ±2^53, which Discord's clients refuse for integers"
            )
        return value
    return number


def _check_range(definition: dict[str, Any], value: Any, name: str) -> None:
    if isinstance(value, str):
        low, high = definition.get("min_length"), definition.get("max_length")
        size = len(value)
        if (low is not None and size < low) or (high is not None and size > high):
            raise SandboxError(f"option {name!r} takes {low or 0} to {high or 6000} characters, not {size}")
        return
    low, high = definition.get("min_value"), definition.get("max_value")
    if (low is not None and value < low) or (high is not None and value > high):
        raise SandboxError(f"option {name!r} must be between {low} and {high}, not {value}")

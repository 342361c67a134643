"""Members using the bot: slash commands, autocomplete, buttons, selects and modals.

Everything a Discord client would refuse (an unknown option, a missing permission, a button that is
not there) raises :class:`SandboxError` here, before anything reaches the bot.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.sandbox._model import (
    ADMINISTRATOR,
    Channel,
    ChannelType,
    Member,
    Message,
    User,
    permission_names,
    permission_value,
)
from bot.sandbox._transcript import flatten_components
from bot.sandbox._uploads import Upload
from bot.sandbox._values import Values
from bot.sandbox.errors import SandboxError

if TYPE_CHECKING:
    from bot.sandbox._host import Host as DiscordSandbox

ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
CHAT_INPUT, USER_COMMAND, MESSAGE_COMMAND = 1, 2, 3
MessageRef = str | int | dict[str, Any]
COMMAND, COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
# What a bot may do in a DM, where there are no roles to compute it from.
DM_APP_PERMISSIONS = (
    "view_channel",
    "send_messages",
    "embed_links",
    "attach_files",
    "add_reactions",
    "read_message_history",
    "use_external_emojis",
    "use_application_commands",
)


@dataclass(eq=False)
class InteractionRecord:
    """One interaction from creation to its last followup."""

    id: int
    token: str
    type: int
    user: User
    channel: Channel
    created_mono: float
    created_at: datetime
    name: str | None = None
    message: Message | None = None
    response_type: int | None = None
    original: Message | None = None
    followups: list[Message] = field(default_factory=list)
    choices: list[dict[str, Any]] | None = None
    modal: dict[str, Any] | None = None
    awaiting_followup: bool = False
    expired: bool = False
    triggering: InteractionRecord | None = None
    step: int = 0
    command_type: int = CHAT_INPUT
    # perf_counter when the gateway handed the interaction to the bot: latency counts from here.
    sent_at: float | None = None

    @property
    def label(self) -> str:
        return self.name or _KIND[self.type]

    @property
    def acknowledged(self) -> bool:
        return self.response_type is not None

    @property
    def pending(self) -> bool:
        """Still owes the member something: an answer, or the followup a defer promised."""
        return not self.expired and (not self.acknowledged or self.awaiting_followup)

    def metadata(self) -> dict[str, Any]:
        owners = (
            {"0": str(self.channel.guild_id)}
            if self.channel.guild_id is not None
            else {"1": str(self.user.id)}
        )
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "user": self.user.payload(),
            "authorizing_integration_owners": owners,
        }
        if self.name is not None:
            data["name"] = self.name
            data["command_type"] = self.command_type
        if self.original is not None and self.original is not self.message:
            data["original_response_message_id"] = str(self.original.id)
        if self.message is not None:
            data["interacted_message_id"] = str(self.message.id)
        if self.triggering is not None:
            data["triggering_interaction_metadata"] = self.triggering.metadata()
        return data


@dataclass
class InteractionResult:
    """What the member saw once the bot went quiet."""

    interaction_id: int
    type: int | None
    message: Message | None
    followups: list[Message]
    choices: list[dict[str, Any]] | None
    modal: dict[str, Any] | None
    lines: list[dict[str, Any]]

    @property
    def content(self) -> str | None:
        return None if self.message is None else self.message.content

    @property
    def ephemeral(self) -> bool:
        return self.message is not None and self.message.ephemeral

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return [] if self.message is None else self.message.embeds

    @property
    def components(self) -> list[dict[str, Any]]:
        source = (
            self.modal["components"]
            if self.modal
            else []
            if self.message is None
            else self.message.components
        )
        return flatten_components(source)


def _walk(components: list[dict[str, Any]]) -> list[tuple[dict[str, Any], str | None]]:
    """Every interactive component with the label of the Label (type 18) around it, if any."""
    found: list[tuple[dict[str, Any], str | None]] = []

    def visit(component: dict[str, Any], label: str | None) -> None:
        if component.get("type") == 18 and isinstance(component.get("component"), dict):
            visit(component["component"], component.get("label"))
            return
        if component.get("type") in {2, 3, 4, 5, 6, 7, 8, 19}:
            found.append((component, label))
        for child in component.get("components") or []:
            visit(child, None)
        if isinstance(component.get("accessory"), dict):
            visit(component["accessory"], None)

    for component in components:
        visit(component, None)
    return found


class Driver:
    """Builds INTERACTION_CREATE payloads the way a Discord client would, after its checks."""

    def __init__(self, sandbox: DiscordSandbox) -> None:
        self._sandbox = sandbox
        self.records: dict[int, InteractionRecord] = {}
        self.by_token: dict[str, InteractionRecord] = {}
        self.open_modals: dict[int, InteractionRecord] = {}
        self.values = Values(sandbox)

    @property
    def pending(self) -> list[InteractionRecord]:
        return [record for record in self.records.values() if record.pending]

    @property
    def uploads(self) -> dict[int, Upload]:
        return self.values.uploads

    @property
    def pending_answers(self) -> list[InteractionRecord]:
        """Interactions not answered yet whose 3-second deadline has not passed."""
        return [r for r in self.records.values() if not r.acknowledged and not r.expired]

    # -- the public steps ---------------------------------------------------------------------

    async def run_command(
        self, member_name: str, path: str, options: dict[str, Any] | None, channel_name: str
    ) -> InteractionResult:
        """*options* by name; an attachment option takes an :class:`Upload`."""
        user, member, channel = self._actor(member_name, channel_name)
        command, chain, leaf = self._command(path, channel, member)
        built, resolved = self.values.options(leaf.get("options") or [], options or {}, channel, focused=None)
        data = self._command_data(command, chain, built, resolved)
        record = self._new(
            COMMAND, user, channel, name=" ".join([command["name"], *[c["name"] for c in chain]])
        )
        return await self._send(record, data, member)

    async def autocomplete(
        self, member_name: str, path: str, options: dict[str, Any], focused: str, channel_name: str
    ) -> list[dict[str, Any]]:
        user, member, channel = self._actor(member_name, channel_name)
        command, chain, leaf = self._command(path, channel, member)
        definitions = leaf.get("options") or []
        target = next((o for o in definitions if o.get("name") == focused), None)
        if target is None or not target.get("autocomplete"):
            raise SandboxError(f"/{path}: option {focused!r} has no autocomplete")
        built, resolved = self.values.options(definitions, options, channel, focused=focused)
        data = self._command_data(command, chain, built, resolved)
        record = self._new(AUTOCOMPLETE, user, channel, name=command["name"])
        result = await self._send(record, data, member)
        if result.choices is None:
            raise SandboxError(f"the bot did not answer the autocomplete for /{path} {focused}")
        return result.choices

    async def context_command(
        self, member_name: str, kind: int, name: str, target: str | MessageRef, channel_name: str
    ) -> InteractionResult:
        """A user (*kind* 2, *target* a member's name) or message (3) command from the app menu."""
        user, member, channel = self._actor(member_name, channel_name)
        command = self._context_command(kind, name, channel, member)
        resolved: dict[str, dict[str, Any]] = {}
        if kind == USER_COMMAND:
            definition = {"name": name, "type": 6}
            target_id = self.values.option_value(definition, str(target), channel, resolved)
        else:
            _, message = self._target_message(member_name, target)
            if message.channel is not channel:
                channel = message.channel
            target_id = str(message.id)
            resolved["messages"] = {target_id: self._sandbox.message_payload(message)}
        data: dict[str, Any] = {
            "id": command["id"],
            "name": command["name"],
            "type": kind,
            "target_id": target_id,
            "resolved": resolved,
        }
        if command.get("guild_id") is not None:
            data["guild_id"] = command["guild_id"]
        record = self._new(COMMAND, user, channel, name=command["name"])
        record.command_type = kind
        return await self._send(record, data, member)

    def dismiss_modal(self, member_name: str) -> None:
        """The member closes the form: Discord tells the bot nothing, the modal is simply gone."""
        user = self._sandbox.world.user_named(member_name)
        if self.open_modals.pop(user.id, None) is None:
            raise SandboxError(f"no modal is open for {member_name}")

    async def click(self, member_name: str, label: str, message: MessageRef) -> InteractionResult:
        user, target = self._target_message(member_name, message)
        buttons = [c for c, _ in _walk(target.components) if c.get("type") == 2]
        button = next((b for b in buttons if b.get("label") == label), None)
        if button is None:
            button = next((b for b in buttons if _emoji_name(b) == label), None)
        if button is None:
            labels = [b.get("label") or _emoji_name(b) for b in buttons]
            raise SandboxError(f"no button {label!r} on line {target.line}; buttons there: {labels}")
        if button.get("disabled"):
            raise SandboxError(f"button {label!r} on line {target.line} is disabled")
        if button.get("style") in {5, 6}:
            raise SandboxError(
                f"button {label!r} is a link or premium button: clicking it sends nothing to the bot"
            )
        data = {"custom_id": button["custom_id"], "component_type": 2}
        record = self._new(COMPONENT, user, target.channel, message=target)
        return await self._send(record, data, self._sandbox.world.guild_member(user.id))

    async def select(
        self, member_name: str, choice: dict[str, Any], message: MessageRef
    ) -> InteractionResult:
        user, target = self._target_message(member_name, message)
        selects = [c for c, _ in _walk(target.components) if c.get("type") in {3, 5, 6, 7, 8}]
        placeholder = choice.get("placeholder")
        if placeholder is not None:
            chosen = next((s for s in selects if s.get("placeholder") == placeholder), None)
        else:
            chosen = selects[0] if len(selects) == 1 else None
        if chosen is None:
            raise SandboxError(
                f"no select {placeholder!r} on line {target.line}; "
                f"selects there: {[s.get('placeholder') for s in selects]}"
            )
        if chosen.get("disabled"):
            raise SandboxError(f"select {placeholder!r} on line {target.line} is disabled")
        wanted = choice.get("values", choice.get("value"))
        values, resolved = self.values.select_values(
            chosen, wanted if isinstance(wanted, list) else [wanted], target
        )
        data: dict[str, Any] = {
            "custom_id": chosen["custom_id"],
            "component_type": chosen["type"],
            "values": values,
        }
        if resolved:
            data["resolved"] = resolved
        record = self._new(COMPONENT, user, target.channel, message=target)
        return await self._send(record, data, self._sandbox.world.guild_member(user.id))

    async def submit_modal(self, member_name: str, values: dict[str, Any]) -> InteractionResult:
        user = self._sandbox.world.user_named(member_name)
        opener = self.open_modals.get(user.id)
        if opener is None or opener.modal is None:
            raise SandboxError(f"no modal is open for {member_name}")
        modal = opener.modal
        remaining = dict(values)
        self.values.pending_resolved = {}
        submitted = [self.values.submit_component(c, remaining, modal) for c in modal.get("components") or []]
        if remaining:
            labels = [label or c.get("label") for c, label in _walk(modal.get("components") or [])]
            raise SandboxError(
                f"modal {modal.get('title')!r} has no field {sorted(remaining)}; fields: {labels}"
            )
        del self.open_modals[user.id]
        data: dict[str, Any] = {
            "custom_id": modal["custom_id"],
            "components": [c for c in submitted if c is not None],
        }
        attachments = self.values.pending_resolved.pop("attachments", None)
        if attachments:
            data["resolved"] = {"attachments": attachments}
        record = self._new(MODAL_SUBMIT, user, opener.channel, message=opener.message)
        record.triggering = opener
        return await self._send(record, data, self._sandbox.world.guild_member(user.id))

    # -- who, where, what ---------------------------------------------------------------------

    def _actor(self, member_name: str, channel_name: str) -> tuple[User, Member | None, Channel]:
        world = self._sandbox.world
        user = world.user_named(member_name)
        if user.bot:
            raise SandboxError("the bot cannot use its own commands")
        channel = world.resolve_channel(channel_name, user)
        if channel.recipient is not None:
            if channel.recipient is not user:
                raise SandboxError(f"{member_name} cannot act in {channel.label}")
            return user, world.guild_member(user.id), channel
        member = world.member_named(member_name)
        if not world.has(member, channel, "view_channel"):
            raise SandboxError(f"{member_name} cannot see #{channel.name}")
        if channel.type is ChannelType.FORUM:
            raise SandboxError(f"#{channel.name} is a forum: run commands in one of its posts")
        return user, member, channel

    def _command(
        self, path: str, channel: Channel, member: Member | None
    ) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
        world = self._sandbox.world
        words = path.removeprefix("/").split()
        if not words:
            raise SandboxError("empty command path")
        synced = self._sandbox.commands
        if not any(synced.values()):
            raise SandboxError(
                "the bot never synced its commands (PUT /applications/{id}/commands): "
                "sync the tree in setup_hook"
            )
        in_dm = channel.recipient is not None
        scopes = [None] if in_dm else [world.guild_id, None]
        command = next(
            (
                c
                for scope in scopes
                for c in synced.get(scope, [])
                if c.get("type", 1) == 1 and c["name"] == words[0]
            ),
            None,
        )
        if command is None:
            known = sorted(
                {c["name"] for scope in scopes for c in synced.get(scope, []) if c.get("type", 1) == 1}
            )
            where = " in DMs (guild commands are not offered there)" if in_dm else ""
            raise SandboxError(f"no slash command /{words[0]}{where}; synced: {known}")
        self._check_context(command, in_dm, path)
        if member is not None and not in_dm:
            self._check_permissions(command, member, channel, path)
        chain: list[dict[str, Any]] = []
        node = command
        for word in words[1:]:
            children = [o for o in node.get("options") or [] if o.get("type") in {1, 2}]
            child = next((o for o in children if o["name"] == word), None)
            if child is None:
                raise SandboxError(
                    f"/{path}: {word!r} is not a subcommand; choose from {[o['name'] for o in children]}"
                )
            chain.append(child)
            node = child
        subs = [o["name"] for o in node.get("options") or [] if o.get("type") in {1, 2}]
        if subs:
            raise SandboxError(f"/{path} needs a subcommand: {subs}")
        return command, chain, node

    def _context_command(
        self, kind: int, name: str, channel: Channel, member: Member | None
    ) -> dict[str, Any]:
        world = self._sandbox.world
        in_dm = channel.recipient is not None
        scopes = [None] if in_dm else [world.guild_id, None]
        synced = self._sandbox.commands
        found = [c for scope in scopes for c in synced.get(scope, []) if c.get("type", 1) == kind]
        command = next((c for c in found if c["name"] == name), None)
        what = "user" if kind == USER_COMMAND else "message"
        if command is None:
            raise SandboxError(f"no {what} command {name!r}; synced: {sorted(c['name'] for c in found)}")
        self._check_context(command, in_dm, name)
        if member is not None and not in_dm:
            self._check_permissions(command, member, channel, name)
        return command

    def _check_context(self, command: dict[str, Any], in_dm: bool, path: str) -> None:
        contexts = command.get("contexts")
        if in_dm:
            allowed = 1 in contexts if contexts is not None else command.get("dm_permission") is not False
        else:
            allowed = contexts is None or 0 in contexts
        if not allowed:
            where = "in DMs" if in_dm else "in a server"
            raise SandboxError(
                f"/{path} cannot be used {where} (contexts={contexts}, "
                f"dm_permission={command.get('dm_permission')})"
            )

    def _check_permissions(
        self, command: dict[str, Any], member: Member, channel: Channel, path: str
    ) -> None:
        world = self._sandbox.world
        if not world.has(member, channel, "use_application_commands"):
            raise SandboxError(f"{member.name} lacks use_application_commands in #{channel.name}")
        required = command.get("default_member_permissions")
        if required is None:
            return
        needed = int(required)
        have = world.permissions_in(member, channel)
        if have & ADMINISTRATOR or (needed and have & needed == needed):
            return
        missing = permission_names(needed & ~have) or ["administrator"]
        raise SandboxError(f"{member.name} cannot use /{path}: default_member_permissions needs {missing}")

    def _command_data(
        self,
        command: dict[str, Any],
        chain: list[dict[str, Any]],
        options: list[dict[str, Any]],
        resolved: dict[str, dict[str, Any]],
    ) -> dict[str, Any]:
        for sub in reversed(chain):
            options = [{"name": sub["name"], "type": sub["type"], "options": options}]
        data: dict[str, Any] = {"id": command["id"], "name": command["name"], "type": 1, "options": options}
        if command.get("guild_id") is not None:
            data["guild_id"] = command["guild_id"]
        if resolved:
            data["resolved"] = resolved
        return data

    def find_message(self, member_name: str, message: MessageRef) -> tuple[User, Message]:
        return self._target_message(member_name, message)

    def _target_message(self, member_name: str, message: MessageRef) -> tuple[User, Message]:
        sandbox = self._sandbox
        user = sandbox.world.user_named(member_name)
        if isinstance(message, dict):
            return user, self._find_message(user, message)
        if message == "last":
            target = sandbox.last_message_for(member_name)
            if target is None:
                raise SandboxError(f"{member_name} sees no message from the bot")
            return user, target
        target = sandbox.message_at_line(int(message))
        if not sandbox.world.can_see(user, target):
            raise SandboxError(f"{member_name} cannot see the message of line {message}")
        return user, target

    def _find_message(self, user: User, selector: dict[str, Any]) -> Message:
        """``{"from": "bot", "channel": ..., "contains": ...}``: the newest such message *user* sees."""
        world = self._sandbox.world
        unknown = sorted(set(selector) - {"from", "channel", "contains"})
        if unknown or selector.get("from", "bot") != "bot":
            raise SandboxError(
                f'a message selector takes "from": "bot", "channel", "contains"; not {unknown}'
            )
        wanted = str(selector.get("contains", ""))
        channel = selector.get("channel")
        where = None if channel is None else world.resolve_channel(str(channel), user)
        found = [
            m
            for m in world.messages.values()
            if m.author.bot
            and not m.deleted
            and (where is None or m.channel is where)
            and world.can_see(user, m)
            and wanted in _message_text(m)
        ]
        if not found:
            place = f" in {where.label}" if where is not None else ""
            raise SandboxError(f"{user.name} sees no bot message{place} containing {wanted!r}")
        return max(found, key=lambda m: m.id)

    # -- sending ------------------------------------------------------------------------------

    def _new(
        self,
        kind: int,
        user: User,
        channel: Channel,
        *,
        name: str | None = None,
        message: Message | None = None,
    ) -> InteractionRecord:
        sandbox = self._sandbox
        return InteractionRecord(
            id=sandbox.world.snowflakes.next(),
            token=f"aW50ZXJhY3Rpb24.{secrets.token_urlsafe(48)}",
            type=kind,
            user=user,
            channel=channel,
            created_mono=sandbox.monotonic(),
            created_at=sandbox.clock.now(),
            name=name,
            message=message,
            step=sandbox.step,
        )

    async def _send(
        self, record: InteractionRecord, data: dict[str, Any], member: Member | None
    ) -> InteractionResult:
        sandbox = self._sandbox
        world = sandbox.world
        channel = record.channel
        payload: dict[str, Any] = {
            "id": str(record.id),
            "application_id": str(world.application_id),
            "type": record.type,
            "data": data,
            "token": record.token,
            "version": 1,
            "channel_id": str(channel.id),
            "locale": record.user.locale,
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(world.guild_id)},
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        }
        if channel.recipient is None:
            assert member is not None
            permissions = world.permissions_in(member, channel)
            payload.update(
                guild_id=str(world.guild_id),
                guild={"id": str(world.guild_id), "locale": world.guild_locale, "features": []},
                guild_locale=world.guild_locale,
                member=member.payload() | {"permissions": str(permissions)},
                channel=channel.payload() | {"permissions": str(permissions)},
                app_permissions=str(self.values.bot_permissions_in(channel)),
                context=0,
            )
        else:
            payload.update(
                user=record.user.payload(),
                channel=channel.payload(),
                app_permissions=str(permission_value(DM_APP_PERMISSIONS, where="dm")),
                context=1,
            )
        if record.message is not None:
            payload["message"] = sandbox.message_payload(record.message)
        self.records[record.id] = record
        self.by_token[record.token] = record
        first_line = len(sandbox.transcript)
        record.sent_at = time.perf_counter()
        try:
            await sandbox.gateway.dispatch_interaction(payload)
        except SandboxError:
            del self.records[record.id], self.by_token[record.token]
            raise
        sandbox.touch()
        await sandbox.settle()
        original = record.original
        if record.response_type in {6, 7} and original is None:
            original = record.message
        return InteractionResult(
            interaction_id=record.id,
            type=record.response_type,
            message=original,
            followups=list(record.followups),
            choices=record.choices,
            modal=record.modal,
            lines=sandbox.transcript[first_line:],
        )

    def expire_overdue(self) -> None:
        """Discord shows "This interaction failed" after 3 s without an answer; so does the sandbox."""
        sandbox = self._sandbox
        now = sandbox.monotonic()
        for record in self.records.values():
            if (
                not record.acknowledged
                and not record.expired
                and now - record.created_mono > sandbox.interaction_deadline
            ):
                record.expired = True
                sandbox.error(
                    f"the bot did not answer interaction {record.id} ({record.name or _KIND[record.type]}) "
                    f"within {sandbox.interaction_deadline:g} s: the member sees 'This interaction failed'",
                    channel=record.channel.label,
                    step=record.step,
                )


_KIND = {
    COMMAND: "command",
    COMPONENT: "component",
    AUTOCOMPLETE: "autocomplete",
    MODAL_SUBMIT: "modal submit",
}


def _message_text(message: Message) -> str:
    parts = [message.content]
    for embed in message.embeds:
        parts.extend(str(embed.get(key) or "") for key in ("title", "description"))
        parts.extend(f"{f.get('name', '')} {f.get('value', '')}" for f in embed.get("fields") or [])
    parts.extend(str(c.get("content") or "") for c in flatten_components(message.components))
    return "\n".join(parts)


def _emoji_name(component: dict[str, Any]) -> str | None:
    emoji = component.get("emoji")
    return emoji.get("name") if isinstance(emoji, dict) else None

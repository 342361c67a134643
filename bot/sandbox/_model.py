"""The fake Discord's world: users, one guild, roles, channels, threads, DMs and messages.

Objects here are plain data plus the payload shapes Discord sends for them; the rules that need
several objects at once (permissions, visibility) live in :class:`World`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum
from typing import TYPE_CHECKING, Any, Protocol

from discord import Permissions

from bot.sandbox.errors import SandboxError

if TYPE_CHECKING:
    from bot.clock import Clock

DISCORD_EPOCH_MS = 1_420_070_400_000
ALL_PERMISSIONS = Permissions.all().value
ADMINISTRATOR = Permissions.administrator.flag
PERMISSION_FLAGS: dict[str, int] = dict(Permissions.VALID_FLAGS)

# What a fresh server grants @everyone, minus voice. Mentioning @everyone is among them: a bot
# that echoes "@everyone" with the default allowed_mentions really pings the whole server.
EVERYONE_DEFAULT = (
    "view_channel",
    "mention_everyone",
    "send_messages",
    "send_messages_in_threads",
    "create_public_threads",
    "create_private_threads",
    "embed_links",
    "attach_files",
    "add_reactions",
    "read_message_history",
    "use_application_commands",
    "use_external_emojis",
    "create_instant_invite",
    "change_nickname",
)
# What a sensible invite link asks for a community bot.
BOT_DEFAULT = (
    "view_channel",
    "send_messages",
    "send_messages_in_threads",
    "create_public_threads",
    "create_private_threads",
    "manage_threads",
    "manage_messages",
    "embed_links",
    "attach_files",
    "add_reactions",
    "read_message_history",
    "use_application_commands",
    "use_external_emojis",
)

MESSAGE_FLAG_CROSSPOSTED = 1 << 0
MESSAGE_FLAG_IS_CROSSPOST = 1 << 1
MESSAGE_FLAG_EPHEMERAL = 1 << 6
MESSAGE_FLAG_LOADING = 1 << 7


class Interaction(Protocol):
    """The interaction a message answers (kept by the member driver, which builds on this module)."""

    def metadata(self) -> dict[str, Any]: ...


class ChannelType(IntEnum):
    TEXT = 0
    DM = 1
    ANNOUNCEMENT = 5
    ANNOUNCEMENT_THREAD = 10
    PUBLIC_THREAD = 11
    PRIVATE_THREAD = 12
    FORUM = 15


SCRIPT_CHANNEL_TYPES = {
    "text": ChannelType.TEXT,
    "announcement": ChannelType.ANNOUNCEMENT,
    "forum": ChannelType.FORUM,
}
THREAD_TYPES = frozenset(
    {ChannelType.ANNOUNCEMENT_THREAD, ChannelType.PUBLIC_THREAD, ChannelType.PRIVATE_THREAD}
)


def permission_value(names: list[str] | tuple[str, ...], *, where: str) -> int:
    value = 0
    for name in names:
        try:
            value |= PERMISSION_FLAGS[name]
        except KeyError:
            raise SandboxError(
                f"{where}: unknown permission {name!r} "
                "(use discord.Permissions flag names, e.g. 'manage_guild')"
            ) from None
    return value


def permission_names(value: int) -> list[str]:
    return [name for name, flag in PERMISSION_FLAGS.items() if value & flag == flag]


def iso(when: datetime) -> str:
    return when.isoformat()


class Snowflakes:
    """Snowflakes whose timestamp part follows the injected clock, so ``created_at`` makes sense."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._last = 0

    def next(self) -> int:
        millis = int(self._clock.now().timestamp() * 1000) - DISCORD_EPOCH_MS
        candidate = max(millis, 0) << 22
        self._last = max(self._last + 1, candidate)
        return self._last


@dataclass(eq=False)
class User:
    id: int
    name: str
    bot: bool = False
    locale: str = "en-US"
    dms_closed: bool = False

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "username": self.name,
            "global_name": None if self.bot else self.name,
            "discriminator": "0",
            "avatar": None,
            "public_flags": 0,
            "flags": 0,
            "primary_guild": None,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass(eq=False)
class Role:
    id: int
    name: str
    permissions: int
    position: int
    managed: bool = False
    bot_id: int | None = None
    mentionable: bool = False

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "name": self.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": self.mentionable,
            "flags": 0,
        }
        if self.bot_id is not None:
            data["tags"] = {"bot_id": str(self.bot_id)}
        return data


@dataclass(eq=False)
class Member:
    user: User
    roles: list[Role]
    joined_at: datetime
    present: bool = True

    @property
    def name(self) -> str:
        return self.user.name

    def payload(self, *, with_user: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "nick": None,
            "avatar": None,
            "banner": None,
            "roles": [str(role.id) for role in self.roles],
            "joined_at": iso(self.joined_at),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.payload()
        return data


@dataclass
class Overwrite:
    id: int
    type: int  # 0 role, 1 member
    allow: int = 0
    deny: int = 0

    def payload(self) -> dict[str, Any]:
        return {"id": str(self.id), "type": self.type, "allow": str(self.allow), "deny": str(self.deny)}


@dataclass(eq=False)
class Channel:
    id: int
    type: ChannelType
    name: str
    guild_id: int | None = None
    parent_id: int | None = None
    position: int = 0
    overwrites: list[Overwrite] = field(default_factory=list)
    owner_id: int | None = None
    created_at: datetime | None = None
    recipient: User | None = None
    thread_members: set[int] = field(default_factory=set)
    last_message_id: int | None = None
    message_count: int = 0
    topic: str | None = None
    rate_limit_per_user: int = 0
    archived: bool = False
    locked: bool = False
    archived_at: datetime | None = None
    auto_archive_duration: int = 10080
    # Slowmode: when each member last posted here, by the injected clock and by real time.
    last_post: dict[int, tuple[datetime, float]] = field(default_factory=dict)
    # Name and topic changes (clock, real time): Discord allows two per 10 minutes.
    renames: list[tuple[datetime, float]] = field(default_factory=list)

    @property
    def is_thread(self) -> bool:
        return self.type in THREAD_TYPES

    @property
    def is_dm(self) -> bool:
        return self.type is ChannelType.DM

    @property
    def label(self) -> str:
        """The name transcripts use: a channel or thread name, or ``dm:NAME``."""
        if self.recipient is not None:
            return f"dm:{self.recipient.name}"
        return self.name

    def payload(self) -> dict[str, Any]:
        if self.recipient is not None:
            return {
                "id": str(self.id),
                "type": int(self.type),
                "last_message_id": _opt_str(self.last_message_id),
                "recipients": [self.recipient.payload()],
                "flags": 0,
            }
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": int(self.type),
            "guild_id": str(self.guild_id),
            "name": self.name,
            "parent_id": _opt_str(self.parent_id),
            "last_message_id": _opt_str(self.last_message_id),
            "rate_limit_per_user": self.rate_limit_per_user,
            "flags": 0,
        }
        if self.is_thread:
            assert self.created_at is not None
            data.update(
                owner_id=_opt_str(self.owner_id),
                message_count=self.message_count,
                total_message_sent=self.message_count,
                member_count=len(self.thread_members),
                thread_metadata={
                    "archived": self.archived,
                    "auto_archive_duration": self.auto_archive_duration,
                    "archive_timestamp": iso(self.archived_at or self.created_at),
                    "locked": self.locked,
                    "invitable": self.type is not ChannelType.PRIVATE_THREAD,
                    "create_timestamp": iso(self.created_at),
                },
                applied_tags=[],
            )
            return data
        data.update(
            position=self.position,
            permission_overwrites=[overwrite.payload() for overwrite in self.overwrites],
            topic=self.topic,
            nsfw=False,
        )
        if self.type is ChannelType.FORUM:
            data.update(
                available_tags=[],
                default_reaction_emoji=None,
                default_sort_order=None,
                default_forum_layout=0,
                default_thread_rate_limit_per_user=0,
            )
        return data


@dataclass(eq=False)
class Message:
    id: int
    channel: Channel
    author: User
    content: str
    created_at: datetime
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    flags: int = 0
    type: int = 0
    edited_at: datetime | None = None
    nonce: str | int | None = None
    webhook_id: int | None = None
    interaction: Interaction | None = None
    visible_to: User | None = None
    line: int | None = None
    deleted: bool = False
    mentions: list[User] = field(default_factory=list)
    mention_roles: list[Role] = field(default_factory=list)
    mention_everyone: bool = False
    reactions: dict[str, set[int]] = field(default_factory=dict)
    message_reference: dict[str, Any] | None = None
    allowed_mentions: dict[str, Any] | None = None
    pinned_at: datetime | None = None

    @property
    def pinned(self) -> bool:
        return self.pinned_at is not None

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & MESSAGE_FLAG_EPHEMERAL)

    def payload(self, *, bot_id: int, member: Member | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "channel_id": str(self.channel.id),
            "type": self.type,
            "content": self.content,
            "author": self.author.payload(),
            "timestamp": iso(self.created_at),
            "edited_timestamp": None if self.edited_at is None else iso(self.edited_at),
            "tts": False,
            "mention_everyone": self.mention_everyone,
            "mentions": [user.payload() for user in self.mentions],
            "mention_roles": [str(role.id) for role in self.mention_roles],
            "attachments": self.attachments,
            "embeds": self.embeds,
            "components": self.components,
            "pinned": self.pinned,
            "flags": self.flags,
        }
        if self.channel.guild_id is not None:
            data["guild_id"] = str(self.channel.guild_id)
            if member is not None:
                data["member"] = member.payload(with_user=False)
        if self.nonce is not None:
            data["nonce"] = self.nonce
        if self.webhook_id is not None:
            data["webhook_id"] = str(self.webhook_id)
            data["application_id"] = str(bot_id)
        if self.message_reference is not None:
            data["message_reference"] = self.message_reference
        if self.reactions:
            data["reactions"] = [
                {
                    "emoji": emoji_payload(emoji),
                    "count": len(users),
                    "count_details": {"burst": 0, "normal": len(users)},
                    "burst_colors": [],
                    "me": bot_id in users,
                    "me_burst": False,
                }
                for emoji, users in self.reactions.items()
                if users
            ]
        if self.interaction is not None:
            data["interaction_metadata"] = self.interaction.metadata()
        return data


@dataclass(eq=False)
class Webhook:
    """A channel's incoming webhook, made by the bot (announcements posted under another name)."""

    id: int
    token: str
    channel: Channel
    name: str
    creator: User

    def payload(self, *, application_id: int, with_token: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": 1,
            "guild_id": _opt_str(self.channel.guild_id),
            "channel_id": str(self.channel.id),
            "name": self.name,
            "avatar": None,
            "application_id": str(application_id),
            "user": self.creator.payload(),
        }
        if with_token:
            data["token"] = self.token
        return data

    def author(self) -> User:
        """Messages by a webhook carry a user made from the webhook: its id, its name, bot."""
        return User(id=self.id, name=self.name, bot=True)


def emoji_payload(emoji: str) -> dict[str, Any]:
    """``name:id`` for a custom emoji, else a unicode one."""
    name, _, emoji_id = emoji.partition(":")
    return {"id": emoji_id or None, "name": name}


def _opt_str(value: int | None) -> str | None:
    return None if value is None else str(value)


_NEEDS_SEND = permission_value(
    ("mention_everyone", "send_tts_messages", "embed_links", "attach_files"), where="implicit denial"
)
_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")
_EVERYONE = re.compile(r"@(everyone|here)\b")


class World:
    """Everything the fake Discord knows, and the rules that look at several objects at once."""

    def __init__(self, clock: Clock, *, bot_name: str) -> None:
        self.clock = clock
        self.snowflakes = Snowflakes(clock)
        self.bot = User(id=self.snowflakes.next(), name=bot_name, bot=True)
        self.application_id = self.bot.id
        self.guild_id: int | None = None
        self.guild_name = ""
        self.guild_locale = "en-US"
        self.owner_id = self.snowflakes.next()  # nobody in the member list: owners bypass every check
        self.roles: dict[int, Role] = {}
        self.channels: dict[int, Channel] = {}
        self.members: dict[int, Member] = {}
        self.users_by_name: dict[str, User] = {}
        self.dm_channels: dict[int, Channel] = {}
        self.messages: dict[int, Message] = {}
        self.webhooks: dict[int, Webhook] = {}

    # -- building -----------------------------------------------------------------------------

    def build_guild(self, spec: dict[str, Any]) -> None:
        if self.guild_id is not None:
            raise SandboxError("the sandbox holds one guild; build_guild was already called")
        now = self.clock.now()
        self.guild_id = self.snowflakes.next()
        self.guild_name = str(spec.get("name", "Sandbox"))
        self.guild_locale = str(spec.get("locale", "en-US"))
        everyone = Role(
            id=self.guild_id,
            name="@everyone",
            permissions=permission_value(
                spec.get("everyone", {}).get("permissions", EVERYONE_DEFAULT), where="@everyone"
            ),
            position=0,
        )
        self.roles[everyone.id] = everyone
        for position, role_spec in enumerate(spec.get("roles", []), start=1):
            name = str(role_spec["name"])
            if self.role_named(name, required=False) is not None:
                raise SandboxError(f"guild: two roles are named {name!r}")
            role = Role(
                id=self.snowflakes.next(),
                name=name,
                permissions=permission_value(role_spec.get("permissions", []), where=f"role {name!r}"),
                position=position,
                mentionable=bool(role_spec.get("mentionable", False)),
            )
            self.roles[role.id] = role
        bot_spec = spec.get("bot", {})
        bot_role = Role(
            id=self.snowflakes.next(),
            name=self.bot.name,
            permissions=permission_value(bot_spec.get("permissions", BOT_DEFAULT), where="bot"),
            position=len(self.roles),
            managed=True,
            bot_id=self.bot.id,
        )
        self.roles[bot_role.id] = bot_role
        self.members[self.bot.id] = Member(user=self.bot, roles=[bot_role], joined_at=now)
        channel_specs = spec.get("channels") or [{"name": "general"}]
        for position, channel_spec in enumerate(channel_specs):
            name = str(channel_spec["name"])
            kind = channel_spec.get("type", "text")
            if kind not in SCRIPT_CHANNEL_TYPES:
                raise SandboxError(f"channel {name!r}: type must be one of {sorted(SCRIPT_CHANNEL_TYPES)}")
            if self.channel_named(name, required=False) is not None:
                raise SandboxError(f"guild: two channels are named {name!r}")
            channel = Channel(
                id=self.snowflakes.next(),
                type=SCRIPT_CHANNEL_TYPES[kind],
                name=name,
                guild_id=self.guild_id,
                position=position,
                created_at=now,
                topic=channel_spec.get("topic"),
                rate_limit_per_user=int(channel_spec.get("rate_limit_per_user", 0)),
            )
            self.channels[channel.id] = channel
        for member_spec in spec.get("members", []):
            self.add_member(member_spec)
        # Overwrites name members and roles, so they are read once everyone is there.
        for channel_spec in channel_specs:
            channel = self.channel_named(str(channel_spec["name"]))
            assert channel is not None
            channel.overwrites = [
                self.overwrite(entry, where=f"channel {channel.name!r}")
                for entry in channel_spec.get("overwrites", [])
            ]

    def overwrite(self, spec: dict[str, Any], *, where: str) -> Overwrite:
        """A script's ``{"target": ..., "allow": [...], "deny": [...]}``, as Discord stores it."""
        target = str(spec.get("target", ""))
        if target == "@everyone":
            assert self.guild_id is not None
            found = Overwrite(id=self.guild_id, type=0)
        elif target == "bot":
            found = Overwrite(id=self.bot.id, type=1)
        elif (role := self.role_named(target, required=False)) is not None:
            found = Overwrite(id=role.id, type=0)
        elif target in self.users_by_name:
            found = Overwrite(id=self.users_by_name[target].id, type=1)
        else:
            raise SandboxError(f"{where}: overwrite target {target!r} is no role, member, @everyone or bot")
        found.allow = permission_value(spec.get("allow", []), where=f"{where} allow")
        found.deny = permission_value(spec.get("deny", []), where=f"{where} deny")
        return found

    def set_roles(
        self, member: Member, *, add: list[str] | tuple[str, ...], remove: list[str] | tuple[str, ...]
    ) -> None:
        for name in remove:
            role = self.role_named(name)
            if role in member.roles:
                member.roles.remove(role)
        for name in add:
            role = self.role_named(name)
            assert role is not None
            if role.id == self.guild_id or role.managed:
                raise SandboxError(f"{name!r} cannot be given to a member")
            if role not in member.roles:
                member.roles.append(role)

    def add_member(self, spec: dict[str, Any]) -> Member:
        name = str(spec["name"])
        if name in self.users_by_name or name == self.bot.name:
            raise SandboxError(f"guild: two members are named {name!r}")
        user = User(
            id=self.snowflakes.next(),
            name=name,
            locale=str(spec.get("locale", self.guild_locale)),
            dms_closed=bool(spec.get("dms_closed", False)),
        )
        roles = [self.role_named(role_name) for role_name in spec.get("roles", [])]
        member = Member(
            user=user, roles=[role for role in roles if role is not None], joined_at=self.clock.now()
        )
        self.users_by_name[name] = user
        self.members[user.id] = member
        return member

    # -- lookups ------------------------------------------------------------------------------

    def role_named(self, name: str, *, required: bool = True) -> Role | None:
        for role in self.roles.values():
            if role.name == name:
                return role
        if required:
            raise SandboxError(f"no role named {name!r}; roles: {[r.name for r in self.roles.values()]}")
        return None

    def channel_named(self, name: str, *, required: bool = True) -> Channel | None:
        name = name.removeprefix("#")
        for channel in self.channels.values():
            if channel.name == name:
                return channel
        if required:
            names = [channel.name for channel in self.channels.values()]
            raise SandboxError(f"no channel or thread named {name!r}; known: {names}")
        return None

    def user_named(self, name: str) -> User:
        name = name.removeprefix("@")
        if name == self.bot.name:
            return self.bot
        try:
            return self.users_by_name[name]
        except KeyError:
            raise SandboxError(f"no member named {name!r}; members: {sorted(self.users_by_name)}") from None

    def member_named(self, name: str) -> Member:
        user = self.user_named(name)
        member = self.members[user.id]
        if not member.present:
            raise SandboxError(f"{name} has left the server")
        return member

    def guild_member(self, user_id: int) -> Member | None:
        member = self.members.get(user_id)
        return member if member is not None and member.present else None

    @property
    def everyone(self) -> Role:
        assert self.guild_id is not None
        return self.roles[self.guild_id]

    def dm_channel(self, user: User) -> Channel:
        channel = self.dm_channels.get(user.id)
        if channel is None:
            channel = Channel(
                id=self.snowflakes.next(), type=ChannelType.DM, name=f"dm:{user.name}", recipient=user
            )
            self.dm_channels[user.id] = channel
            self.channels[channel.id] = channel
        return channel

    def resolve_channel(self, name: str, user: User) -> Channel:
        """``dm`` is the DM between *user* and the bot; anything else a guild channel or thread."""
        if name == "dm":
            return self.dm_channel(user)
        if name.startswith("dm:"):
            return self.dm_channel(self.user_named(name[3:]))
        channel = self.channel_named(name)
        assert channel is not None
        return channel

    # -- permissions --------------------------------------------------------------------------

    def base_permissions(self, member: Member) -> int:
        if member.user.id == self.owner_id:
            return ALL_PERMISSIONS
        value = self.everyone.permissions
        for role in member.roles:
            value |= role.permissions
        return ALL_PERMISSIONS if value & ADMINISTRATOR else value

    def permissions_in(self, member: Member, channel: Channel) -> int:
        """Discord's algorithm: base, then @everyone, role and member overwrites on the channel."""
        base = self.base_permissions(member)
        if base & ADMINISTRATOR:
            return ALL_PERMISSIONS
        parent = self.channels[channel.parent_id] if channel.is_thread and channel.parent_id else channel
        value = base
        for overwrite in parent.overwrites:
            if overwrite.type == 0 and overwrite.id == self.guild_id:
                value = (value & ~overwrite.deny) | overwrite.allow
        role_ids = {role.id for role in member.roles}
        allow = deny = 0
        for overwrite in parent.overwrites:
            if overwrite.type == 0 and overwrite.id in role_ids:
                allow |= overwrite.allow
                deny |= overwrite.deny
        value = (value & ~deny) | allow
        for overwrite in parent.overwrites:
            if overwrite.type == 1 and overwrite.id == member.user.id:
                value = (value & ~overwrite.deny) | overwrite.allow
        if not value & PERMISSION_FLAGS["view_channel"]:
            return 0
        if not value & PERMISSION_FLAGS["send_messages"]:
            # Discord's implicit denial: what needs sending goes with it (threads inherit it).
            value &= ~_NEEDS_SEND
        if channel.type is ChannelType.PRIVATE_THREAD and not self.in_private_thread(member, channel, value):
            return 0
        return value

    def in_private_thread(self, member: Member, thread: Channel, value: int) -> bool:
        return member.user.id in thread.thread_members or bool(value & PERMISSION_FLAGS["manage_threads"])

    def has(self, member: Member, channel: Channel, *names: str) -> bool:
        wanted = permission_value(names, where="check")
        return self.permissions_in(member, channel) & wanted == wanted

    def can_see(self, user: User, message: Message) -> bool:
        if message.deleted:
            return False
        if message.visible_to is not None:
            return message.visible_to is user
        if message.channel.recipient is not None:
            return message.channel.recipient is user
        member = self.guild_member(user.id)
        return member is not None and self.has(member, message.channel, "view_channel")

    # -- threads ------------------------------------------------------------------------------

    def archive_idle_threads(self) -> list[Channel]:
        """Threads Discord has archived by now: no activity for their ``auto_archive_duration``.

        Activity is the thread's creation, its last unarchiving and its newest message, read by the
        injected clock, so a scenario that advances a week finds last week's threads archived.
        """
        now = self.clock.now()
        archived = []
        for thread in self.channels.values():
            if not thread.is_thread or thread.archived or thread.created_at is None:
                continue
            moments = [thread.created_at]
            if thread.archived_at is not None:
                moments.append(thread.archived_at)
            last = self.messages.get(thread.last_message_id or 0)
            if last is not None:
                moments.append(last.created_at)
            idle_until = max(moments) + timedelta(minutes=thread.auto_archive_duration)
            if idle_until <= now:
                thread.archived = True
                thread.archived_at = idle_until
                archived.append(thread)
        return archived

    # -- message helpers ----------------------------------------------------------------------

    def channel_messages(self, channel: Channel) -> list[Message]:
        return [m for m in self.messages.values() if m.channel is channel and not m.deleted]

    def pings(
        self, content: str, allowed: dict[str, Any] | None, channel: Channel, author: Member | None
    ) -> tuple[list[User], list[Role], bool]:
        """Who a message notifies: mentions in the content, filtered as Discord does."""
        parse = {"users", "roles", "everyone"} if allowed is None else set(allowed.get("parse") or [])
        allowed_users = {int(x) for x in (allowed or {}).get("users") or []}
        allowed_roles = {int(x) for x in (allowed or {}).get("roles") or []}
        users: list[User] = []
        for match in _USER_MENTION.finditer(content):
            user_id = int(match.group(1))
            user = (
                self.bot
                if user_id == self.bot.id
                else next((u for u in self.users_by_name.values() if u.id == user_id), None)
            )
            if user is not None and user not in users and ("users" in parse or user_id in allowed_users):
                users.append(user)
        roles: list[Role] = []
        everyone = False
        if channel.guild_id is not None:
            may_mention_all = author is not None and self.has(author, channel, "mention_everyone")
            for match in _ROLE_MENTION.finditer(content):
                role = self.roles.get(int(match.group(1)))
                if (
                    role is not None
                    and role not in roles
                    and ("roles" in parse or role.id in allowed_roles)
                    and (role.mentionable or may_mention_all)
                ):
                    roles.append(role)
            everyone = "everyone" in parse and may_mention_all and _EVERYONE.search(content) is not None
        return users, roles, everyone

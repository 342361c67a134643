"""Interaction routes: the callback, followups and the original response."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.sandbox._http import ApiError, Call, Reply, json_reply, no_content, route, unknown_message
from bot.sandbox._interactions import AUTOCOMPLETE, COMMAND, COMPONENT, MODAL_SUBMIT, InteractionRecord
from bot.sandbox._messages import apply_edit, build_message, check_not_empty
from bot.sandbox._model import MESSAGE_FLAG_EPHEMERAL, MESSAGE_FLAG_LOADING, Message
from bot.sandbox._routes_channels import channel_webhook, execute_webhook, webhook_message
from bot.sandbox._transcript import flatten_components
from bot.sandbox.contract import CALLBACK

TOKEN_LIFETIME = timedelta(minutes=15)
_WEBHOOK = "/webhooks/{webhook_id}/{webhook_token}"
_ORIGINAL = f"{_WEBHOOK}/messages/@original"
_FOLLOWUP = f"{_WEBHOOK}/messages/{{message_id}}"
_ALLOWED_CALLBACKS = {
    COMMAND: {4, 5, 9},
    COMPONENT: {4, 5, 6, 7, 9},
    AUTOCOMPLETE: {8},
    MODAL_SUBMIT: {4, 5, 6, 7},
}
_CALLBACK_NAMES = {
    1: "PONG",
    4: "CHANNEL_MESSAGE_WITH_SOURCE",
    5: "DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE",
    6: "DEFERRED_UPDATE_MESSAGE",
    7: "UPDATE_MESSAGE",
    8: "APPLICATION_COMMAND_AUTOCOMPLETE_RESULT",
    9: "MODAL",
}


def _unknown_interaction(detail: str, record: InteractionRecord | None = None) -> ApiError:
    return ApiError(
        404, 10062, "Unknown interaction", detail=detail, channel=None if record is None else record.channel
    )


@route("POST", CALLBACK)
async def callback(call: Call) -> Reply:
    sandbox = call.sandbox
    record = sandbox.driver.records.get(call.snowflake("interaction_id"))
    if record is None or record.token != call.params["interaction_token"]:
        raise _unknown_interaction("no interaction with this id and token")
    if record.acknowledged:
        raise ApiError(
            400,
            40060,
            "Interaction has already been acknowledged.",
            channel=record.channel,
            detail=f"interaction {record.id} was answered with type {record.response_type} already",
        )
    elapsed = sandbox.monotonic() - record.created_mono
    if record.expired or elapsed > sandbox.interaction_deadline:
        record.expired = True
        raise _unknown_interaction(
            f"answered after {elapsed:.2f} s; the deadline is {sandbox.interaction_deadline:g} s", record
        )
    body = call.body or {}
    kind: Any = body.get("type")
    if kind not in _ALLOWED_CALLBACKS[record.type] or (kind == 7 and record.message is None):
        raise ApiError(
            400,
            50035,
            "Invalid Form Body",
            channel=record.channel,
            violation=True,
            detail=f"callback {_CALLBACK_NAMES.get(kind, kind)} does not answer this kind of interaction",
            errors={
                "type": {
                    "_errors": [
                        {
                            "code": "INTERACTION_CALLBACK_TYPE_INVALID",
                            "message": "Invalid interaction callback type",
                        }
                    ]
                }
            },
        )
    data = body.get("data") or {}
    if kind == 4:
        check_not_empty(data, call.files, record.channel)
    record.response_type = kind
    message = await _answer(call, record, kind, data)
    if not call.flag("with_response"):
        return no_content()
    response: dict[str, Any] = {
        "interaction": {
            "id": str(record.id),
            "type": record.type,
            "response_message_loading": kind == 5,
            "response_message_ephemeral": message is not None and message.ephemeral,
        },
    }
    if message is not None:
        response["interaction"]["response_message_id"] = str(message.id)
    if message is not None and kind in {4, 7}:
        # Discord describes a resource only for a message made or updated (and activities).
        response["resource"] = {"type": kind, "message": sandbox.message_payload(message)}
    return json_reply(response)


async def _answer(call: Call, record: InteractionRecord, kind: int, data: dict[str, Any]) -> Message | None:
    sandbox = call.sandbox
    user = record.user
    label = record.channel.label
    if kind == 4:
        message = build_message(
            sandbox,
            record.channel,
            data,
            call.files,
            visible_to=user,
            webhook_id=sandbox.world.application_id,
            interaction=record,
            type=20 if record.type == COMMAND else 0,
        )
        record.original = message
        sandbox.record_message("respond", message)
        await sandbox.emit_message("MESSAGE_CREATE", message)
        return message
    if kind == 5:
        flags = MESSAGE_FLAG_LOADING | ((data.get("flags") or 0) & MESSAGE_FLAG_EPHEMERAL)
        message = sandbox.new_message(
            record.channel,
            sandbox.world.bot,
            "",
            flags=flags,
            visible_to=user if flags & MESSAGE_FLAG_EPHEMERAL else None,
            webhook_id=sandbox.world.application_id,
            interaction=record,
            type=20 if record.type == COMMAND else 0,
        )
        record.original = message
        record.awaiting_followup = True
        sandbox.record_message("defer", message, brief=True)
        await sandbox.emit_message("MESSAGE_CREATE", message)
        return message
    if kind == 6:
        record.original = record.message
        sandbox.record("defer", channel=label, visible_to=user.name, update=True)
        return None
    if kind == 7:
        assert record.message is not None
        record.original = record.message
        apply_edit(sandbox, record.message, data, call.files)
        sandbox.record_message("edit", record.message)
        await sandbox.emit_message("MESSAGE_UPDATE", record.message)
        return record.message
    if kind == 8:
        record.choices = list(data.get("choices") or [])
        sandbox.record("autocomplete", channel=label, visible_to=user.name, choices=record.choices)
        return None
    record.modal = data
    sandbox.driver.open_modals[user.id] = record
    sandbox.record(
        "modal",
        channel=label,
        visible_to=user.name,
        title=data.get("title"),
        components=flatten_components(data.get("components")),
    )
    return None


def _webhook_record(call: Call) -> InteractionRecord:
    sandbox = call.sandbox
    record = sandbox.driver.by_token.get(call.params["webhook_token"])
    if record is None or call.params["webhook_id"] != str(sandbox.world.application_id):
        raise ApiError(404, 10015, "Unknown Webhook", detail="not an interaction token of this application")
    too_late = (
        sandbox.monotonic() - record.created_mono > TOKEN_LIFETIME.total_seconds()
        or sandbox.clock.now() - record.created_at > TOKEN_LIFETIME
    )
    if too_late:
        raise ApiError(
            401,
            50027,
            "Invalid Webhook Token",
            channel=record.channel,
            detail=f"interaction {record.id}'s token lasted 15 minutes",
        )
    if not record.acknowledged:
        raise ApiError(
            404,
            10015,
            "Unknown Webhook",
            channel=record.channel,
            detail=f"interaction {record.id} must be acknowledged before followups",
        )
    return record


@route("POST", _WEBHOOK)
async def followup(call: Call) -> Reply:
    """An interaction's followup, or, for a webhook the bot made in a channel, that webhook posting."""
    sandbox = call.sandbox
    webhook = channel_webhook(call)
    if webhook is not None:
        return await execute_webhook(call, webhook)
    record = _webhook_record(call)
    body = call.body or {}
    check_not_empty(body, call.files, record.channel)
    original = record.original
    if record.awaiting_followup and original is not None and original.flags & MESSAGE_FLAG_LOADING:
        # The first followup after a "thinking" defer becomes the deferred message itself.
        apply_edit(sandbox, original, body, call.files)
        original.flags &= ~MESSAGE_FLAG_LOADING
        original.edited_at = None
        record.awaiting_followup = False
        message = original
        sandbox.record_message("followup", message)
        await sandbox.emit_message("MESSAGE_UPDATE", message)
    else:
        record.awaiting_followup = False
        message = build_message(
            sandbox,
            record.channel,
            body,
            call.files,
            visible_to=record.user,
            webhook_id=sandbox.world.application_id,
            interaction=record,
        )
        record.followups.append(message)
        sandbox.record_message("followup", message)
        await sandbox.emit_message("MESSAGE_CREATE", message)
    if not call.flag("wait"):
        return no_content()
    return json_reply(sandbox.message_payload(message))


def _webhook_message(call: Call, record: InteractionRecord) -> Message:
    if call.template == _ORIGINAL:
        message = record.original
    else:
        wanted = call.snowflake("message_id")
        candidates = [m for m in (record.original, *record.followups) if m is not None]
        message = next((m for m in candidates if m.id == wanted), None)
    if message is None or message.deleted:
        raise unknown_message()
    return message


@route("GET", _ORIGINAL)
@route("GET", _FOLLOWUP)
async def get_webhook_message(call: Call) -> Reply:
    webhook = channel_webhook(call)
    if webhook is not None:
        return await webhook_message(call, webhook)
    record = _webhook_record(call)
    return json_reply(call.sandbox.message_payload(_webhook_message(call, record)))


@route("PATCH", _ORIGINAL)
@route("PATCH", _FOLLOWUP)
async def edit_webhook_message(call: Call) -> Reply:
    webhook = channel_webhook(call)
    if webhook is not None:
        return await webhook_message(call, webhook)
    sandbox = call.sandbox
    record = _webhook_record(call)
    message = _webhook_message(call, record)
    apply_edit(sandbox, message, call.body or {}, call.files)
    if message.flags & MESSAGE_FLAG_LOADING:
        message.flags &= ~MESSAGE_FLAG_LOADING
    if message is record.original:
        record.awaiting_followup = False
    sandbox.record_message("edit", message)
    await sandbox.emit_message("MESSAGE_UPDATE", message)
    return json_reply(sandbox.message_payload(message))


@route("DELETE", _ORIGINAL)
@route("DELETE", _FOLLOWUP)
async def delete_webhook_message(call: Call) -> Reply:
    webhook = channel_webhook(call)
    if webhook is not None:
        return await webhook_message(call, webhook)
    sandbox = call.sandbox
    record = _webhook_record(call)
    message = _webhook_message(call, record)
    message.deleted = True
    if message is record.original:
        record.awaiting_followup = False
    sandbox.record(
        "delete",
        channel=message.channel.label,
        target=message.line,
        visible_to=message.visible_to.name if message.visible_to else None,
    )
    await sandbox.emit_message_delete(message)
    return no_content()

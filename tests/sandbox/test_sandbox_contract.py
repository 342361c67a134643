"""The contract layer on its own: the OpenAPI spec plus the hand rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.sandbox.contract import Contract, PathMatcher, Problem, discord_errors

MESSAGES = "/channels/{channel_id}/messages"
COMMANDS = "/applications/{application_id}/commands"


@pytest.fixture(scope="module")
def contract() -> Contract:
    loaded = Contract()
    assert loaded.validating, f"the spec is expected at {loaded.spec_path}"
    return loaded


def paths(problems: list[Problem]) -> list[tuple[str | int, ...]]:
    return [problem.path for problem in problems]


def check(contract: Contract, method: str, template: str, body: object, **params: str) -> list[Problem]:
    return contract.check(method, template, params=params or {"channel_id": "1"}, query={}, body=body)


def test_integer_snowflakes_are_accepted(contract: Contract) -> None:
    body = {
        "content": "hi",
        "message_reference": {"message_id": 123},
        "nonce": "job-1",
        "enforce_nonce": True,
    }
    assert check(contract, "POST", MESSAGES, body) == []


def test_message_limits(contract: Contract) -> None:
    problems = check(contract, "POST", MESSAGES, {"content": "x" * 2001})
    assert paths(problems) == [("content",)]
    assert problems[0].message == "must be 2000 or fewer in length (got 2001)"
    embeds = [{"title": "t" * 257}, {"description": "d" * 4000}, {"description": "d" * 2000}]
    assert paths(check(contract, "POST", MESSAGES, {"embeds": embeds})) == [
        ("embeds", 0, "title"),
        ("embeds",),
    ]
    too_many_rows = [
        {"type": 1, "components": [{"type": 2, "style": 1, "label": "b", "custom_id": f"c{i}"}]}
        for i in range(6)
    ]
    assert ("components",) in paths(check(contract, "POST", MESSAGES, {"components": too_many_rows}))
    row = {"type": 1, "components": [{"type": 2, "style": 1, "label": "L" * 81, "custom_id": "c" * 101}]}
    found = paths(check(contract, "POST", MESSAGES, {"components": [row]}))
    assert ("components", 0, "components", 0, "label") in found
    assert ("components", 0, "components", 0, "custom_id") in found


def test_path_parameters_must_be_snowflakes(contract: Contract) -> None:
    problems = contract.check(
        "GET", "/channels/{channel_id}", params={"channel_id": "None"}, query={}, body=None
    )
    assert paths(problems) == [("channel_id",)]


def test_command_rules_where_the_spec_is_loose(contract: Contract) -> None:
    good = {
        "name": "penpal",
        "description": "Pen pals",
        "type": 1,
        "options": [{"type": 3, "name": "country", "description": "Country", "required": True}],
    }
    assert check(contract, "PUT", COMMANDS, [good], application_id="1") == []
    bad = [
        {"name": "Bad Name!", "description": "x", "type": 1},
        {"name": "long", "description": "d" * 101, "type": 1},
        {
            "name": "order",
            "description": "x",
            "type": 1,
            "options": [
                {"type": 3, "name": "a", "description": "x"},
                {"type": 3, "name": "b", "description": "x", "required": True},
            ],
        },
        {
            "name": "many",
            "description": "x",
            "type": 1,
            "options": [{"type": 3, "name": f"o{i}", "description": "x"} for i in range(26)],
        },
        {"name": "penpal", "description": "again", "type": 1},
        {"name": "penpal", "description": "twice", "type": 1},
    ]
    codes = {problem.code for problem in check(contract, "PUT", COMMANDS, bad, application_id="1")}
    assert {
        "APPLICATION_COMMAND_INVALID_NAME",
        "BASE_TYPE_BAD_LENGTH",
        "BASE_TYPE_MAX_LENGTH",
        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
        "APPLICATION_COMMANDS_DUPLICATE_NAME",
    } <= codes


def test_modal_dm_and_mention_rules(contract: Contract) -> None:
    callback = "/interactions/{interaction_id}/{interaction_token}/callback"
    modal = {
        "type": 9,
        "data": {
            "title": "T" * 46,
            "custom_id": "m",
            "components": [
                {"type": 18, "label": "Library", "component": {"type": 4, "custom_id": "lib", "style": 1}}
            ],
        },
    }
    params = {"interaction_id": "1", "interaction_token": "tok"}
    assert ("data", "title") in paths(contract.check("POST", callback, params=params, query={}, body=modal))
    assert paths(check(contract, "POST", "/users/@me/channels", {})) == [("recipient_id",)]
    mentions = {"content": "hi", "allowed_mentions": {"parse": ["users"], "users": ["1"]}}
    assert paths(check(contract, "POST", MESSAGES, mentions)) == [("allowed_mentions", "users")]


def test_discord_error_shape() -> None:
    errors = discord_errors([Problem(("embeds", 0, "title"), "BASE_TYPE_MAX_LENGTH", "too long")])
    assert errors == {
        "embeds": {"0": {"title": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "too long"}]}}}
    }


def test_a_missing_spec_warns_and_keeps_the_hand_rules(tmp_path: Path) -> None:
    with pytest.warns(UserWarning, match="not validated"):
        bare = Contract(tmp_path / "missing.json")
    assert not bare.validating
    problems = bare.check(
        "POST", MESSAGES, params={"channel_id": "1"}, query={}, body={"content": "x" * 2001}
    )
    assert paths(problems) == [("content",)]


def test_literal_segments_win_over_parameters() -> None:
    matcher = PathMatcher(
        ["/users/{user_id}", "/users/@me", "/users/@me/channels", "/users/{user_id}/channels"]
    )
    assert matcher.match(["users", "@me"]) == ("/users/@me", {})
    assert matcher.match(["users", "42"]) == ("/users/{user_id}", {"user_id": "42"})
    assert matcher.match(["users", "@me", "channels"]) == ("/users/@me/channels", {})
    assert matcher.match(["guilds"]) is None


def test_a_partial_command_patch_is_no_violation(contract: Contract) -> None:
    command = "/applications/{application_id}/commands/{command_id}"
    params = {"application_id": "1", "command_id": "2"}
    for body in (
        {"description": "New words"},
        {"default_member_permissions": "32"},
        {"default_member_permissions": 32},
        {"options": []},
        {"name": "Save article"},  # a message command's name: the route checks it by type
    ):
        assert contract.check("PATCH", command, params=params, query={}, body=body) == [], body
    too_long = {"description": "d" * 101}
    assert paths(contract.check("PATCH", command, params=params, query={}, body=too_long)) == [
        ("description",)
    ]


def test_errors_name_the_field_that_is_wrong_not_an_alternative(contract: Contract) -> None:
    bad_parse = {"content": "hi", "allowed_mentions": {"parse": ["bogus"]}}
    errors = discord_errors(check(contract, "POST", MESSAGES, bad_parse))
    assert list(errors) == ["allowed_mentions"]
    assert list(errors["allowed_mentions"]) == ["parse"]
    assert errors["allowed_mentions"]["parse"]["0"]["_errors"][0]["code"] == "BASE_TYPE_CHOICES"
    bad_reference = {"content": "hi", "message_reference": {"message_id": "abc"}}
    errors = discord_errors(check(contract, "POST", MESSAGES, bad_reference))
    assert list(errors) == ["message_reference"]
    assert list(errors["message_reference"]) == ["message_id"]
    assert errors["message_reference"]["message_id"]["_errors"][0]["code"] == "BASE_TYPE_BAD_FORMAT"
    fine_fields = {"content": "hi", "tts": False, "embeds": [{"title": 5}]}
    assert list(discord_errors(check(contract, "POST", MESSAGES, fine_fields))) == ["embeds"]


def test_answers_are_compared_with_what_discord_describes(contract: Contract) -> None:
    user = {
        "id": "1",
        "username": "wei",
        "global_name": "wei",
        "discriminator": "0",
        "avatar": None,
        "public_flags": 0,
        "flags": 0,
        "primary_guild": None,
    }
    assert contract.response_problems("GET", "/users/{user_id}", 200, user) == []
    partial = {key: value for key, value in user.items() if key != "primary_guild"}
    assert [p.describe() for p in contract.response_problems("GET", "/users/{user_id}", 200, partial)] == [
        "(body): 'primary_guild' is a required property"
    ]
    assert contract.response_problems("GET", "/users/{user_id}", 204, None) == []  # nothing described

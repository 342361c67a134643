"""Expected problems become short, harmless messages that say what to fix."""

from __future__ import annotations

import discord
import pytest
from discord import app_commands
from discord.app_commands.transformers import IdentityTransformer

from bot.errors import describe_expected_error
from bot.i18n import using_locale


def transformer_error(value: str) -> app_commands.TransformerError:
    kind = discord.AppCommandOptionType.user
    return app_commands.TransformerError(value, kind, IdentityTransformer(kind))


@pytest.mark.parametrize(
    "value",
    ["x" * 5000, "@everyone " * 200, "<@&123> **bold** `code` " * 100, "北京" * 2000, "\u200b" * 3000],
)
def test_a_value_that_could_not_be_converted_is_quoted_short_and_harmless(value: str) -> None:
    with using_locale("en"):
        message = describe_expected_error(transformer_error(value))
    assert message is not None
    assert "not a valid value" in message
    assert len(message) < 120
    assert "@everyone" not in message
    assert "<@&123>" not in message
    assert "**" not in message.replace("\\*", "")


def test_server_only_commands_say_so_in_the_member_s_language() -> None:
    with using_locale("zh-CN"):
        message = describe_expected_error(app_commands.NoPrivateMessage())
    assert message is not None
    assert "服务器" in message

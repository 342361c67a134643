import dataclasses
import re
import subprocess
import sys
from pathlib import Path
from typing import get_type_hints

import pytest

from bot.config import ConfigError, Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "missing.toml", environ={})
    assert settings == Settings()
    assert not settings.has_token


def test_example_file_documents_every_key_with_its_default() -> None:
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    settings = load_settings(ROOT / "config.example.toml", environ={})
    assert settings == Settings(), "the example's values must be the defaults"
    for section, section_type in get_type_hints(Settings).items():
        assert f"[{section}]" in text
        for key in dataclasses.fields(section_type):
            assert re.search(rf"^#? ?{key.name} = ", text, re.MULTILINE), f"{section}.{key.name} undocumented"


def test_environment_overrides_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[discord]\ntoken = "from-file"\n[database]\nurl = "sqlite+aiosqlite:///x.db"\n')
    settings = load_settings(path, environ={"DISCORD_TOKEN": "from-env"})
    assert settings.discord.token == "from-env"
    assert settings.database.url == "sqlite+aiosqlite:///x.db"


@pytest.mark.parametrize(
    ("text", "key", "fragment"),
    [
        ('[bot]\ndefault_timezone = "Mars/Olympus"', "bot.default_timezone", "IANA time zone"),
        ('[bot]\ndefault_locale = "fr"', "bot.default_locale", "one of en, zh_CN"),
        ('[database]\nurl = "mysql://x"', "database.url", "sqlite+aiosqlite or postgresql+asyncpg"),
        ("[scheduler]\nbatch_size = 0", "scheduler.batch_size", "at least 1"),
        ('[scheduler]\nbatch_size = "many"', "scheduler.batch_size", "whole number"),
        ("[discord]\nshard_count = 2\nshard_ids = [2]", "discord.shard_ids", "ids from 0 to 1"),
        ("[discord]\nshard_ids = [0]", "discord.shard_ids", "together with shard_count"),
        ("[bot]\ncolour = 1", "bot.colour", "known key"),
        ("[robot]\nx = 1", "robot", "one of the sections"),
    ],
)
def test_bad_values_name_the_key_value_and_what_is_allowed(
    tmp_path: Path, text: str, key: str, fragment: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, text), environ={})
    assert caught.value.key == key
    assert fragment in str(caught.value)


def test_cli_exits_2_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, "[scheduler]\nmax_attempts = -3\n")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(path), "migrate"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "config: scheduler.max_attempts = -3 is not valid: a whole number of at least 1 and at most 50"
    ]
    assert "Traceback" not in result.stderr

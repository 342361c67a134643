"""The bot that connects to Discord never loads the stand-in: it is for tests and scenarios only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# `python -m bot run` with a token, up to the point where discord.py would connect, plus every
# extension the bot loads in setup_hook. discord.Client.run is replaced so nothing leaves the host.
RUN_PATH = """
import asyncio, json, sys
import discord

started = []
discord.Client.run = lambda self, token, **options: started.append(token)

from bot.__main__ import main

code = main(["run"])

from bot.client import create_bot
from bot.config import load_settings

async def load() -> None:
    bot = create_bot(load_settings(None), database_url="sqlite+aiosqlite://")
    bot.create_resources()
    await bot.load_features()
    await bot.database.dispose()

asyncio.run(load())
loaded = sorted(name for name in sys.modules if name == "bot.sandbox" or name.startswith("bot.sandbox."))
print(json.dumps({"code": code, "started": started, "sandbox": loaded}))
"""


def _run(source: str, folder: Path, **env: str) -> dict[str, object]:
    # An empty working folder: no config.toml, settings from the environment alone.
    environment = {k: v for k, v in os.environ.items() if k != "SISTERLIB_CONFIG"}
    environment |= {**env, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", source],
        check=False,
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_running_with_a_token_never_imports_the_sandbox(tmp_path: Path) -> None:
    result = _run(RUN_PATH, tmp_path, DISCORD_TOKEN="a-real-looking-token")
    assert result["started"] == ["a-real-looking-token"], result
    assert result["code"] == 0
    assert result["sandbox"] == []


def test_the_check_sees_the_sandbox_when_it_is_imported(tmp_path: Path) -> None:
    source = RUN_PATH.replace("import discord\n", "import discord\nimport bot.sandbox\n", 1)
    result = _run(source, tmp_path, DISCORD_TOKEN="t")
    assert "bot.sandbox" in result["sandbox"]

"""Benchmark for the sandbox's step settlement: how long a step takes beyond the bot's own work.

    .venv/bin/python benchmarks/sandbox_steps.py            # 200 steps of each kind
    .venv/bin/python benchmarks/sandbox_steps.py --steps 50

A small discord.py bot answers a command at once, a command that works 50 ms before its followup,
and a member's message (its handler works 10 ms, no request). Prints one JSON document: per kind,
the p50 and p99 wall time of a whole step (member action to settled) in ms, and the p50 of the
bot's first-answer latency the transcript records.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import discord
from discord import app_commands
from discord.ext import commands

from bot.clock import ManualClock
from bot.sandbox import DiscordSandbox
from bot.sandbox.runner import RunningBot, percentile

GUILD = {"name": "Bench", "channels": [{"name": "general"}], "members": [{"name": "wei"}]}


@app_commands.command(name="ping", description="Answers at once")
async def ping(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("pong", ephemeral=True)


@app_commands.command(name="work", description="Answers, works 50 ms, follows up")
async def work(interaction: discord.Interaction) -> None:
    await interaction.response.defer(ephemeral=True)
    await asyncio.sleep(0.05)
    await interaction.followup.send("done", ephemeral=True)


class BenchBot(commands.Bot):
    def __init__(self, *, clock: ManualClock, database_url: str) -> None:
        intents = discord.Intents.default()
        intents.message_content = True
        super().__init__(command_prefix="!", intents=intents, guild_ready_timeout=0.01)
        self.heard = 0

    async def setup_hook(self) -> None:
        self.tree.add_command(ping)
        self.tree.add_command(work)
        await self.tree.sync()

    async def on_message(self, message: discord.Message) -> None:
        # Work without a request: posting back would meet the channel's 5-per-5-s bucket.
        if not message.author.bot:
            await asyncio.sleep(0.01)
            self.heard += 1


async def bench(steps: int) -> dict[str, dict[str, float]]:
    clock = ManualClock(datetime(2026, 3, 27, 9, tzinfo=UTC))
    sandbox = DiscordSandbox(clock=clock, rate_limit_per_s=None)
    await sandbox.start()
    sandbox.install()
    sandbox.build_guild(GUILD)
    running = await RunningBot.start(BenchBot, clock, "sqlite+aiosqlite://", sandbox)
    results: dict[str, dict[str, float]] = {}
    try:
        for kind in ("ping", "work", "say"):
            walls: list[float] = []
            sandbox.latencies.clear()
            for index in range(steps):
                started = time.perf_counter()
                if kind == "say":
                    await sandbox.say("wei", f"hello {index}")
                else:
                    await sandbox.run_command("wei", kind)
                walls.append((time.perf_counter() - started) * 1000)
            latencies = [latency for _, latency in sandbox.latencies]
            results[kind] = {
                "step_p50_ms": round(percentile(walls, 50), 2),
                "step_p99_ms": round(percentile(walls, 99), 2),
                "first_answer_p50_ms": round(percentile(latencies, 50), 2) if latencies else 0.0,
            }
        errors = [line["detail"] for line in sandbox.transcript if line["action"] == "error"]
        assert isinstance(running.bot, BenchBot)
        results["checks"] = {"errors": float(len(errors)), "messages_heard": float(running.bot.heard)}
    finally:
        await running.stop()
        await sandbox.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=200)
    args = parser.parse_args()
    sys.stdout.write(json.dumps(asyncio.run(bench(args.steps)), indent=2) + "\n")


if __name__ == "__main__":
    main()

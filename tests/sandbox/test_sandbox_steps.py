"""The script steps of the 2026-11-30 extensions, played by the runner against a small bot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from bot.clock import ManualClock
from bot.sandbox import run_script
from bot.sandbox.runner import percentile, script_problems

FRUITS = ["Apple", "Apricot", "Banana"]


class PhotoForm(discord.ui.Modal, title="Send a photo"):
    caption: discord.ui.TextInput[PhotoForm] = discord.ui.TextInput(label="Caption")
    photo: discord.ui.Label[PhotoForm] = discord.ui.Label(
        text="Photo", component=discord.ui.FileUpload(custom_id="photo", max_values=1)
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        upload = self.photo.component
        assert isinstance(upload, discord.ui.FileUpload)
        data = await upload.values[0].read()
        await interaction.response.send_message(
            f"{self.caption.value}: {upload.values[0].filename} {len(data)} bytes", ephemeral=True
        )


@app_commands.command(name="fruit", description="Pick a fruit")
async def fruit(interaction: discord.Interaction, name: str) -> None:
    await interaction.response.send_message(f"fruit {name}", ephemeral=True)


@fruit.autocomplete("name")
async def fruit_names(_interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=f, value=f.lower()) for f in FRUITS if f.startswith(current)]


@app_commands.command(name="level", description="Choose a level")
@app_commands.choices(
    level=[app_commands.Choice(name="One", value=1), app_commands.Choice(name="Two", value=2)],
    scale=[app_commands.Choice(name="Half", value=0.5), app_commands.Choice(name="Double", value=2.0)],
)
async def level(interaction: discord.Interaction, level: int, scale: float = 1.0) -> None:
    await interaction.response.send_message(f"level {level} scale {scale}", ephemeral=True)


@app_commands.command(name="count", description="Say a number")
async def count(interaction: discord.Interaction, number: int) -> None:
    await interaction.response.send_message(f"number {number}", ephemeral=True)


@app_commands.command(name="photo", description="Upload a photo")
async def photo(interaction: discord.Interaction, picture: discord.Attachment) -> None:
    data = await picture.read()
    await interaction.response.send_message(
        f"{picture.filename} {len(data)} bytes {data[:5]!r}", ephemeral=True
    )


@app_commands.command(name="form", description="A form with a file")
async def form(interaction: discord.Interaction) -> None:
    await interaction.response.send_modal(PhotoForm())


@app_commands.command(name="owner", description="Who owns the bot")
async def owner(interaction: discord.Interaction) -> None:
    info = await interaction.client.application_info()
    await interaction.response.send_message(f"owner {info.owner.name}", ephemeral=True)


@app_commands.command(name="greet", description="DM a member")
async def greet(interaction: discord.Interaction, who: discord.Member) -> None:
    try:
        await who.send("hello")
    except discord.Forbidden:
        await interaction.response.send_message(f"{who.name} does not take DMs", ephemeral=True)
    else:
        await interaction.response.send_message("sent", ephemeral=True)


@app_commands.command(name="post", description="Post with a button")
async def post(interaction: discord.Interaction, text: str) -> None:
    view = discord.ui.View()
    view.add_item(discord.ui.Button(label="Like", custom_id=f"like:{text}"))
    await interaction.response.send_message(text, view=view)


@app_commands.context_menu(name="Show profile")
async def show_profile(interaction: discord.Interaction, member: discord.Member) -> None:
    await interaction.response.send_message(f"profile of {member.name}", ephemeral=True)


@app_commands.context_menu(name="Save article")
async def save_article(interaction: discord.Interaction, message: discord.Message) -> None:
    await interaction.response.send_message(f"saved {len(message.content)} characters", ephemeral=True)


class StepsBot(commands.Bot):
    def __init__(self, *, clock: ManualClock, database_url: str) -> None:
        intents = discord.Intents.default()
        intents.members = True
        super().__init__(command_prefix="!", intents=intents, guild_ready_timeout=0.01)
        self.clock = clock

    async def setup_hook(self) -> None:
        commands_ = (fruit, level, count, photo, form, owner, greet, post, show_profile, save_article)
        for command in commands_:
            self.tree.add_command(command)
        await self.tree.sync()

    async def on_ready(self) -> None:
        general = discord.utils.get(self.get_all_channels(), name="general")
        assert isinstance(general, discord.TextChannel)
        await general.send(f"up at {self.clock.now():%Y-%m-%d %H:%M}")

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        custom_id = (interaction.data or {}).get("custom_id", "")
        if str(custom_id).startswith("like:"):
            await interaction.response.send_message(f"liked {custom_id[5:]}", ephemeral=True)

    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        general = discord.utils.get(self.get_all_channels(), name="general")
        assert isinstance(general, discord.TextChannel)
        roles = sorted(role.name for role in after.roles if not role.is_default())
        await general.send(f"{after.name} now has {roles}")


GUILD: dict[str, Any] = {
    "name": "Sister Libraries",
    "roles": [{"name": "Moderators", "permissions": ["manage_guild"]}, {"name": "Helpers"}],
    "channels": [{"name": "general"}, {"name": "pen-pals"}],
    "members": [
        {"name": "mod", "roles": ["Moderators"], "bot_owner": True},
        {"name": "wei"},
        {"name": "ana", "dms_closed": True},
    ],
}


async def play(tmp_path: Path, steps: list[dict[str, Any]]) -> tuple[int, list[dict[str, Any]], list[str]]:
    out = tmp_path / "run.jsonl"
    echoed: list[str] = []
    script = {"guild": json.loads(json.dumps(GUILD)), "start": "2026-03-27T09:00:00Z", "steps": steps}
    code = await run_script(
        script, bot_factory=StepsBot, transcript_path=out, echo=echoed.append, script_dir=tmp_path
    )
    lines = [json.loads(text) for text in out.read_text(encoding="utf-8").splitlines()]
    return code, lines, echoed


def answers(lines: list[dict[str, Any]]) -> list[tuple[int, str, Any]]:
    return [
        (line["step"], line["action"], line.get("content"))
        for line in lines
        if line["step"] >= 0 and line["action"] not in {"send"}
    ]


async def test_autocomplete_and_context_menus(tmp_path: Path) -> None:
    code, lines, echoed = await play(
        tmp_path,
        [
            {"as": "wei", "autocomplete": "fruit", "option": "name", "value": "Ap"},
            {"as": "wei", "user_command": "Show profile", "target": "ana"},
            {"as": "wei", "command": "post", "options": {"text": "Read me"}},
            {"as": "ana", "message_command": "Save article", "message": {"contains": "Read me"}},
            {
                "as": "ana",
                "click": "Like",
                "message": {"from": "bot", "channel": "general", "contains": "Read"},
            },
        ],
    )
    assert code == 0, "\n".join(echoed)
    complete = next(line for line in lines if line["action"] == "autocomplete")
    assert complete["step"] == 0
    assert [c["name"] for c in complete["choices"]] == ["Apple", "Apricot"]
    assert answers(lines)[1:] == [
        (1, "respond", "profile of ana"),
        (2, "respond", "Read me"),
        (3, "respond", "saved 7 characters"),
        (4, "respond", "liked Read me"),
    ]


async def test_choices_by_name_and_safe_integers(tmp_path: Path) -> None:
    code, lines, echoed = await play(
        tmp_path,
        [
            {"as": "wei", "command": "level", "options": {"level": "Two", "scale": "Half"}},
            {"as": "wei", "command": "count", "options": {"number": 2**53}},
            {"as": "wei", "command": "count", "options": {"number": 2**53 + 1}, "expect": "refused"},
            {"as": "wei", "command": "count", "options": {"number": "9007199254740993"}, "expect": "refused"},
        ],
    )
    assert code == 0, "\n".join(echoed)
    assert answers(lines) == [
        (0, "respond", "level 2 scale 0.5"),
        (1, "respond", f"number {2**53}"),
        (2, "refused", None),
        (3, "refused", None),
    ]
    assert "2^53" in lines[-1]["detail"]


async def test_a_refusal_without_expect_fails_and_an_expected_one_that_runs_fails(tmp_path: Path) -> None:
    code, lines, _ = await play(tmp_path, [{"as": "wei", "command": "count", "options": {"number": 2**60}}])
    assert code == 1
    assert lines[-1]["action"] == "error"
    code, lines, _ = await play(
        tmp_path, [{"as": "wei", "command": "count", "options": {"number": 1}, "expect": "refused"}]
    )
    assert code == 1
    assert "expected to be refused" in lines[-1]["detail"]


async def test_attachments_and_file_upload_fields(tmp_path: Path) -> None:
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "cat.png").write_bytes(b"\x89PNG-cat-picture")
    code, lines, echoed = await play(
        tmp_path,
        [
            {"as": "wei", "command": "photo", "attachments": {"picture": "files/cat.png"}},
            {"as": "wei", "command": "form"},
            {"as": "wei", "modal": {"Caption": "my cat"}, "attachments": {"Photo": "files/cat.png"}},
        ],
    )
    assert code == 0, "\n".join(echoed)
    assert answers(lines) == [
        (0, "respond", "cat.png 16 bytes b'\\x89PNG-'"),
        (1, "modal", None),
        (2, "respond", "my cat: cat.png 16 bytes"),
    ]


async def test_a_dismissed_form_cannot_be_submitted(tmp_path: Path) -> None:
    code, lines, _ = await play(
        tmp_path,
        [
            {"as": "wei", "command": "form"},
            {"as": "wei", "dismiss": "modal"},
            {"as": "wei", "modal": {"Caption": "late"}, "expect": "refused"},
        ],
    )
    assert code == 0
    assert [line["action"] for line in lines if line["step"] >= 0] == ["modal", "refused"]
    assert "no modal is open" in lines[-1]["detail"]


async def test_the_application_owner_is_the_bot_owner_member(tmp_path: Path) -> None:
    code, lines, _ = await play(tmp_path, [{"as": "wei", "command": "owner"}])
    assert code == 0
    assert answers(lines) == [(0, "respond", "owner mod")]


async def test_closed_dms_exit_zero_when_the_step_expects_50007(tmp_path: Path) -> None:
    step = {"as": "wei", "command": "greet", "options": {"who": "ana"}}
    code, lines, _ = await play(tmp_path, [{**step, "expect_error": [50007]}])
    assert code == 0
    refused = [line for line in lines if line["action"] == "error"]
    assert len(refused) == 1
    assert refused[0]["expected"] is True
    assert "50007" in refused[0]["detail"]
    assert answers(lines)[-1] == (0, "respond", "ana does not take DMs")
    code, _, _ = await play(tmp_path, [step])
    assert code == 1
    code, _, _ = await play(tmp_path, [{**step, "expect_error": [50001]}])
    assert code == 1


async def test_downtime_moves_the_clock_with_no_bot_running(tmp_path: Path) -> None:
    code, lines, echoed = await play(
        tmp_path,
        [
            {"stop": True},
            {"as": "wei", "command": "count", "options": {"number": 1}, "expect": "refused"},
            {"advance": "2d"},
            {"start": True},
            {"as": "wei", "command": "count", "options": {"number": 3}},
        ],
    )
    assert code == 0, "\n".join(echoed)
    sends = [(line["step"], line["time"], line["content"]) for line in lines if line["action"] == "send"]
    assert sends == [
        (-1, "2026-03-27T09:00:00Z", "up at 2026-03-27 09:00"),
        (3, "2026-03-29T09:00:00Z", "up at 2026-03-29 09:00"),
    ]
    assert answers(lines)[-1] == (4, "respond", "number 3")


async def test_a_roles_step_tells_the_bot(tmp_path: Path) -> None:
    code, lines, echoed = await play(
        tmp_path,
        [
            {"as": "wei", "roles": {"add": ["Helpers", "Moderators"]}},
            {"as": "wei", "roles": {"remove": ["Moderators"]}},
        ],
    )
    assert code == 0, "\n".join(echoed)
    sends = [
        (line["step"], line["content"]) for line in lines if line["action"] == "send" and line["step"] >= 0
    ]
    assert sends == [(0, "wei now has ['Helpers', 'Moderators']"), (1, "wei now has ['Helpers']")]


async def test_the_runner_prints_latency_and_429s(tmp_path: Path) -> None:
    code, lines, echoed = await play(
        tmp_path, [{"as": "wei", "command": "count", "options": {"number": n}} for n in range(3)]
    )
    assert code == 0
    assert all(isinstance(line["latency_ms"], float) for line in lines if line["action"] == "respond")
    summary = [text for text in echoed if text.startswith("  count:")]
    assert len(summary) == 1
    assert "(n=3)" in summary[0]
    assert "rate limited (429): 0" in echoed


def test_percentiles_use_the_nearest_rank() -> None:
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile([7.0], 99) == 7.0


@pytest.mark.parametrize(
    ("step", "problem"),
    [
        ({"as": "wei", "autocomplete": "fruit"}, "option"),
        ({"as": "wei", "user_command": "Show profile"}, "target"),
        ({"as": "wei", "dismiss": "form"}, "dismiss"),
        ({"as": "wei", "roles": ["Helpers"]}, "roles takes"),
        ({"as": "wei", "command": "count", "expect": "failure"}, "expect"),
        ({"advance": "1d", "expect": "refused"}, "expect"),
        ({"as": "wei", "command": "count", "expect_error": ["50007"]}, "expect_error"),
        ({"as": "wei", "click": "Like", "message": {"author": "bot"}}, "selector"),
    ],
)
def test_malformed_extension_steps_are_named(step: dict[str, Any], problem: str) -> None:
    problems = script_problems({"guild": GUILD, "steps": [step]})
    assert any(problem in text for text in problems), problems

"""A wire-level fake Discord for tests and scenario runs: see ``shared/SANDBOX_SCRIPT.md``."""

from bot.sandbox._uploads import Upload
from bot.sandbox.errors import SandboxError
from bot.sandbox.runner import run_script
from bot.sandbox.sandbox import DiscordSandbox

__all__ = ["DiscordSandbox", "SandboxError", "Upload", "run_script"]

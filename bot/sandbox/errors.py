"""The one exception a sandbox user sees."""

from __future__ import annotations


class SandboxError(Exception):
    """A step the sandbox cannot carry out: unknown member, no such button, missing permission...

    Raised at the test or script author, never at the bot: the bot only ever sees HTTP answers.
    """

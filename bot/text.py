"""Text that reaches Discord: fitted to its limits, quoted back safely, checked for visible content.

Plain functions with no ``discord`` import, so every feature's domain and every renderer can use
them. Discord counts message, embed and thread-name lengths in characters (code points), which is
what ``len`` counts here.
"""

from __future__ import annotations

import re
import unicodedata

ELLIPSIS = "…"

# Discord's limits, in characters.
MESSAGE_CONTENT = 2000
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELD_NAME = 256
EMBED_FIELD_VALUE = 1024
EMBED_FOOTER = 2048
EMBED_AUTHOR = 256
EMBED_TOTAL = 6000
THREAD_NAME = 100
BUTTON_LABEL = 80
SELECT_OPTION_LABEL = 100
MODAL_TITLE = 45
TEXT_INPUT_LABEL = 45
TEXT_INPUT_VALUE = 4000
CHOICE_NAME = 100
CHOICE_VALUE = 100

# What a refusal quotes of a member's input at most.
QUOTE_LIMIT = 50

# Characters that take no space on screen: a name made only of these looks empty.
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Cs", "Co", "Cn", "Zs", "Zl", "Zp", "Mn", "Me"})
# Hangul fillers and the blank braille pattern are letters or symbols that print nothing.
_INVISIBLE_EXTRA = frozenset({"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"})
_MENTION = re.compile(r"<(@[!&]?|#)(\d+)>|@(everyone|here)")


def fit(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending in an ellipsis when it was cut.

    Cuts at a word boundary when one is near, so a name is not broken in the middle of a word.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if len(text) <= limit:
        return text
    if limit == 1:
        return ELLIPSIS
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit * 3 // 4:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def has_visible_text(text: str) -> bool:
    """Whether ``text`` shows anything on screen (not only spaces, zero-width or control characters)."""
    return any(
        unicodedata.category(char) not in _INVISIBLE_CATEGORIES and char not in _INVISIBLE_EXTRA
        for char in text
    )


def single_line(text: str) -> str:
    """``text`` on one line, runs of white space folded to one space."""
    return " ".join(text.split())


def quote(text: str, limit: int = QUOTE_LIMIT) -> str:
    """A short, harmless excerpt of what a member typed, for a refusal to show back.

    One line, at most ``limit`` characters, with mentions defused (a zero-width joiner after the
    ``@`` or ``#``) and markdown characters escaped, so quoting input can neither ping anyone nor
    reformat the reply. Callers still send with mentions disabled; this is the second lock.
    """
    excerpt = fit(single_line(text), limit)
    excerpt = _MENTION.sub(_defuse_mention, excerpt)
    return re.sub(r"([\\*_~`|>\[\]()])", r"\\\1", excerpt)


def _defuse_mention(match: re.Match[str]) -> str:
    text = match.group(0)
    return text[0] + "\u200b" + text[1:] if text.startswith("@") else text[:2] + "\u200b" + text[2:]


def too_long(text: str, limit: int) -> bool:
    return len(text) > limit

"""Problems with a member's link, named by a code the cog translates; never a sentence."""

from __future__ import annotations

from typing import Any


class ArticleError(ValueError):
    """A problem that is the member's to fix; ``code`` names it, ``params`` fill the message."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, **{self.params!r})"


class UrlError(ArticleError):
    """A link that cannot be shared: not http(s), no host, credentials inside, too long, malformed."""

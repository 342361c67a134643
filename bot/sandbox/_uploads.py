"""Files members attach: attachment options of commands and file-upload fields of forms.

Discord stores an upload before the interaction reaches the bot and hands the bot a resolved
attachment with a CDN URL; the sandbox serves the bytes at such a URL on its own port.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.sandbox.errors import SandboxError

# What a member without Nitro may upload, as the interaction's attachment_size_limit says.
UPLOAD_SIZE_LIMIT = 10 * 1024 * 1024


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes

    @classmethod
    def from_file(cls, path: Path) -> Upload:
        try:
            data = path.read_bytes()
        except OSError as error:
            raise SandboxError(f"attachment {path}: cannot read it ({error.strerror})") from None
        return cls(path.name, data)

    @property
    def content_type(self) -> str:
        return mimetypes.guess_type(self.filename)[0] or "application/octet-stream"


def attachment_payload(attachment_id: int, upload: Upload, base_url: str) -> dict[str, Any]:
    if len(upload.data) > UPLOAD_SIZE_LIMIT:
        raise SandboxError(
            f"attachment {upload.filename!r} is {len(upload.data)} bytes; members may upload "
            f"{UPLOAD_SIZE_LIMIT} at most"
        )
    url = f"{base_url}/attachments/{attachment_id}/{upload.filename}"
    return {
        "id": str(attachment_id),
        "filename": upload.filename,
        "size": len(upload.data),
        "url": url,
        "proxy_url": url,
        "content_type": upload.content_type,
        "ephemeral": True,
    }

"""Content-addressed audio storage: a recording's name is its sha256.

The same recording uploaded twice is stored once, a file is never overwritten, and a write is
atomic (temp file, then rename), so a crash mid-upload leaves no half file behind.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO


class TooLargeError(ValueError):
    """The upload exceeds the configured size limit; nothing was stored."""


@dataclass(frozen=True)
class StoredBlob:
    key: str
    sha256: str
    size_bytes: int


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        return self.root / key

    def put_file(self, source: Path, max_bytes: int | None = None) -> StoredBlob:
        with source.open("rb") as handle:
            return self.put_stream(handle, source.suffix, max_bytes)

    def put_stream(self, stream: BinaryIO, suffix: str, max_bytes: int | None = None) -> StoredBlob:
        return self.put_chunks(iter(lambda: stream.read(1 << 20), b""), suffix, max_bytes)

    def put_chunks(self, chunks: Iterable[bytes], suffix: str, max_bytes: int | None = None) -> StoredBlob:
        digest = hashlib.sha256()
        size = 0
        incoming = self.root / "incoming"
        incoming.mkdir(exist_ok=True)
        fd, temp_name = tempfile.mkstemp(dir=incoming, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise TooLargeError(
                            f"the file is larger than the limit of {max_bytes / 1e6:.0f} MB "
                            "(CALLQA_MAX_UPLOAD_MB)"
                        )
                    digest.update(chunk)
                    out.write(chunk)
            sha = digest.hexdigest()
            key = f"{sha[:2]}/{sha}{_safe_suffix(suffix)}"
            target = self.path(key)
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                os.unlink(temp_name)
            else:
                os.replace(temp_name, target)
            return StoredBlob(key=key, sha256=sha, size_bytes=size)
        except BaseException:
            if os.path.exists(temp_name):
                os.unlink(temp_name)
            raise


def _safe_suffix(suffix: str) -> str:
    """Keep the extension (decoders use it as a hint) but only if it is harmless."""
    suffix = suffix.lower()
    return suffix if 1 < len(suffix) <= 6 and suffix[1:].isalnum() else ".bin"

"""Content-addressed audio storage: a recording's name is its sha256.

The same recording uploaded twice is stored once, a file is never overwritten, and a write is
atomic (temp file, then rename), so a crash mid-upload, or a volume that fills up meanwhile,
leaves no half file behind.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO


class TooLargeError(ValueError):
    """The upload exceeds the configured size limit; nothing was stored."""


class StorageFullError(OSError):
    """The audio volume has no room for the upload (below its reserve, or full); nothing was stored."""


class BlobMismatchError(ValueError):
    """A stored recording is missing, or its bytes no longer match the sha256 it was stored under."""


@dataclass(frozen=True)
class StoredBlob:
    key: str
    sha256: str
    size_bytes: int


class BlobStore:
    def __init__(self, root: Path, reserve_bytes: int = 0) -> None:
        self.root = root
        self.reserve_bytes = reserve_bytes
        """Free space kept on the volume: uploads stop before the database or logs beside it starve."""
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
        self._check_room(0)
        try:
            incoming.mkdir(exist_ok=True)
            fd, temp_name = tempfile.mkstemp(dir=incoming, suffix=".part")
        except OSError as error:
            full = _full(error)
            if full is None:
                raise
            raise full from error
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise TooLargeError(
                            f"the file is larger than the limit of {max_bytes / 1e6:.0f} MB "
                            "(CALLQA_MAX_UPLOAD_MB)"
                        )
                    self._check_room(len(chunk))
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
        except BaseException as error:
            if os.path.exists(temp_name):
                os.unlink(temp_name)
            full = _full(error) if isinstance(error, OSError) else None
            if full is not None:
                raise full from error
            raise

    def _check_room(self, incoming_bytes: int) -> None:
        """Refuse before writing `incoming_bytes` more would leave less than the reserve free."""
        free = shutil.disk_usage(self.root).free
        if free - incoming_bytes < self.reserve_bytes:
            raise StorageFullError(
                errno.ENOSPC,
                f"the audio volume is full ({free / 1e6:.0f} MB free, {self.reserve_bytes / 1e6:.0f} MB "
                "kept in reserve: CALLQA_AUDIO_RESERVE_MB); nothing was stored: free space or grow the "
                "volume, then upload again",
            )

    def verify(self, key: str, sha256: str) -> None:
        """Raise BlobMismatchError unless the stored bytes still hash to `sha256`."""
        digest = hashlib.sha256()
        try:
            with self.path(key).open("rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
        except FileNotFoundError as error:
            raise BlobMismatchError(
                f"the stored recording {key} is missing from the audio volume; restore it from a backup"
            ) from error
        if digest.hexdigest() != sha256:
            raise BlobMismatchError(
                f"the stored recording {key} no longer matches its sha256 (stored {sha256[:12]}..., now "
                f"{digest.hexdigest()[:12]}...): it was changed or damaged on disk; restore it from a backup"
            )


def _full(error: OSError) -> StorageFullError | None:
    """A volume that ran out of space (ENOSPC, EDQUOT) as StorageFullError, with the same advice."""
    if isinstance(error, StorageFullError) or error.errno not in (errno.ENOSPC, errno.EDQUOT):
        return None
    return StorageFullError(
        error.errno,
        "the audio volume is full; nothing was stored: free space or grow the volume, then upload again",
    )


def _safe_suffix(suffix: str) -> str:
    """Keep the extension (decoders use it as a hint) but only if it is harmless."""
    suffix = suffix.lower()
    return suffix if 1 < len(suffix) <= 6 and suffix[1:].isalnum() else ".bin"

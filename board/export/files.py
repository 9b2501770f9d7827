"""Output files that appear whole or not at all.

Each file is written under a temporary name in the target directory (same file system) and
renamed over its real name only when everything was written: Ctrl-C, a full disk or a server
that stops answering mid-quarter leaves no half-written file behind, and an existing file stays
untouched until the new one is complete.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["PendingFiles"]


class PendingFiles:
    """Temporary files that become their targets together in ``commit()``, or vanish."""

    def __init__(self) -> None:
        self._pending: list[tuple[Path, Path]] = []

    def temp_for(self, target: Path) -> Path:
        """A fresh temporary path beside ``target`` (hidden, removed unless committed)."""
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
        os.close(fd)
        tmp = Path(name)
        self._pending.append((tmp, target))
        return tmp

    def commit(self) -> list[Path]:
        """Rename every temporary file over its target (after flushing it to disk)."""
        done = []
        for tmp, target in self._pending:
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
            os.chmod(tmp, 0o644 & ~_umask())
            os.replace(tmp, target)
            done.append(target)
        self._pending.clear()
        return done

    def discard(self) -> None:
        for tmp, _ in self._pending:
            tmp.unlink(missing_ok=True)
        self._pending.clear()

    @contextmanager
    def session(self) -> Iterator[PendingFiles]:
        """Discard whatever was not committed when the block ends (error, Ctrl-C …)."""
        try:
            yield self
        finally:
            self.discard()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask

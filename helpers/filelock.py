"""An exclusive lock between processes (two kernels, two notebooks) on a lock file."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no flock; callers' writes stay atomic, only their races remain
    fcntl = None  # type: ignore[assignment]


@contextlib.contextmanager
def exclusive(lock_file: Path) -> Iterator[None]:
    """Hold ``lock_file`` exclusively; other processes wait. The file is never deleted, since
    removing it could hand two processes two different locks."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    if fcntl is None:
        yield
        return
    with open(lock_file, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

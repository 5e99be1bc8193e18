"""A file written whole or not at all: an export to a full disk left an empty export.csv
(beside, perhaps, the good one it had replaced). Written to a temporary file in the same
folder, flushed to disk, then renamed over the target; on any error the target is untouched
and the temporary file removed. The new file is private to the user (0600): it holds the
firm's clients."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomically(path: Path | str, data: bytes) -> None:
    """Put `data` at `path` in one step (os.replace); raises OSError, leaving `path` as it was."""
    target = Path(path)
    handle, temporary = tempfile.mkstemp(dir=target.parent or Path("."),
                                         prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise

"""Saves carry the version they started from: a change made meanwhile is never overwritten
without the preparer knowing.

Two preparers on one database: A opens the reminder settings, B switches reminders off, A saves.
Last-write-wins would switch them back on with neither told. Each versioned record keeps a
number raised by every save; a save names the number it read, and one made over a newer number
raises `ChangedMeanwhile` with what the record holds now and who changed it, so the screen can
show both and let the preparer choose (save again with `version`, or take theirs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class ChangedMeanwhile(Exception):
    """Someone saved the record after it was read; `now` is what it holds, `version` its
    current number (give it to save over their change), `by` who saved it, when known."""

    now: Any
    version: int
    by: str | None = None

    def __str__(self) -> str:
        return f"changed meanwhile by {self.by or 'someone'} (now version {self.version})"

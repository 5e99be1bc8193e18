"""Messages the app posts to its screens."""

from __future__ import annotations

from textual.message import Message


class StoreChanged(Message):
    """The pipeline changed (this process, the acceptance page, or another preparer)."""

"""Schema version 16: A client who stopped the reminders (one click in a reminder, RFC 8058) gets no
more of them; the preparer can still invite by hand.
"""

from __future__ import annotations

from store.migrations.types import TYPES


def statements(backend: str) -> list[str]:
    """A client who stopped the reminders (one click in a reminder, RFC 8058) gets no more
    of them; the preparer can still invite by hand."""
    return ["ALTER TABLE client ADD COLUMN reminders_stopped_at {ts}".format(**TYPES[backend])]

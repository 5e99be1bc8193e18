"""Schema version 6: reminders: the firm's setting (off by default) and a count on each
invitation.
"""

from __future__ import annotations


def statements(backend: str) -> list[str]:
    """Reminders: the firm's setting (off by default) and a count on each invitation."""
    return [
        "ALTER TABLE firm ADD COLUMN reminders_on BOOLEAN NOT NULL DEFAULT FALSE",
        "ALTER TABLE firm ADD COLUMN reminder_days INTEGER NOT NULL DEFAULT 7",
        "ALTER TABLE firm ADD COLUMN reminder_max INTEGER NOT NULL DEFAULT 1",
        "ALTER TABLE invitation ADD COLUMN reminders INTEGER NOT NULL DEFAULT 0",
    ]

"""Schema version 9: What kind of relay problem a process met (its login, its certificate...), so
that every terminal can say what to change, in its own language; each message's return tag, the part
of its Return- Path (VERP) by which a bounce finds it.
"""

from __future__ import annotations


def statements(backend: str) -> list[str]:
    """What kind of relay problem a process met (its login, its certificate...), so that every
    terminal can say what to change, in its own language; each message's return tag, the part
    of its Return-Path (VERP) by which a bounce finds it."""
    # The tag in a table of its own: a longer outbox row moved where SQLite's page balancing
    # leaves copies of a message in unused page space that secure_delete never zeroes (a
    # wiped link was found in the file).
    return ["ALTER TABLE pipeline_process ADD COLUMN relay_kind TEXT",
            """CREATE TABLE outbox_tag (
                return_tag TEXT PRIMARY KEY,
                outbox_id BIGINT NOT NULL REFERENCES outbox (id) ON DELETE CASCADE
            )""",
            "CREATE INDEX outbox_tag_by_outbox ON outbox_tag (outbox_id)"]

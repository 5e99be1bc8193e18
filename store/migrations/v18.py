"""Schema version 18: A webhook event its receiver refused again and again is failed: kept with
the answer, shown by `linkdesk status`, queued again by `linkdesk hooks retry`; the refusals in
a row are counted.
"""

from __future__ import annotations

from store.migrations.types import TYPES

COLUMNS = ("id, event_id, kind, body, state, attempts, next_attempt_at, claimed_until, "
           "claimed_by, last_status, last_error, last_at, created_at, sent_at")


def statements(backend: str) -> list[str]:
    """A webhook event its receiver refused again and again is failed: kept with the answer,
    shown by `linkdesk status`, queued again by `linkdesk hooks retry`; the refusals in a row
    are counted."""
    if backend != "sqlite":
        return ["ALTER TABLE hook_event DROP CONSTRAINT hook_event_state_check",
                "ALTER TABLE hook_event ADD CONSTRAINT hook_event_state_check "
                "CHECK (state IN ('queued', 'sending', 'sent', 'failed'))",
                "ALTER TABLE hook_event ADD COLUMN refusals INTEGER NOT NULL DEFAULT 0"]
    # SQLite cannot change a CHECK: the table is rebuilt (nothing refers to it).
    return [sql.format(**TYPES[backend]) for sql in (
        """CREATE TABLE hook_event_v18 (
            id {pk},
            event_id TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            body TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at {ts} NOT NULL,
            claimed_until {ts},
            claimed_by BIGINT,
            last_status INTEGER,
            last_error TEXT,
            last_at {ts},
            created_at {ts} NOT NULL,
            sent_at {ts},
            refusals INTEGER NOT NULL DEFAULT 0
        )""",
        f"INSERT INTO hook_event_v18 ({COLUMNS}) SELECT {COLUMNS} FROM hook_event",  # noqa: S608
        "DROP TABLE hook_event",
        "ALTER TABLE hook_event_v18 RENAME TO hook_event",
        "CREATE INDEX hook_event_due ON hook_event (state, next_attempt_at, id)",
        "CREATE INDEX hook_event_by_answer ON hook_event (last_at)",
        "CREATE TRIGGER hook_event_insert_clock AFTER INSERT ON hook_event "
        "BEGIN UPDATE change_clock SET n = n + 1 WHERE id = 1; END",
    )]

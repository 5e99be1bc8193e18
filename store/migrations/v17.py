"""Schema version 17: Webhooks: each event for the firm's systems waits here, written in the
transaction of the change it tells, until its receiver answers 2xx; a new one wakes the service.
"""

from __future__ import annotations

from store.migrations.types import TYPES


def statements(backend: str) -> list[str]:
    """Webhooks: each event for the firm's systems waits here, written in the transaction of
    the change it tells, until its receiver answers 2xx; a new one wakes the service."""
    types = TYPES[backend]
    statements = [sql.format(**types) for sql in (
        """CREATE TABLE hook_event (
            id {pk},
            event_id TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            body TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at {ts} NOT NULL,
            claimed_until {ts},
            claimed_by BIGINT,
            last_status INTEGER,
            last_error TEXT,
            last_at {ts},
            created_at {ts} NOT NULL,
            sent_at {ts}
        )""",
        "CREATE INDEX hook_event_due ON hook_event (state, next_attempt_at, id)",
        "CREATE INDEX hook_event_by_answer ON hook_event (last_at)",
    )]
    if backend == "sqlite":
        statements.append("CREATE TRIGGER hook_event_insert_clock AFTER INSERT ON hook_event "
                          "BEGIN UPDATE change_clock SET n = n + 1 WHERE id = 1; END")
    else:
        statements.append("""CREATE TRIGGER hook_event_changes AFTER INSERT ON hook_event
                             FOR EACH STATEMENT EXECUTE FUNCTION linkdesk_notify_change()""")
    return statements

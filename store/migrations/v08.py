"""Schema version 8: The processes that run the pipeline (a heartbeat each, so that one service
serves every terminal and a dead one's messages are taken over at once); more than one link per
invitation (a reminder adds one, the first keeps working).
"""

from __future__ import annotations

from store.migrations.types import TYPES

# What a list shows changed: every write to these tables moves SQLite's change clock (a
# heartbeat, a claim or a lease does not, so watchers are not woken every beat).
_WATCHED = {"client": "INSERT OR UPDATE OR DELETE", "client_year_status": "INSERT OR UPDATE OR "
            "DELETE", "client_event": "INSERT", "import_run": "UPDATE"}


def _change_clock(backend: str) -> list[str]:
    """SQLite: a one-row counter that triggers move; PostgreSQL already NOTIFYs (v4, v5)."""
    if backend != "sqlite":
        return ["""CREATE TRIGGER import_run_changes AFTER UPDATE ON import_run
                   FOR EACH STATEMENT EXECUTE FUNCTION linkdesk_notify_change()"""]
    statements = [
        "CREATE TABLE change_clock (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL)",
        "INSERT INTO change_clock (id, n) VALUES (1, 0)",
    ]
    for table, events in _WATCHED.items():
        for event in events.split(" OR "):
            statements.append(
                f"CREATE TRIGGER {table}_{event.lower()}_clock AFTER {event} ON {table} "  # noqa: S608
                "BEGIN UPDATE change_clock SET n = n + 1 WHERE id = 1; END")
    return statements


def _outbox_many_per_invitation(backend: str) -> list[str]:
    """An invitation may have several messages now (the first, then its reminders)."""
    if backend != "sqlite":
        return ["ALTER TABLE outbox DROP CONSTRAINT outbox_invitation_id_key",
                "CREATE INDEX outbox_by_invitation ON outbox (invitation_id)"]
    columns = ("id, invitation_id, message_id, envelope_from, envelope_to, raw, state, attempts, "
               "next_attempt_at, claimed_until, last_error, created_at, sent_at, claimed_by")
    return [
        """CREATE TABLE outbox_v8 (
            id INTEGER PRIMARY KEY,
            invitation_id BIGINT NOT NULL REFERENCES invitation (id),
            message_id TEXT NOT NULL UNIQUE,
            envelope_from TEXT NOT NULL,
            envelope_to TEXT NOT NULL,
            raw BLOB,
            state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TIMESTAMP NOT NULL,
            claimed_until TIMESTAMP,
            last_error TEXT,
            created_at TIMESTAMP NOT NULL,
            sent_at TIMESTAMP,
            claimed_by INTEGER
        )""",
        f"INSERT INTO outbox_v8 ({columns}) SELECT {columns} FROM outbox",  # noqa: S608 - constant
        "DROP TABLE outbox",
        "ALTER TABLE outbox_v8 RENAME TO outbox",
        "CREATE INDEX outbox_due ON outbox (state, next_attempt_at, id)",
        "CREATE INDEX outbox_by_invitation ON outbox (invitation_id)",
    ]


def statements(backend: str) -> list[str]:
    """The processes that run the pipeline (a heartbeat each, so that one service serves every
    terminal and a dead one's messages are taken over at once); more than one link per
    invitation (a reminder adds one, the first keeps working)."""
    types = TYPES[backend]
    return [sql.format(**types) for sql in (
        """CREATE TABLE pipeline_process (
            id {pk},
            role TEXT NOT NULL,
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            serves_page {bool} NOT NULL DEFAULT FALSE,
            runs_pipeline {bool} NOT NULL DEFAULT FALSE,
            started_at {ts} NOT NULL,
            beat_at {ts} NOT NULL,
            stopped_at {ts},
            relay_ok {bool},
            relay_said TEXT,
            relay_at {ts}
        )""",
        "CREATE INDEX pipeline_process_by_beat ON pipeline_process (beat_at)",
        "ALTER TABLE outbox ADD COLUMN claimed_by INTEGER",
        *_outbox_many_per_invitation(backend),
        """CREATE TABLE invitation_link (
            token_hash TEXT PRIMARY KEY,
            invitation_id BIGINT NOT NULL REFERENCES invitation (id) ON DELETE CASCADE,
            created_at {ts} NOT NULL
        )""",
        "CREATE INDEX invitation_link_by_invitation ON invitation_link (invitation_id)",
        "INSERT INTO invitation_link (token_hash, invitation_id, created_at) "
        "SELECT token_hash, id, created_at FROM invitation",
        "ALTER TABLE invitation ADD COLUMN reminded_at {ts}",
        # A bulk invitation's progress, so that one cut short by a crash is seen by everyone.
        """CREATE TABLE bulk_run (
            id {pk},
            firm_id BIGINT NOT NULL REFERENCES firm (id),
            preparer_id BIGINT,
            tax_year INTEGER NOT NULL,
            total INTEGER NOT NULL,
            queued INTEGER NOT NULL DEFAULT 0,
            skipped INTEGER NOT NULL DEFAULT 0,
            state TEXT NOT NULL,
            process_id BIGINT,
            started_at {ts} NOT NULL,
            updated_at {ts} NOT NULL
        )""",
        "CREATE INDEX bulk_run_by_state ON bulk_run (firm_id, state, started_at)",
    )] + _change_clock(backend)

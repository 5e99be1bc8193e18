"""Schema version 14: The SSH door: preparers' public keys (a key is one person's: its fingerprint
is unique), the sessions open through it (the service's process, the session's own pid, an end asked
by an admin), and every sign-in, sign-out and refusal (preparer, key, address, when).
"""

from __future__ import annotations

from store.migrations.types import TYPES


def statements(backend: str) -> list[str]:
    """The SSH door: preparers' public keys (a key is one person's: its fingerprint is unique),
    the sessions open through it (the service's process, the session's own pid, an end asked
    by an admin), and every sign-in, sign-out and refusal (preparer, key, address, when)."""
    types = TYPES[backend]
    return [sql.format(**types) for sql in (
        """CREATE TABLE ssh_key (
            id {pk},
            preparer_id BIGINT NOT NULL REFERENCES preparer (id) ON DELETE CASCADE,
            fingerprint TEXT NOT NULL UNIQUE,
            algorithm TEXT NOT NULL,
            public_key TEXT NOT NULL,
            comment TEXT NOT NULL DEFAULT '',
            added_at {ts} NOT NULL,
            added_by BIGINT,
            last_used_at {ts}
        )""",
        "CREATE INDEX ssh_key_by_preparer ON ssh_key (preparer_id)",
        """CREATE TABLE ssh_session (
            id {pk},
            preparer_id BIGINT REFERENCES preparer (id) ON DELETE SET NULL,
            kind TEXT NOT NULL,
            fingerprint TEXT NOT NULL DEFAULT '',
            address TEXT NOT NULL DEFAULT '',
            process_id BIGINT,
            pid INTEGER,
            started_at {ts} NOT NULL,
            ended_at {ts},
            end_asked_by BIGINT
        )""",
        "CREATE INDEX ssh_session_open ON ssh_session (ended_at, process_id)",
        """CREATE TABLE ssh_event (
            id {pk},
            at {ts} NOT NULL,
            kind TEXT NOT NULL,
            preparer_id BIGINT,
            fingerprint TEXT NOT NULL DEFAULT '',
            address TEXT NOT NULL DEFAULT '',
            session_id BIGINT,
            detail TEXT NOT NULL DEFAULT ''
        )""",
        "CREATE INDEX ssh_event_by_time ON ssh_event (at)",
    )]

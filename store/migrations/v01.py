"""Schema version 1: The firm, its preparers, its clients, their status per tax year, and their
history (append- only).
"""

from __future__ import annotations

from store.migrations.types import TYPES

_V1_TABLES = [
    """CREATE TABLE firm (
        id {pk},
        name TEXT NOT NULL,
        created_at {ts} NOT NULL
    )""",
    """CREATE TABLE preparer (
        id {pk},
        firm_id BIGINT NOT NULL REFERENCES firm (id),
        username TEXT NOT NULL,
        username_key TEXT NOT NULL UNIQUE,
        email TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        failed_logins INTEGER NOT NULL DEFAULT 0,
        locked_until {ts},
        created_at {ts} NOT NULL,
        last_login_at {ts}
    )""",
    """CREATE TABLE client (
        id {pk},
        firm_id BIGINT NOT NULL REFERENCES firm (id),
        kind TEXT NOT NULL CHECK (kind IN ('individual', 'organization')),
        first_name TEXT,
        last_name TEXT,
        organization_name TEXT,
        display_name TEXT NOT NULL,
        sort_key TEXT NOT NULL,
        search_key TEXT NOT NULL,
        email TEXT NOT NULL,
        email_key TEXT NOT NULL,
        phone TEXT,
        language TEXT NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'fr')),
        active {bool} NOT NULL DEFAULT TRUE,
        created_at {ts} NOT NULL,
        updated_at {ts} NOT NULL
    )""",
    # Covering index: the list walks it in name order and filters on search_key without
    # touching the table, so a search keystroke reads one page of rows, not the whole firm.
    "CREATE INDEX client_by_name ON client (firm_id, active, sort_key, id, search_key)",
    "CREATE INDEX client_by_email ON client (firm_id, active, email_key, id)",
    "CREATE INDEX client_by_kind ON client (firm_id, active, kind, sort_key, id)",
    "CREATE INDEX client_by_phone ON client (firm_id, active, phone, id)",
    """CREATE TABLE client_year_status (
        client_id BIGINT NOT NULL REFERENCES client (id) ON DELETE CASCADE,
        tax_year INTEGER NOT NULL,
        status TEXT NOT NULL,
        updated_at {ts} NOT NULL,
        PRIMARY KEY (client_id, tax_year)
    )""",
    "CREATE INDEX client_year_status_by_year ON client_year_status (tax_year, status)",
    """CREATE TABLE client_event (
        id {pk},
        client_id BIGINT NOT NULL REFERENCES client (id),
        preparer_id BIGINT REFERENCES preparer (id),
        kind TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '{{}}',
        at {ts} NOT NULL
    )""",
    "CREATE INDEX client_event_by_client ON client_event (client_id, id)",
]


_V1_APPEND_ONLY = {
    "sqlite": [
        """CREATE TRIGGER client_event_no_update BEFORE UPDATE ON client_event
           BEGIN SELECT RAISE(ABORT, 'client_event is append-only'); END""",
        """CREATE TRIGGER client_event_no_delete BEFORE DELETE ON client_event
           BEGIN SELECT RAISE(ABORT, 'client_event is append-only'); END""",
    ],
    "postgresql": [
        """CREATE FUNCTION client_event_append_only() RETURNS trigger AS $$
           BEGIN RAISE EXCEPTION 'client_event is append-only'; END $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER client_event_no_change BEFORE UPDATE OR DELETE ON client_event
           FOR EACH ROW EXECUTE FUNCTION client_event_append_only()""",
    ],
}


def statements(backend: str) -> list[str]:
    types = TYPES[backend]
    return [sql.format(**types) for sql in _V1_TABLES] + _V1_APPEND_ONLY[backend]

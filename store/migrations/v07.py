"""Schema version 7: Sign-in failures for names that are no account, shared by every process (a hash
of the name, never the name); versions that let a save notice a change made meanwhile.
"""

from __future__ import annotations

from store.migrations.types import TYPES


def statements(backend: str) -> list[str]:
    """Sign-in failures for names that are no account, shared by every process (a hash of
    the name, never the name); versions that let a save notice a change made meanwhile."""
    types = TYPES[backend]
    return [sql.format(**types) for sql in (
        """CREATE TABLE unknown_sign_in (
            name_hash TEXT PRIMARY KEY,
            failures INTEGER NOT NULL,
            locked_until {ts},
            updated_at {ts} NOT NULL
        )""",
        "CREATE INDEX unknown_sign_in_by_age ON unknown_sign_in (updated_at)",
        "ALTER TABLE firm ADD COLUMN settings_version INTEGER NOT NULL DEFAULT 1",
        "ALTER TABLE firm ADD COLUMN settings_by INTEGER",
        "ALTER TABLE client ADD COLUMN version INTEGER NOT NULL DEFAULT 1",
        # Imports write a new generation of rows in short transactions and switch it on at the
        # end in one: a row whose import_run is not live is invisible (store.import_runs).
        """CREATE TABLE import_run (
            id {pk},
            kind TEXT NOT NULL,
            state TEXT NOT NULL,
            started_at {ts} NOT NULL,
            ended_at {ts}
        )""",
        "ALTER TABLE company ADD COLUMN import_run INTEGER",
        # Clients too; the run is the last column of every index the list walks, so that the
        # list still reads only its indexes (a covering index answers "is it switched on").
        "ALTER TABLE client ADD COLUMN import_run INTEGER",
        "DROP INDEX client_by_name",
        "CREATE INDEX client_by_name ON client "
        "(firm_id, active, sort_key, id, search_key, import_run)",
        "DROP INDEX client_by_email",
        "CREATE INDEX client_by_email ON client (firm_id, active, email_key, id, import_run)",
        "DROP INDEX client_by_kind",
        "CREATE INDEX client_by_kind ON client (firm_id, active, kind, sort_key, id, import_run)",
        "DROP INDEX client_by_phone",
        "CREATE INDEX client_by_phone ON client (firm_id, active, phone, id, import_run)",
        """CREATE TABLE member_change (
            import_run INTEGER NOT NULL,
            company_id INTEGER NOT NULL,
            member_key TEXT NOT NULL,
            name_fold TEXT NOT NULL,
            detail TEXT NOT NULL,
            PRIMARY KEY (import_run, company_id)
        )""",
    )]

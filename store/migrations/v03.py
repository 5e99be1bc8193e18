"""Schema version 3: Invitations (a token hash each) and the outbox of their messages."""

from __future__ import annotations

from store.migrations.types import TYPES


def statements(backend: str) -> list[str]:
    """Invitations (a token hash each) and the outbox of their messages."""
    types = TYPES[backend]
    blob = "BLOB" if backend == "sqlite" else "BYTEA"
    statements = [
        """CREATE TABLE invitation (
            id {pk},
            client_id BIGINT NOT NULL REFERENCES client (id),
            tax_year INTEGER NOT NULL,
            token_hash TEXT NOT NULL UNIQUE,
            state TEXT NOT NULL CHECK (state IN
                ('sending', 'pending', 'failed', 'accepted', 'cancelled', 'replaced')),
            recipient TEXT NOT NULL,
            language TEXT NOT NULL,
            created_by BIGINT REFERENCES preparer (id),
            created_at {ts} NOT NULL,
            expires_at {ts} NOT NULL,
            sent_at {ts},
            ended_at {ts},
            failure TEXT
        )""",
        "CREATE INDEX invitation_by_client ON invitation (client_id, tax_year, id)",
        # At most one live invitation per client and tax year, whatever races with whatever.
        """CREATE UNIQUE INDEX invitation_one_live ON invitation (client_id, tax_year)
           WHERE state IN ('sending', 'pending')""",
        """CREATE TABLE outbox (
            id {pk},
            invitation_id BIGINT NOT NULL UNIQUE REFERENCES invitation (id),
            message_id TEXT NOT NULL UNIQUE,
            envelope_from TEXT NOT NULL,
            envelope_to TEXT NOT NULL,
            raw {blob},
            state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at {ts} NOT NULL,
            claimed_until {ts},
            last_error TEXT,
            created_at {ts} NOT NULL,
            sent_at {ts}
        )""",
        "CREATE INDEX outbox_due ON outbox (state, next_attempt_at, id)",
    ]
    return [sql.format(blob=blob, **types) for sql in statements]

"""Schema version 10: Accounts payable: invoices, bills for review, expense categories; preparers'
roles (the firm's first account an admin); company events naming who changed what.
"""

from __future__ import annotations

from store.migrations.types import TYPES


def _outbox_for_invoices(backend: str) -> list[str]:
    """The outbox carries invoices sent by email too: a message has an invitation or an
    invoice. SQLite cannot drop a NOT NULL: the table is rebuilt, its return tags kept aside
    first (dropping the old table would cascade to them)."""
    if backend != "sqlite":
        return ["ALTER TABLE outbox ALTER COLUMN invitation_id DROP NOT NULL",
                "ALTER TABLE outbox ADD COLUMN invoice_id BIGINT REFERENCES invoice (id)"]
    columns = ("id, invitation_id, message_id, envelope_from, envelope_to, raw, state, attempts, "
               "next_attempt_at, claimed_until, last_error, created_at, sent_at, claimed_by")
    return [
        "CREATE TABLE outbox_tag_kept AS SELECT return_tag, outbox_id FROM outbox_tag",
        "DROP TABLE outbox_tag",
        """CREATE TABLE outbox_v10 (
            id INTEGER PRIMARY KEY,
            invitation_id BIGINT REFERENCES invitation (id),
            invoice_id BIGINT REFERENCES invoice (id),
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
            claimed_by INTEGER,
            CHECK ((invitation_id IS NULL) <> (invoice_id IS NULL))
        )""",
        f"INSERT INTO outbox_v10 ({columns}) SELECT {columns} FROM outbox",  # noqa: S608 - constant
        "DROP TABLE outbox",
        "ALTER TABLE outbox_v10 RENAME TO outbox",
        "CREATE INDEX outbox_due ON outbox (state, next_attempt_at, id)",
        "CREATE INDEX outbox_by_invitation ON outbox (invitation_id)",
        "CREATE INDEX outbox_by_invoice ON outbox (invoice_id)",
        """CREATE TABLE outbox_tag (
            return_tag TEXT PRIMARY KEY,
            outbox_id BIGINT NOT NULL REFERENCES outbox (id) ON DELETE CASCADE
        )""",
        "CREATE INDEX outbox_tag_by_outbox ON outbox_tag (outbox_id)",
        "INSERT INTO outbox_tag (return_tag, outbox_id) "
        "SELECT return_tag, outbox_id FROM outbox_tag_kept",
        "DROP TABLE outbox_tag_kept",
    ]


def statements(backend: str) -> list[str]:
    """Accounts payable: invoices, bills for review, expense categories; preparers' roles
    (the firm's first account an admin); company events naming who changed what."""
    types = TYPES[backend]
    statements = [
        "ALTER TABLE preparer ADD COLUMN role TEXT NOT NULL DEFAULT 'preparer' "
        "CHECK (role IN ('admin', 'preparer'))",
        "UPDATE preparer SET role = 'admin' WHERE id IN "
        "(SELECT MIN(id) FROM preparer GROUP BY firm_id)",
        """CREATE TABLE expense_category (
            id {pk},
            company_id BIGINT NOT NULL REFERENCES company (id),
            code TEXT NOT NULL,
            name TEXT NOT NULL,
            active {bool} NOT NULL DEFAULT TRUE
        )""",
        "CREATE INDEX expense_category_by_company ON expense_category (company_id, id)",
        # Amounts are decimal text (SQLite has no exact decimal type); dates ISO text.
        """CREATE TABLE invoice (
            id {pk},
            company_id BIGINT NOT NULL REFERENCES company (id),
            customer_id BIGINT NOT NULL REFERENCES contact (id),
            kind TEXT NOT NULL DEFAULT 'invoice' CHECK (kind IN ('invoice', 'credit_note')),
            corrects_id BIGINT REFERENCES invoice (id),
            number TEXT NOT NULL,
            number_key TEXT NOT NULL,
            issue_date TEXT NOT NULL,
            due_date TEXT,
            terms TEXT NOT NULL DEFAULT '',
            currency TEXT NOT NULL DEFAULT 'CAD',
            notes TEXT NOT NULL DEFAULT '',
            net TEXT NOT NULL,
            tax TEXT NOT NULL,
            total TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'draft',
            status_note TEXT NOT NULL DEFAULT '',
            route TEXT,
            sent_at {ts},
            paid_on TEXT,
            paid_method TEXT NOT NULL DEFAULT '',
            created_by BIGINT,
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL,
            version INTEGER NOT NULL DEFAULT 1,
            UNIQUE (company_id, number_key)
        )""",
        "CREATE INDEX invoice_by_company ON invoice (company_id, issue_date, id)",
        """CREATE TABLE invoice_line (
            invoice_id BIGINT NOT NULL REFERENCES invoice (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            description TEXT NOT NULL,
            quantity TEXT NOT NULL,
            unit_price TEXT NOT NULL,
            tax_code TEXT NOT NULL,
            net TEXT NOT NULL,
            PRIMARY KEY (invoice_id, position)
        )""",
        """CREATE TABLE bill (
            id {pk},
            company_id BIGINT NOT NULL REFERENCES company (id),
            vendor_id BIGINT REFERENCES contact (id),
            source TEXT NOT NULL CHECK (source IN ('network', 'ubl', 'manual')),
            dedupe_key TEXT NOT NULL,
            sender_id BIGINT,
            invoice_id BIGINT,
            seller TEXT NOT NULL,
            buyer_name TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL DEFAULT 'invoice',
            number TEXT NOT NULL,
            number_key TEXT NOT NULL,
            corrects_number TEXT NOT NULL DEFAULT '',
            issue_date TEXT NOT NULL,
            due_date TEXT,
            terms TEXT NOT NULL DEFAULT '',
            currency TEXT NOT NULL DEFAULT 'CAD',
            notes TEXT NOT NULL DEFAULT '',
            net TEXT NOT NULL,
            tax TEXT NOT NULL,
            total TEXT NOT NULL,
            payable TEXT NOT NULL,
            taxes TEXT NOT NULL DEFAULT '[]',
            warnings TEXT NOT NULL DEFAULT '[]',
            status TEXT NOT NULL DEFAULT 'review'
                CHECK (status IN ('review', 'scheduled', 'paid', 'rejected', 'duplicate')),
            reason TEXT NOT NULL DEFAULT '',
            pay_on TEXT,
            paid_on TEXT,
            paid_method TEXT NOT NULL DEFAULT '',
            decided_by BIGINT,
            received_at {ts} NOT NULL,
            updated_at {ts} NOT NULL,
            version INTEGER NOT NULL DEFAULT 1,
            UNIQUE (company_id, dedupe_key)
        )""",
        "CREATE INDEX bill_by_status ON bill (company_id, status, id)",
        "CREATE INDEX bill_by_payment ON bill (company_id, status, pay_on, id)",
        "CREATE INDEX bill_by_vendor ON bill (company_id, vendor_id, number_key)",
        # What a page of bills asks for each invoice shown: the credit notes that correct it.
        "CREATE INDEX bill_credit_notes ON bill (company_id, kind, corrects_number)",
        """CREATE TABLE bill_line (
            bill_id BIGINT NOT NULL REFERENCES bill (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            description TEXT NOT NULL,
            quantity TEXT NOT NULL,
            unit_price TEXT NOT NULL,
            net TEXT NOT NULL,
            tax_category TEXT NOT NULL DEFAULT '',
            tax_rate TEXT NOT NULL,
            category_id BIGINT,
            PRIMARY KEY (bill_id, position)
        )""",
        """CREATE TABLE company_event (
            id {pk},
            company_id BIGINT,
            firm_id BIGINT,
            preparer_id BIGINT,
            kind TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '{{}}',
            at {ts} NOT NULL
        )""",
        "CREATE INDEX company_event_by_company ON company_event (company_id, id)",
    ]
    statements += _outbox_for_invoices(backend)
    if backend == "sqlite":
        for table in ("invoice", "bill"):
            for event in ("INSERT", "UPDATE", "DELETE"):
                statements.append(
                    f"CREATE TRIGGER {table}_{event.lower()}_clock AFTER {event} ON {table} "  # noqa: S608
                    "BEGIN UPDATE change_clock SET n = n + 1 WHERE id = 1; END")
    else:
        for table in ("invoice", "bill"):
            statements.append(
                f"CREATE TRIGGER {table}_changes AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION linkdesk_notify_change()")
    return [sql.format(**types) for sql in statements]

"""The schema's versions and the steps between them, applied in order when a store opens."""

from __future__ import annotations

from collections.abc import Callable

# Each migration is a list of statements; `{pk}`, `{ts}` and `{bool}` are filled per backend.
_TYPES = {
    "sqlite": {"pk": "INTEGER PRIMARY KEY", "ts": "TIMESTAMP", "bool": "BOOLEAN"},
    "postgresql": {"pk": "BIGSERIAL PRIMARY KEY", "ts": "TIMESTAMP", "bool": "BOOLEAN"},
}

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


def _v1(backend: str) -> list[str]:
    types = _TYPES[backend]
    return [sql.format(**types) for sql in _V1_TABLES] + _V1_APPEND_ONLY[backend]


def _v2(backend: str) -> list[str]:
    """A trigram index on search_key: rare search terms are found without walking every client."""
    if backend == "sqlite":
        return [
            """CREATE VIRTUAL TABLE client_search USING fts5(
                search_key, content='client', content_rowid='id', tokenize='trigram')""",
            """CREATE TRIGGER client_search_insert AFTER INSERT ON client BEGIN
                INSERT INTO client_search (rowid, search_key) VALUES (new.id, new.search_key);
            END""",
            """CREATE TRIGGER client_search_delete AFTER DELETE ON client BEGIN
                INSERT INTO client_search (client_search, rowid, search_key)
                VALUES ('delete', old.id, old.search_key);
            END""",
            """CREATE TRIGGER client_search_update AFTER UPDATE OF search_key ON client BEGIN
                INSERT INTO client_search (client_search, rowid, search_key)
                VALUES ('delete', old.id, old.search_key);
                INSERT INTO client_search (rowid, search_key) VALUES (new.id, new.search_key);
            END""",
            "INSERT INTO client_search (client_search) VALUES ('rebuild')",
        ]
    # pg_trgm is a trusted extension (PostgreSQL 13+); where it cannot be created the list
    # still works, by scanning.
    return [
        """DO $$ BEGIN
            CREATE EXTENSION IF NOT EXISTS pg_trgm;
        EXCEPTION WHEN OTHERS THEN
            RAISE NOTICE 'pg_trgm unavailable: client search will scan';
        END $$""",
        """DO $$ BEGIN
            IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
                EXECUTE 'CREATE INDEX client_search_trgm ON client '
                        'USING gin (search_key gin_trgm_ops)';
            END IF;
        END $$""",
    ]


def _v3(backend: str) -> list[str]:
    """Invitations (a token hash each) and the outbox of their messages."""
    types = _TYPES[backend]
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


def _v4(backend: str) -> list[str]:
    """PostgreSQL tells listening apps that the pipeline changed (no data in the payload)."""
    if backend == "sqlite":
        return []  # SQLite readers watch PRAGMA data_version instead
    return [
        """CREATE FUNCTION linkdesk_notify_change() RETURNS trigger AS $$
           BEGIN PERFORM pg_notify('linkdesk_changes', ''); RETURN NULL; END $$
           LANGUAGE plpgsql""",
        """CREATE TRIGGER client_changes AFTER INSERT OR UPDATE OR DELETE ON client
           FOR EACH STATEMENT EXECUTE FUNCTION linkdesk_notify_change()""",
        """CREATE TRIGGER client_year_status_changes
           AFTER INSERT OR UPDATE OR DELETE ON client_year_status
           FOR EACH STATEMENT EXECUTE FUNCTION linkdesk_notify_change()""",
    ]


def _v5(backend: str) -> list[str]:
    """The business network: companies' books, their customers and vendors, the directory index.

    `network_word` holds one row per word of every *visible member's* name, keyed by region:
    a word-prefix search is one range scan of its primary key, whatever the term's length.
    Substrings of three characters or more go through a trigram index over the same members
    (FTS5 on SQLite, pg_trgm on PostgreSQL). Hidden members and the firm's books are never in
    either, so no search can reach them.
    """
    types = _TYPES[backend]
    statements = [
        """CREATE TABLE company (
            id {pk},
            kind TEXT NOT NULL CHECK (kind IN ('firm', 'member')),
            firm_id BIGINT REFERENCES firm (id),
            client_id BIGINT UNIQUE REFERENCES client (id),
            member_key TEXT UNIQUE,
            name TEXT NOT NULL,
            name_fold TEXT NOT NULL,
            email TEXT NOT NULL DEFAULT '',
            phone TEXT NOT NULL DEFAULT '',
            website TEXT NOT NULL DEFAULT '',
            address TEXT NOT NULL DEFAULT '',
            city TEXT NOT NULL DEFAULT '',
            region TEXT NOT NULL DEFAULT 'CA',
            plan TEXT NOT NULL DEFAULT 'essentials'
                CHECK (plan IN ('simple_start', 'essentials', 'plus', 'advanced')),
            visible {bool} NOT NULL DEFAULT TRUE,
            version INTEGER NOT NULL DEFAULT 1,
            updated_at {ts} NOT NULL
        )""",
        "CREATE UNIQUE INDEX company_firm_books ON company (firm_id) WHERE kind = 'firm'",
        """CREATE TABLE network_word (
            region TEXT NOT NULL,
            word TEXT NOT NULL,
            company_id BIGINT NOT NULL REFERENCES company (id),
            PRIMARY KEY (region, word, company_id)
        )""",
        "CREATE INDEX network_word_company ON network_word (company_id)",
        """CREATE TABLE contact (
            id {pk},
            company_id BIGINT NOT NULL REFERENCES company (id),
            role TEXT NOT NULL CHECK (role IN ('customer', 'vendor')),
            name TEXT NOT NULL,
            email TEXT NOT NULL DEFAULT '',
            phone TEXT NOT NULL DEFAULT '',
            website TEXT NOT NULL DEFAULT '',
            address TEXT NOT NULL DEFAULT '',
            city TEXT NOT NULL DEFAULT '',
            member_id BIGINT REFERENCES company (id),
            synced_version INTEGER,
            edited {bool} NOT NULL DEFAULT FALSE,
            pending TEXT,
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL
        )""",
        "CREATE INDEX contact_by_company ON contact (company_id, role, name)",
        "CREATE INDEX contact_by_member ON contact (member_id) WHERE member_id IS NOT NULL",
    ]
    if backend == "sqlite":
        statements[2] += " WITHOUT ROWID"
        statements.append(
            """CREATE VIRTUAL TABLE network_search USING fts5(
                name_fold, content='company', content_rowid='id', tokenize='trigram')""")
    else:
        # Byte order: a prefix is a plain range of the primary key.
        statements[2] = statements[2].replace("word TEXT NOT NULL",
                                              'word TEXT COLLATE "C" NOT NULL')
        statements.append(
            """DO $$ BEGIN
                IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
                    EXECUTE 'CREATE INDEX network_search_trgm ON company '
                            'USING gin (name_fold gin_trgm_ops) '
                            'WHERE kind = ''member'' AND visible';
                END IF;
            END $$""")
        statements.append(
            """CREATE TRIGGER company_changes AFTER INSERT OR UPDATE OR DELETE ON company
               FOR EACH STATEMENT EXECUTE FUNCTION linkdesk_notify_change()""")
    return [sql.format(**types) for sql in statements]


def _v6(backend: str) -> list[str]:
    """Reminders: the firm's setting (off by default) and a count on each invitation."""
    return [
        "ALTER TABLE firm ADD COLUMN reminders_on BOOLEAN NOT NULL DEFAULT FALSE",
        "ALTER TABLE firm ADD COLUMN reminder_days INTEGER NOT NULL DEFAULT 7",
        "ALTER TABLE firm ADD COLUMN reminder_max INTEGER NOT NULL DEFAULT 1",
        "ALTER TABLE invitation ADD COLUMN reminders INTEGER NOT NULL DEFAULT 0",
    ]


def _v7(backend: str) -> list[str]:
    """Sign-in failures for names that are no account, shared by every process (a hash of
    the name, never the name); versions that let a save notice a change made meanwhile."""
    types = _TYPES[backend]
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


def _v8(backend: str) -> list[str]:
    """The processes that run the pipeline (a heartbeat each, so that one service serves every
    terminal and a dead one's messages are taken over at once); more than one link per
    invitation (a reminder adds one, the first keeps working)."""
    types = _TYPES[backend]
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


def _v9(backend: str) -> list[str]:
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


def _v10(backend: str) -> list[str]:
    """Accounts payable: invoices, bills for review, expense categories; preparers' roles
    (the firm's first account an admin); company events naming who changed what."""
    types = _TYPES[backend]
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


def _v11(backend: str) -> list[str]:
    """Canadian business numbers (GST/HST registration): a company's own, printed on its
    invoices as the law asks, and a customer's or vendor's, by which an e-invoice's seller is
    matched to its vendor."""
    return ["ALTER TABLE company ADD COLUMN business_number TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE contact ADD COLUMN business_number TEXT NOT NULL DEFAULT ''",
            "CREATE INDEX contact_by_business_number ON contact (company_id, business_number)"]


def _v12(backend: str) -> list[str]:
    """An invitation remembers the bulk run that queued it, the client's status before it and
    the invitation it replaced: a stopped run takes back what the relay has not been handed,
    and the client is as it was."""
    return ["ALTER TABLE invitation ADD COLUMN bulk_run_id BIGINT REFERENCES bulk_run (id)",
            "ALTER TABLE invitation ADD COLUMN previous_status TEXT",
            "ALTER TABLE invitation ADD COLUMN replaced_id BIGINT REFERENCES invitation (id)",
            "CREATE INDEX invitation_by_bulk_run ON invitation (bulk_run_id, state) "
            "WHERE bulk_run_id IS NOT NULL"]


def _v13(backend: str) -> list[str]:
    """A bill is never written over: its key names the document type (a credit note is never
    the update of an invoice), it keeps a digest of what was received (the same document again
    changes nothing), the file it came from, the first bill it is a new version of, and the
    bill it duplicates when marked so. A
    company and a customer or vendor may hold a Peppol participant identifier ("0088:…")."""
    return [
        "ALTER TABLE bill ADD COLUMN digest TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE bill ADD COLUMN source_file TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE bill ADD COLUMN version_of BIGINT REFERENCES bill (id)",
        "ALTER TABLE bill ADD COLUMN duplicate_of BIGINT REFERENCES bill (id)",
        "CREATE INDEX bill_by_version_of ON bill (version_of) WHERE version_of IS NOT NULL",
        # "who:number" becomes "who:kind:number" (the key always ends with its number key)
        "UPDATE bill SET dedupe_key = substr(dedupe_key, 1, length(dedupe_key) - "
        "length(number_key)) || kind || ':' || number_key",
        "ALTER TABLE company ADD COLUMN peppol_id TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE contact ADD COLUMN peppol_id TEXT NOT NULL DEFAULT ''",
    ]


def _v14(backend: str) -> list[str]:
    """The SSH door: preparers' public keys (a key is one person's: its fingerprint is unique),
    the sessions open through it (the service's process, the session's own pid, an end asked
    by an admin), and every sign-in, sign-out and refusal (preparer, key, address, when)."""
    types = _TYPES[backend]
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



def _v15(backend: str) -> list[str]:
    """Invoices by email go in the customer's language: a company has a language (a member's
    is its client's), and a customer or vendor one of its own, empty for the company's."""
    return [
        "ALTER TABLE company ADD COLUMN language TEXT NOT NULL DEFAULT 'en'",
        "UPDATE company SET language = (SELECT client.language FROM client "
        "WHERE client.id = company.client_id) WHERE client_id IS NOT NULL",
        "ALTER TABLE contact ADD COLUMN language TEXT NOT NULL DEFAULT ''",
    ]


def _v16(backend: str) -> list[str]:
    """A client who stopped the reminders (one click in a reminder, RFC 8058) gets no more
    of them; the preparer can still invite by hand."""
    return ["ALTER TABLE client ADD COLUMN reminders_stopped_at {ts}".format(**_TYPES[backend])]


def _v17(backend: str) -> list[str]:
    """Webhooks: each event for the firm's systems waits here, written in the transaction of
    the change it tells, until its receiver answers 2xx; a new one wakes the service."""
    types = _TYPES[backend]
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


MIGRATIONS: list[Callable[[str], list[str]]] = [_v1, _v2, _v3, _v4, _v5, _v6, _v7, _v8, _v9, _v10,
                                                 _v11, _v12, _v13, _v14, _v15, _v16, _v17]
LATEST = len(MIGRATIONS)


class SchemaTooNewError(RuntimeError):
    """The database was written by a newer linkdesk; opening it could damage it."""


def pending(current: int, backend: str) -> list[tuple[int, list[str]]]:
    """Return (version, statements) for every migration after `current`."""
    if current > LATEST:
        raise SchemaTooNewError(
            f"the database is at schema version {current}, this linkdesk knows up to {LATEST}"
        )
    return [(v, MIGRATIONS[v - 1](backend)) for v in range(current + 1, LATEST + 1)]

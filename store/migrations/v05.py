"""Schema version 5: The business network: companies' books, their customers and vendors, the
directory index.
"""

from __future__ import annotations

from store.migrations.types import TYPES


def statements(backend: str) -> list[str]:
    """The business network: companies' books, their customers and vendors, the directory index.

    `network_word` holds one row per word of every *visible member's* name, keyed by region:
    a word-prefix search is one range scan of its primary key, whatever the term's length.
    Substrings of three characters or more go through a trigram index over the same members
    (FTS5 on SQLite, pg_trgm on PostgreSQL). Hidden members and the firm's books are never in
    either, so no search can reach them.
    """
    types = TYPES[backend]
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

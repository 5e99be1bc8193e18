"""Schema version 2: A trigram index on search_key: rare search terms are found without walking
every client.
"""

from __future__ import annotations


def statements(backend: str) -> list[str]:
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

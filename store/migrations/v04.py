"""Schema version 4: PostgreSQL tells listening apps that the pipeline changed (no data in the
payload).
"""

from __future__ import annotations


def statements(backend: str) -> list[str]:
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

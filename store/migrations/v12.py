"""Schema version 12: An invitation remembers the bulk run that queued it, the client's status
before it and the invitation it replaced: a stopped run takes back what the relay has not been
handed, and the client is as it was.
"""

from __future__ import annotations


def statements(backend: str) -> list[str]:
    """An invitation remembers the bulk run that queued it, the client's status before it and
    the invitation it replaced: a stopped run takes back what the relay has not been handed,
    and the client is as it was."""
    return ["ALTER TABLE invitation ADD COLUMN bulk_run_id BIGINT REFERENCES bulk_run (id)",
            "ALTER TABLE invitation ADD COLUMN previous_status TEXT",
            "ALTER TABLE invitation ADD COLUMN replaced_id BIGINT REFERENCES invitation (id)",
            "CREATE INDEX invitation_by_bulk_run ON invitation (bulk_run_id, state) "
            "WHERE bulk_run_id IS NOT NULL"]

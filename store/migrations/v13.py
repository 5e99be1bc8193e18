"""Schema version 13: A bill is never written over: its key names the document type (a credit note
is never the update of an invoice), it keeps a digest of what was received (the same document again
changes nothing), the file it came from, the first bill it is a new version of, and the bill it
duplicates when marked so. A company and a customer or vendor may hold a Peppol participant
identifier ("0088:…").
"""

from __future__ import annotations


def statements(backend: str) -> list[str]:
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

"""Schema version 15: Invoices by email go in the customer's language: a company has a language (a
member's is its client's), and a customer or vendor one of its own, empty for the company's.
"""

from __future__ import annotations


def statements(backend: str) -> list[str]:
    """Invoices by email go in the customer's language: a company has a language (a member's
    is its client's), and a customer or vendor one of its own, empty for the company's."""
    return [
        "ALTER TABLE company ADD COLUMN language TEXT NOT NULL DEFAULT 'en'",
        "UPDATE company SET language = (SELECT client.language FROM client "
        "WHERE client.id = company.client_id) WHERE client_id IS NOT NULL",
        "ALTER TABLE contact ADD COLUMN language TEXT NOT NULL DEFAULT ''",
    ]

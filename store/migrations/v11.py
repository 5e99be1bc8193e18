"""Schema version 11: Canadian business numbers (GST/HST registration): a company's own, printed on
its invoices as the law asks, and a customer's or vendor's, by which an e-invoice's seller is
matched to its vendor.
"""

from __future__ import annotations


def statements(backend: str) -> list[str]:
    """Canadian business numbers (GST/HST registration): a company's own, printed on its
    invoices as the law asks, and a customer's or vendor's, by which an e-invoice's seller is
    matched to its vendor."""
    return ["ALTER TABLE company ADD COLUMN business_number TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE contact ADD COLUMN business_number TEXT NOT NULL DEFAULT ''",
            "CREATE INDEX contact_by_business_number ON contact (company_id, business_number)"]

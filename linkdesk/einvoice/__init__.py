"""E-invoices in the open standard (UBL 2.1, Peppol BIS Billing 3.0, EN 16931 rules)."""

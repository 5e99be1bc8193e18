"""The UBL 2.1 schema check of an e-invoice: element order, types and cardinalities.

libxml2's XML Schema validator through lxml (already how the document is parsed, and about
0.1 ms a document against the 0.1 s it takes once to load the schemas; xmlschema, in pure
Python, would cost each import milliseconds). The schemas are the OASIS files shipped in
`schema/`, read with a parser that never goes on the network.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

SCHEMA_DIR = Path(__file__).with_name("schema")
MAINDOC = {"invoice": "UBL-Invoice-2.1.xsd", "credit_note": "UBL-CreditNote-2.1.xsd"}
MAX_REPORTED = 8  # a file broken everywhere reports its first few faults, not hundreds


@cache
def _schema(kind: str) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True, resolve_entities=True, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / "maindoc" / MAINDOC[kind]), parser))


def schema_faults(root, kind: str) -> list[str]:
    """What in `root` breaks the UBL 2.1 schema of `kind`, one plain line each (none: valid)."""
    schema = _schema(kind)
    if schema.validate(root):
        return []
    faults = []
    for error in list(schema.error_log)[:MAX_REPORTED]:
        message = error.message
        for namespace, prefix in ((_CBC, "cbc:"), (_CAC, "cac:"), (_EXT, "ext:"),
                                  (_INVOICE, ""), (_CREDIT_NOTE, "")):
            message = message.replace("{" + namespace + "}", prefix)
        faults.append(f"line {error.line}: {message}")
    return faults


_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
_EXT = "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2"
_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"

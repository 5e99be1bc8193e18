"""E-invoice files into a company's bills for review: read and checked first (nothing written
for a refused file), the buyer compared with the company, then imported one by one. The command
(`linkdesk bills import`) and the bills screen share it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from linkdesk.einvoice.ubl_read import UblRefused, parse
from store.text import fold


class UnreadableFile(OSError):
    """A file that cannot be read at all (missing, a directory, no permission)."""


def read_documents(paths: list[Path]) -> list[tuple]:
    """(path, document or None, problems or None) for each file, in order, all read before any
    write; checked side by side, one file per validator process."""
    from concurrent.futures import ThreadPoolExecutor

    from linkdesk.einvoice.official import WORKERS

    datas = []
    for path in paths:
        try:
            datas.append(Path(path).read_bytes())
        except OSError as exc:
            raise UnreadableFile(f"{path}: {exc.strerror or exc}") from None
    with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="e-invoice") as pool:
        return [(path, *checked) for path, checked in zip(paths, pool.map(_checked, datas),
                                                          strict=True)]


def _checked(data: bytes) -> tuple:
    try:
        return parse(data), None
    except UblRefused as exc:
        return None, exc.problems


async def import_documents(store, company_id: int, documents: list[tuple]) -> list[dict]:
    """Each checked document as a bill for review; what became of each file."""
    info = await store.network.company(company_id)
    own = fold(info.details.name)
    results = []
    for path, document, problems in documents:
        if document is None:
            results.append({"file": str(path), "outcome": "refused", "problems": [
                {"rule": p.rule, "found": p.found} for p in problems]})
            continue
        buyer = fold(document.buyer.name)
        if buyer and own not in buyer and buyer not in own:
            document = replace(document, warnings=(*document.warnings, "buyer_not_company"))
        done = await store.bills.import_document(company_id, document, Path(path).name)
        results.append({"file": str(path), "outcome": done.outcome, "bill": done.bill_id,
                        "first": done.first_id, "kind": document.kind,
                        "number": document.number, "total": str(document.total),
                        "currency": document.currency, "warnings": list(document.warnings)})
    return results

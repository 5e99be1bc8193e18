"""Accounts payable figures on SQLite (issue 13).

- invoices through the network: 10,000 invoices from one member to 1,000 linked customers
  (each a member in its own books): invoices delivered per second (saved, then sent);
- e-invoices in: 1,000 UBL files (one invoice written by linkdesk's own UBL export, each file
  its own number) imported as bills for review through the same path as `linkdesk bills
  import`, each checked by the UBL schema and the official CEN and Peppol artefacts: files per
  second, the validator already loaded (goal >= 100/s);
- the validator's one-time cost: importing saxonche and compiling both stylesheets, in a fresh
  process (median of 3), seconds;
- the bills-for-review list with 100,000 bills: one page change (the next 100 rows, as the
  screen reads them), p95 in milliseconds (goal <= 33 ms).

    python bench/payables.py [--invoices N] [--files N] [--bills N]

LINKDESK_BENCH_SMALL=1: 50 invoices to 10 customers, 20 files, 1,000 bills.

Last line: a JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _pty_app import cpu_calibration_s, print_figure, sized  # noqa: E402

SAMPLE_NUMBER = "F-BENCH-0001"


async def ubl_sample(tmp: Path) -> bytes:
    """One UBL invoice as another system would send it: written by linkdesk's own export (Peppol
    BIS Billing 3.0), from an invoice of two lines saved in a scratch database. Its number is
    SAMPLE_NUMBER."""
    from linkdesk.einvoice.ubl_write import to_ubl
    from store import Store
    from store.invoices import InvoiceDraft, LineDraft
    from store.validate import Details

    store = await Store.open(str(tmp / "sample.db"))
    try:
        preparer = await store.accounts.create("marie", "m@example.com",
                                               "correct horse battery", "Plomberie Gagnon")
        books = await store.network.firm_books(preparer.firm_id)
        customer = await store.network.add_contact(
            books, "customer", Details("Cabinet", "b@example.com", "", "", "", "Laval"))
        invoice = await store.invoices.save(books, InvoiceDraft(
            customer, SAMPLE_NUMBER, dt.date(2026, 3, 2), dt.date(2026, 4, 1),
            (LineDraft("Service", Decimal("3"), Decimal("95.50"), "GST+QST"),
             LineDraft("Pièces", Decimal("1"), Decimal("42.10"), "GST"))), preparer.id)
        from dataclasses import replace

        document = await store.invoices.document(invoice)
        return to_ubl(replace(  # the participant ids and GST number an export needs
            document, seller=replace(document.seller, endpoint=("0088", "0614141000012"),
                                     identifiers=(("VAT", "CA123456782RT0001"),)),
            buyer=replace(document.buyer, endpoint=("0060", "123456789"))))
    finally:
        await store.close()


async def network_invoices(tmp: Path, count: int, customers: int) -> dict:
    from store import Store
    from store.directory_import import load_members, member_row
    from store.invoices import InvoiceDraft, LineDraft
    from store.models import Company
    from store.validate import Details

    store = await Store.open(str(tmp / "invoices.db"))
    await store.accounts.create("marie", "m@example.com", "correct horse battery", "Cabinet")
    await load_members(store, [member_row("S", "Plomberie Gagnon")] + [
        member_row(f"C{i}", f"Client {i} inc.") for i in range(customers)])
    ids = dict(await store.list(Company.select(Company.member_key, Company.id).tuples()))
    sender = ids["S"]
    contacts = [await store.network.add_contact(
        sender, "customer", Details(f"Client {i} inc.", "", "", "", "", ""),
        member_id=ids[f"C{i}"]) for i in range(customers)]
    lines = (LineDraft("Service", Decimal("3"), Decimal("95.50"), "GST+QST"),
             LineDraft("Pièces", Decimal("1"), Decimal("42.10"), "GST"))
    started = time.perf_counter()
    for n in range(count):
        invoice = await store.invoices.save(sender, InvoiceDraft(
            contacts[n % customers], f"INV-{n:06}", dt.date(2026, 3, 2), dt.date(2026, 4, 1),
            lines), None)
        await store.invoices.send(invoice, None, None)
    seconds = time.perf_counter() - started
    await store.close()
    return {"invoices": count, "customers": customers, "seconds": round(seconds, 1),
            "per_s": round(count / seconds, 1)}


async def ubl_files(tmp: Path, count: int) -> dict:
    from linkdesk import cli_payables
    from store import Store

    folder = tmp / "ubl"
    folder.mkdir()
    data = await ubl_sample(tmp)
    number = f"<cbc:ID>{SAMPLE_NUMBER}</cbc:ID>".encode()
    assert number in data, data[:400]
    for n in range(count):
        (folder / f"{n}.xml").write_bytes(data.replace(number,
                                                       f"<cbc:ID>SN-{n}</cbc:ID>".encode(), 1))
    store = await Store.open(str(tmp / "ubl.db"))
    await store.accounts.create("marie", "m@example.com", "correct horse battery", "Cabinet")
    firm = await store.network.firm_books(await store.firm_id())
    await store.close()

    class Args:
        files = sorted(folder.glob("*.xml"))
        company = str(firm)
        json = True

    import contextlib
    import io

    from linkdesk.einvoice import official

    official.load()  # paid once a process (validator_load below): not in the files per second
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()) as out:
        code = await cli_payables.bills_import(
            str(tmp / "ubl.db"), Args, lambda target, **_options: Store.open(target),
            ValueError)
    seconds = time.perf_counter() - started
    results = json.loads(out.getvalue())
    assert code == 0 and sum(r["outcome"] == "created" for r in results) == count, results[:2]
    return {"files": count, "seconds": round(seconds, 2), "per_s": round(count / seconds, 1)}


def validator_load() -> dict:
    """The one-time cost of the official validator in a fresh process: importing saxonche and
    compiling the CEN and Peppol stylesheets (the app and `linkdesk status` never pay it)."""
    import subprocess

    code = ("import time; t = time.perf_counter(); from linkdesk.einvoice import official; "
            "official.load(); print(time.perf_counter() - t)")
    runs = sorted(float(subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True,
                                       capture_output=True, text=True).stdout)
                  for _ in range(3))
    return {"runs": len(runs), "median_s": round(runs[1], 2)}


async def bills_pages(tmp: Path, count: int) -> dict:
    from store import Store
    from store.models import Bill

    store = await Store.open(str(tmp / "bills.db"))
    await store.accounts.create("marie", "m@example.com", "correct horse battery", "Cabinet")
    company = await store.network.firm_books(await store.firm_id())
    now = store.clock()
    seller = json.dumps({"name": "Plomberie Gagnon"})
    for start in range(0, count, 5000):
        async with store.write():
            await store.insert_rows(Bill, [dict(
                company=company, source="ubl", dedupe_key=f"x:{n}", seller=seller,
                number=f"B-{n}", number_key=f"b{n}", issue_date="2026-03-02",
                due_date="2026-04-01", net=Decimal("100.00"), tax=Decimal("14.98"),
                total=Decimal("114.98"), payable=Decimal("114.98"), received_at=now,
                updated_at=now, status="review") for n in range(start, min(count, start + 5000))])
    times, before = [], None
    for _page in range(300):
        started = time.perf_counter()
        rows = await store.bills.list(company, status="review", before=before, limit=100)
        times.append((time.perf_counter() - started) * 1000)
        before = rows[-1].id if len(rows) == 100 else None
    await store.close()
    times.sort()
    return {"bills": count, "pages": len(times), "p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(times[int(len(times) * 0.95)], 2)}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=sized(10_000, 50))
    parser.add_argument("--customers", type=int, default=sized(1_000, 10))
    parser.add_argument("--files", type=int, default=sized(1_000, 20))
    parser.add_argument("--bills", type=int, default=sized(100_000, 1_000))
    args = parser.parse_args()
    out = {}
    out["validator_load"] = validator_load()
    print(json.dumps(out["validator_load"]), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        out["ubl_import"] = await ubl_files(Path(tmp), args.files)
        print(json.dumps(out["ubl_import"]), flush=True)
        out["bills_page"] = await bills_pages(Path(tmp), args.bills)
        print(json.dumps(out["bills_page"]), flush=True)
        out["network_invoices"] = await network_invoices(Path(tmp), args.invoices,
                                                         args.customers)
        print(json.dumps(out["network_invoices"]), flush=True)
    print_figure({**out, "cpu_calibration_s": cpu_calibration_s()})


if __name__ == "__main__":
    asyncio.run(main())

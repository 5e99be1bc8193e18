"""`linkdesk company list`, `linkdesk bills import|list`, `linkdesk invoices export`: accounts
payable and e-invoices for scripts (one line on stderr and exit 2 for bad input)."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path

from linkdesk.i18n import _
from linkdesk.labels import money


async def _companies(store) -> list[tuple]:
    """Every company with books here: the firm's own, and client companies."""
    from store.models import Company

    return await store.list(
        Company.select(Company.id, Company.name, Company.kind, Company.plan, Company.visible)
        .where((Company.kind == "firm") | Company.client.is_null(False))
        .order_by(Company.kind != "firm", Company.name, Company.id).tuples())


async def resolve_company(store, given: str, usage_error) -> int:
    """C: a company id, its exact name, or `firm` for the firm's own books."""
    if given == "firm":
        firm_id = await store.firm_id()
        if firm_id is None:
            raise usage_error(_("--company: this database has no firm yet"))
        return await store.network.firm_books(firm_id)
    rows = await _companies(store)
    if given.isdigit():
        found = [r for r in rows if r[0] == int(given)]
    else:
        found = [r for r in rows if r[1] == given]
    if len(found) == 1:
        return found[0][0]
    if len(found) > 1:
        raise usage_error(_("--company: {n} companies are named {name!r}; give the id "
                            "(linkdesk company list)").format(n=len(found), name=given))
    raise usage_error(_("--company: no company with books is {name!r} (linkdesk company "
                        "list shows them)").format(name=given))


async def company_list(target, args, open_store, usage_error) -> int:
    store = await open_store(target, must_exist=True, pool_size=1)
    try:
        firm_id = await store.firm_id()
        if firm_id is not None:
            await store.network.firm_books(firm_id)  # the firm's own books always have a row
        rows = await _companies(store)
    finally:
        await store.close()
    items = [{"id": i, "name": name, "firm_books": kind == "firm",
              "plan": None if kind == "firm" else plan,
              "visible": False if kind == "firm" else bool(visible)}
             for i, name, kind, plan, visible in rows]
    if args.json:
        print(json.dumps(items))
        return 0
    from linkdesk.labels import plan_label

    for item in items:
        what = _("the firm's own books") if item["firm_books"] else "{plan}, {seen}".format(
            plan=plan_label(item["plan"]),
            seen=_("visible") if item["visible"] else _("hidden"))
        print(f"{item['id']:>6}  {item['name']}  ({what})")
    return 0


def _bill_json(row, shares) -> dict:
    return {"id": row.id, "vendor": row.vendor, "vendor_id": row.vendor_id,
            "number": row.number, "kind": row.kind, "issue_date": row.issue_date,
            "due_date": row.due_date, "pay_on": row.pay_on, "currency": row.currency,
            "total": str(row.total), "owed": str(row.owed), "status": row.status,
            "source": row.source, "taxes": [
                {"name": t.name, "rate": str(t.rate), "taxable": str(t.taxable),
                 "amount": str(t.amount), "derived": t.derived} for t in shares]}


async def bills_list(target, args, open_store, usage_error) -> int:
    from store.bills import STATUSES

    if args.status and args.status not in STATUSES:
        raise usage_error(_("--status: one of {names}").format(names=", ".join(STATUSES)))
    store = await open_store(target, must_exist=True, pool_size=1)
    try:
        company = await resolve_company(store, args.company, usage_error)
        if args.status == "scheduled":

            days = await store.bills.schedule(company, today=store.today(), days=args.days)
            rows = [bill for day in days for bill in day.bills]
        else:
            rows, before = [], None
            while True:
                page = await store.bills.list(company, status=args.status, before=before,
                                              limit=500)
                rows += page
                if len(page) < 500:
                    break
                before = page[-1].id
        shares = await store.bills.tax_shares_of([r.id for r in rows]) if args.json else {}
    finally:
        await store.close()
    if args.json:
        print(json.dumps([_bill_json(r, shares.get(r.id, [])) for r in rows]))
        return 0
    from linkdesk.labels import bill_status_label

    for r in rows:
        print(f"{r.id:>6}  {r.pay_on or r.due_date or '':10}  {r.vendor[:30]:30}  "
              f"{r.number[:16]:16}  {r.owed:>12} {r.currency}  {bill_status_label(r.status)}")
    return 0


async def bills_import(target, args, open_store, usage_error) -> int:
    """Each file checked, then imported as a bill for review; a refused file names the rules it
    breaks and writes nothing. Exit 0 when every file was taken, 1 when some were refused."""
    from linkdesk.einvoice.intake import UnreadableFile, import_documents, read_documents

    try:
        documents = read_documents(args.files)
    except UnreadableFile as exc:
        raise usage_error(str(exc)) from None
    store = await open_store(target, must_exist=True, pool_size=1)
    try:
        company = await resolve_company(store, args.company, usage_error)
        results = await import_documents(store, company, documents)
    finally:
        await store.close()
    if args.json:
        print(json.dumps(results))
    else:
        from linkdesk.labels import bill_import_line

        for result in results:
            print(bill_import_line(result))
    refused = sum(1 for r in results if r["outcome"] == "refused")
    return 1 if refused else 0


async def bills_taxes(target, args, open_store, usage_error) -> int:
    """The taxes on a company's bills issued in a period, each tax apart: what can be claimed
    as GST/HST input tax credits and as QST input tax refunds."""
    if args.end < args.start:
        raise usage_error(_("--to is before --from"))
    store = await open_store(target, must_exist=True, pool_size=1)
    try:
        company = await resolve_company(store, args.company, usage_error)
        period = await store.bills.tax_period(company, args.start, args.end)
    finally:
        await store.close()
    if args.json:
        def amounts(rows):
            return [{"currency": c, "tax": n, "amount": str(a)} for c, n, a in rows]

        print(json.dumps({
            "company": company, "from": args.start.isoformat(), "to": args.end.isoformat(),
            "approved": amounts(period.approved), "for_review": amounts(period.for_review),
            "input_tax_credits": [{"currency": c, "amount": str(a)}
                                  for c, a in period.claimable("itc")],
            "input_tax_refunds": [{"currency": c, "amount": str(a)}
                                  for c, a in period.claimable("itr")],
            "bills": period.bills, "bills_for_review": period.bills_for_review,
            "derived": period.derived}))
        return 0
    from linkdesk.labels import tax_period_lines

    print("\n".join(tax_period_lines(period)))
    return 0


def _write(path: Path, data: bytes, usage_error) -> None:
    from store.atomic_file import write_atomically

    try:
        write_atomically(path, data)  # whole or not at all: never an empty file on a full disk
    except OSError as exc:
        raise usage_error(f"--ubl {path}: {exc.strerror or exc}") from None


async def invoices_export(target, args, open_store, usage_error) -> int:
    from linkdesk.einvoice.ubl_write import CannotExport, official_faults, to_ubl
    from linkdesk.labels import export_refusal

    store = await open_store(target, must_exist=True, pool_size=1)
    try:
        company = await resolve_company(store, args.company, usage_error)
        invoice = await store.invoices.by_number(company, args.number)
        if invoice is None:
            raise usage_error(_("no invoice {number} in these books").format(
                number=args.number))
        document = await store.invoices.document(invoice)
    finally:
        await store.close()
    try:
        data = to_ubl(document)
    except CannotExport as exc:
        raise usage_error(export_refusal(exc.field)) from None
    faults = official_faults(data)  # the artefacts themselves, before anything is written
    if faults:
        raise usage_error(_("not written: the official rules refuse it ({faults})").format(
            faults="; ".join(faults)))
    if str(args.ubl) == "-":
        sys.stdout.buffer.write(data)
        return 0
    _write(args.ubl, data, usage_error)
    print(_("Wrote invoice {number} ({amount}) to {path}.").format(
        number=document.number, amount=money(Decimal(document.total), document.currency),
        path=args.ubl), file=sys.stderr)
    return 0

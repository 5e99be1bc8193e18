"""Sales invoices in a company's books: drafts, totals, sending, and what the customer's side
reports back (received, scheduled, paid, rejected).

"Send" goes through the network when store.delivery_rules allows it (the invoice arrives in
the customer's books as a bill for review, store.bills); otherwise it is an email with the
UBL file, and the invoice keeps the reason the network was not used.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from peewee import fn

from store import delivery_rules
from store.documents import DocLine, DocTax, Document, Party, TaxPart, number_key
from store.models import Company, Contact, Invoice, InvoiceLine
from store.money import cents
from store.taxes import Totals, codes_for, line_net, tax_code, totals
from store.text import clean_lines, clean_text
from store.versions import ChangedMeanwhile

if TYPE_CHECKING:
    from store.invitations import Envelope
    from store.store import Store

DRAFT, SENT, RECEIVED, SCHEDULED, PAID, REJECTED = (
    "draft", "sent", "received", "scheduled", "paid", "rejected")
STATUSES = (DRAFT, SENT, RECEIVED, SCHEDULED, PAID, REJECTED)
CURRENCIES = ("CAD", "USD", "EUR", "GBP")
MAX_LINES = 500


def _endpoint(peppol_id: str) -> tuple[str, str] | None:
    """A stored "scheme:value" Peppol identifier as a party's endpoint."""
    scheme, _colon, value = peppol_id.partition(":")
    return (scheme, value) if value else None


def _tax_ids(business_number: str) -> tuple[tuple[str, str], ...]:
    """A party's GST/HST registration as a document's VAT identifier: with its country prefix
    (EN 16931 BR-CO-09), as an invoice in Canada must show the supplier's."""
    return (("VAT", "CA" + business_number),) if business_number else ()


class InvoiceError(ValueError):
    """An invoice action refused; `code` says why, `field` which field when it is one."""

    def __init__(self, code: str, field: str = "", line: int | None = None) -> None:
        super().__init__(code)
        self.code, self.field, self.line = code, field, line


@dataclass(frozen=True)
class LineDraft:
    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_code: str


@dataclass(frozen=True)
class InvoiceDraft:
    customer_id: int
    number: str
    issue_date: dt.date
    due_date: dt.date | None
    lines: tuple[LineDraft, ...]
    terms: str = ""
    currency: str = "CAD"
    notes: str = ""
    kind: str = "invoice"
    corrects: int | None = None  # a credit note: the invoice it corrects


@dataclass(frozen=True)
class InvoiceRow:
    id: int
    number: str
    customer: str
    issue_date: str
    due_date: str | None
    currency: str
    total: Decimal
    status: str
    status_note: str
    route: str | None
    kind: str


@dataclass(frozen=True)
class InvoiceView:
    row: InvoiceRow
    company_id: int
    customer_id: int
    terms: str
    notes: str
    lines: tuple[LineDraft, ...]
    nets: tuple[Decimal, ...]
    totals: Totals
    paid_on: str | None
    paid_method: str
    corrects: int | None
    version: int


@dataclass(frozen=True)
class SendPlan:
    """Where an invoice would go and for how much: what a preparer confirms before it does."""

    route: str  # "network" or "email"
    refusal: str | None  # why not the network
    customer: str
    books: str  # the customer's books on the network (route "network")
    email: str  # the customer's address (route "email"; "" when it has none)
    total: Decimal
    currency: str
    status: str  # draft, or what a send again would follow
    previous_route: str | None
    kind: str


@dataclass(frozen=True)
class SendOutcome:
    """What "Send" did: through the network (a bill created, updated, or refused as a
    duplicate of one already approved) or by email, and why not the network."""

    route: str  # "network" or "email"
    refusal: str | None  # why not the network (store.delivery_rules), None when it was used
    bill: str | None = None  # "created", "updated", "refused"


def draft_totals(region: str, lines: list[LineDraft]) -> Totals:
    """The totals of lines as typed (the form shows them as it is filled in)."""
    return totals(region, [(line_net(ln.quantity, ln.unit_price), ln.tax_code) for ln in lines])


def next_number_after(last: str | None) -> str:
    """The number after `last`, keeping its prefix and zero padding ("INV-0041" -> "INV-0042")."""
    if not last:
        return "INV-0001"
    found = re.search(r"(\d+)(\D*)$", last)
    if not found:
        return last + "-1"
    digits, tail = found.group(1), found.group(2)
    return last[:found.start(1)] + str(int(digits) + 1).zfill(len(digits)) + tail


class Invoices:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def _region(self, company_id: int) -> str:
        region = await self.store.scalar(Company.select(Company.region)
                                         .where(Company.id == company_id))
        if region is None:
            raise InvoiceError("unknown_company")
        return region

    async def next_number(self, company_id: int) -> str:
        last = await self.store.scalar(
            Invoice.select(Invoice.number).where(Invoice.company == company_id)
            .order_by(Invoice.id.desc()).limit(1))
        number = next_number_after(last)
        taken = {k for (k,) in await self.store.list(
            Invoice.select(Invoice.number_key).where(Invoice.company == company_id).tuples())}
        while number_key(number) in taken:
            number = next_number_after(number)
        return number

    async def _check(self, company_id: int, draft: InvoiceDraft, invoice_id: int | None):
        region = await self._region(company_id)
        number = clean_text(draft.number)
        if not number:
            raise InvoiceError("number_empty", "number")
        if len(number) > 40:
            raise InvoiceError("number_too_long", "number")
        clash = await self.store.scalar(Invoice.select(Invoice.id).where(
            (Invoice.company == company_id) & (Invoice.number_key == number_key(number))
            & (Invoice.id != (invoice_id or 0))))
        if clash is not None:
            raise InvoiceError("number_taken", "number")
        customer = await self.store.scalar(Contact.select(Contact.id).where(
            (Contact.id == draft.customer_id) & (Contact.company == company_id)
            & (Contact.role == "customer")))
        if customer is None:
            raise InvoiceError("customer_unknown", "customer")
        if draft.due_date is not None and draft.due_date < draft.issue_date:
            raise InvoiceError("due_before_issue", "due_date")
        if draft.currency not in CURRENCIES:
            raise InvoiceError("currency_invalid", "currency")
        if not draft.lines:
            raise InvoiceError("no_lines", "lines")
        if len(draft.lines) > MAX_LINES:
            raise InvoiceError("too_many_lines", "lines")
        allowed = {c.code for c in codes_for(region)}
        for n, line in enumerate(draft.lines, 1):
            if not clean_text(line.description):
                raise InvoiceError("description_empty", "description", n)
            if line.quantity <= 0:
                raise InvoiceError("quantity_invalid", "quantity", n)
            if line.unit_price < 0:
                raise InvoiceError("price_invalid", "unit_price", n)
            if line.tax_code not in allowed:
                raise InvoiceError("tax_code_invalid", "tax_code", n)
        if draft.kind == "credit_note":
            if draft.corrects is None:
                raise InvoiceError("credit_note_needs_invoice", "corrects")
            invoiced = await self.store.scalar(Invoice.select(Invoice.total).where(
                (Invoice.id == draft.corrects) & (Invoice.company == company_id)
                & (Invoice.kind == "invoice") & (Invoice.customer == draft.customer_id)))
            if invoiced is None:
                raise InvoiceError("credit_note_needs_invoice", "corrects")
            # what all its credit notes take off an invoice is at most what it asked for
            invoiced = Decimal(invoiced)
            earlier = await self.store.list(Invoice.select(Invoice.total).where(
                (Invoice.corrects == draft.corrects) & (Invoice.kind == "credit_note")
                & (Invoice.id != (invoice_id or 0))).tuples())
            credited = sum((Decimal(t) for (t,) in earlier), Decimal(0))
            if credited + draft_totals(region, list(draft.lines)).total > invoiced:
                raise InvoiceError("credit_exceeds_invoice", "lines")
        return region, number

    async def save(self, company_id: int, draft: InvoiceDraft, preparer_id: int | None, *,
                   invoice_id: int | None = None, version: int | None = None) -> int:
        """Save a draft (new, or one not sent yet); returns its id."""
        now = self.store.clock()
        async with self.store.write():
            region, number = await self._check(company_id, draft, invoice_id)
            result = draft_totals(region, list(draft.lines))
            values = dict(
                customer=draft.customer_id, kind=draft.kind, corrects=draft.corrects,
                number=number, number_key=number_key(number),
                issue_date=draft.issue_date.isoformat(),
                due_date=draft.due_date.isoformat() if draft.due_date else None,
                terms=clean_text(draft.terms)[:200], currency=draft.currency,
                notes=clean_lines(draft.notes)[:2000],
                net=result.net, tax=result.tax, total=result.total, updated_at=now)
            if invoice_id is None:
                invoice_id = await self.store.execute(Invoice.insert(
                    company=company_id, created_by=preparer_id, created_at=now, **values))
            else:
                current = await self.store.list(Invoice.select(Invoice.status, Invoice.version)
                                                .where(Invoice.id == invoice_id).tuples())
                if not current:
                    raise InvoiceError("unknown_invoice")
                status, current_version = current[0]
                if status != DRAFT:
                    raise InvoiceError("not_a_draft")
                if version is not None and version != current_version:
                    raise ChangedMeanwhile(None, current_version)
                await self.store.execute(Invoice.update(version=Invoice.version + 1, **values)
                                         .where(Invoice.id == invoice_id))
                await self.store.execute(InvoiceLine.delete()
                                         .where(InvoiceLine.invoice == invoice_id))
            await self.store.insert_rows(InvoiceLine, [dict(
                invoice=invoice_id, position=n, description=clean_text(ln.description)[:500],
                quantity=ln.quantity, unit_price=ln.unit_price, tax_code=ln.tax_code,
                net=line_net(ln.quantity, ln.unit_price))
                for n, ln in enumerate(draft.lines, 1)])
        return invoice_id

    async def list(self, company_id: int, *, status: str | None = None,
                   after: InvoiceRow | None = None, limit: int = 100) -> list[InvoiceRow]:
        """Latest issued first, a page at a time (`after`: the last row of the page shown;
        a key, not an offset, so a page costs the same deep in 10,000 invoices)."""
        query = (Invoice.select(Invoice.id, Invoice.number, Contact.name, Invoice.issue_date,
                                Invoice.due_date, Invoice.currency, Invoice.total,
                                Invoice.status, Invoice.status_note, Invoice.route,
                                Invoice.kind)
                 .join(Contact, on=(Invoice.customer == Contact.id))
                 .where(Invoice.company == company_id))
        if status:
            query = query.where(Invoice.status == status)
        if after is not None:
            query = query.where((Invoice.issue_date < after.issue_date)
                                | ((Invoice.issue_date == after.issue_date)
                                   & (Invoice.id < after.id)))
        rows = await self.store.list(query.order_by(Invoice.issue_date.desc(), Invoice.id.desc())
                                     .limit(limit).tuples())
        return [InvoiceRow(i, n, c, d, due, cur, Decimal(t), s, note, r, k)
                for i, n, c, d, due, cur, t, s, note, r, k in rows]

    async def count(self, company_id: int) -> int:
        return await self.store.scalar(Invoice.select(fn.COUNT(Invoice.id))
                                       .where(Invoice.company == company_id))

    async def by_number(self, company_id: int, number: str) -> int | None:
        return await self.store.scalar(Invoice.select(Invoice.id).where(
            (Invoice.company == company_id) & (Invoice.number_key == number_key(number))))

    async def get(self, invoice_id: int) -> InvoiceView:
        rows = await self.store.list(Invoice.select(
            Invoice.id, Invoice.number, Contact.name, Invoice.issue_date, Invoice.due_date,
            Invoice.currency, Invoice.total, Invoice.status, Invoice.status_note, Invoice.route,
            Invoice.kind, Invoice.company, Invoice.customer, Invoice.terms, Invoice.notes,
            Invoice.paid_on, Invoice.paid_method, Invoice.corrects, Invoice.version,
            Company.region)
            .join(Contact, on=(Invoice.customer == Contact.id))
            .join(Company, on=(Invoice.company == Company.id), src=Invoice)
            .where(Invoice.id == invoice_id).tuples())
        if not rows:
            raise InvoiceError("unknown_invoice")
        (i, n, c, d, due, cur, t, s, note, r, k, company_id, customer_id, terms, notes,
         paid_on, paid_method, corrects, version, region) = rows[0]
        lines = await self.store.list(InvoiceLine.select(
            InvoiceLine.description, InvoiceLine.quantity, InvoiceLine.unit_price,
            InvoiceLine.tax_code, InvoiceLine.net).where(InvoiceLine.invoice == invoice_id)
            .order_by(InvoiceLine.position).tuples())
        drafts = tuple(LineDraft(desc, Decimal(q), Decimal(p), code)
                       for desc, q, p, code, _net in lines)
        nets = tuple(Decimal(net) for *_rest, net in lines)
        return InvoiceView(
            InvoiceRow(i, n, c, d, due, cur, Decimal(t), s, note, r, k), company_id,
            customer_id, terms, notes, drafts, nets,
            totals(region, [(net, ln.tax_code) for net, ln in zip(nets, drafts, strict=True)]),
            paid_on, paid_method, corrects, version)

    async def document(self, invoice_id: int) -> Document:
        """The invoice as it travels: its own data, the parties' public details."""
        view = await self.get(invoice_id)
        seller = await self.store.network.company(view.company_id)
        customer = await self.store.network.contact(view.customer_id)
        region = seller.region
        lines = tuple(DocLine(ln.description, ln.quantity, ln.unit_price, net,
                              tax_code(region, ln.tax_code).category,
                              tax_code(region, ln.tax_code).rate)
                      for ln, net in zip(view.lines, view.nets, strict=True))
        grouped: dict[tuple[str, Decimal], list] = {}
        for tax in view.totals.taxes:
            code = tax_code(region, tax.code)
            key = (code.category, code.rate)  # what one e-invoice line can state
            entry = grouped.setdefault(key, [Decimal(0), set(), {}])
            if tax.code not in entry[1]:
                entry[1].add(tax.code)
                entry[0] += tax.taxable
            part = entry[2].setdefault((tax.name, tax.rate), Decimal(0))
            entry[2][(tax.name, tax.rate)] = part + tax.amount
        taxes = tuple(
            DocTax(cat, rate, cents(base), cents(sum(parts.values(), Decimal(0))),
                   "+".join(dict.fromkeys(name for name, _rate in parts if name)),
                   tuple(TaxPart(name, part_rate, cents(amount))
                         for (name, part_rate), amount in parts.items() if name))
            for (cat, rate), (base, _codes, parts) in grouped.items())
        corrects_number = ""
        if view.corrects is not None:
            corrects_number = (await self.get(view.corrects)).row.number
        details = seller.details
        return Document(
            kind=view.row.kind, number=view.row.number, issue_date=view.row.issue_date,
            due_date=view.row.due_date, terms=view.terms, currency=view.row.currency,
            seller=Party(details.name, _tax_ids(seller.business_number), details.email,
                         details.phone, details.address, details.city, region,
                         _endpoint(seller.peppol_id)),
            buyer=Party(customer.details.name, _tax_ids(customer.business_number),
                        customer.details.email,
                        customer.details.phone, customer.details.address,
                        customer.details.city, region, _endpoint(customer.peppol_id)),
            lines=lines, taxes=taxes, net=view.totals.net, tax=view.totals.tax,
            total=view.totals.total, payable=view.totals.total, notes=view.notes,
            corrects_number=corrects_number)

    async def route(self, invoice_id: int) -> tuple[str | None, int | None]:
        """(why the network cannot carry it or None, the receiving member's books)."""
        rows = await self.store.list(
            Invoice.select(Invoice.company, Contact.member).join(
                Contact, on=(Invoice.customer == Contact.id))
            .where(Invoice.id == invoice_id).tuples())
        if not rows:
            raise InvoiceError("unknown_invoice")
        sender_id, receiver_id = rows[0]
        sides = {cid: delivery_rules.Side(cid, kind, bool(visible), region, plan)
                 for cid, kind, visible, region, plan in await self.store.list(
                     Company.select(Company.id, Company.kind, Company.visible, Company.region,
                                    Company.plan)
                     .where(Company.id.in_([sender_id, receiver_id or 0])).tuples())}
        refusal = delivery_rules.network_refusal(sides[sender_id], sides.get(receiver_id))
        return refusal, receiver_id

    async def plan(self, invoice_id: int) -> SendPlan:
        """Where "Send" would take this invoice, said before it goes."""
        view = await self.get(invoice_id)
        refusal, receiver = await self.route(invoice_id)
        customer = await self.store.network.contact(view.customer_id)
        books = ""
        if refusal is None and receiver is not None:  # no refusal: the receiver is known
            books = (await self.store.network.company(receiver)).details.name
        return SendPlan("network" if refusal is None else "email", refusal,
                        customer.details.name, books, customer.details.email,
                        view.row.total, view.row.currency, view.row.status, view.row.route,
                        view.row.kind)

    async def send(self, invoice_id: int, preparer_id: int | None,
                   mail: Callable[[Document, str], Envelope], *,
                   again: bool = False) -> SendOutcome:
        """Send a draft; with `again`, send once more one the customer rejected or has not
        decided on (a sent invoice is never sent again by accident).

        `mail(document, why not the network)` composes the email when the network cannot
        carry it (the service layer's job: text, HTML and the UBL file)."""
        now = self.store.clock()
        view = await self.get(invoice_id)
        if view.row.status not in (DRAFT, SENT, RECEIVED, REJECTED):
            raise InvoiceError("already_decided")
        if view.row.status != DRAFT and not again:
            raise InvoiceError("already_sent")
        refusal, receiver = await self.route(invoice_id)
        if refusal is None:
            document = await self.document(invoice_id)
            async with self.store.write():
                outcome = await self.store.bills.receive(
                    receiver, document, sender_id=view.company_id, invoice_id=invoice_id)
                if outcome == "refused":
                    await self.store.execute(Invoice.update(
                        status_note="duplicate_refused", updated_at=now)
                        .where(Invoice.id == invoice_id))
                else:
                    await self.store.execute(Invoice.update(
                        status=RECEIVED, status_note="", route="network", sent_at=now,
                        updated_at=now, version=Invoice.version + 1)
                        .where(Invoice.id == invoice_id))
            return SendOutcome("network", None, outcome)
        customer = await self.store.network.contact(view.customer_id)
        if not customer.details.email:
            raise InvoiceError("customer_has_no_email", "customer")
        document = await self.document(invoice_id)
        await self.store.invoice_mail.queue(invoice_id, mail(document, refusal), refusal)
        return SendOutcome("email", refusal)

    async def reported(self, invoice_id: int, status: str, note: str = "", *,
                       paid_on: str | None = None, paid_method: str = "") -> None:
        """Inside the caller's transaction: what the customer's side did with the invoice."""
        values = dict(status=status, status_note=note, updated_at=self.store.clock(),
                      version=Invoice.version + 1)
        if status == PAID:
            values.update(paid_on=paid_on, paid_method=paid_method)
        await self.store.execute(Invoice.update(**values).where(Invoice.id == invoice_id))

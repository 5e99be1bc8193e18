"""Bills in a company's books: received through the network or imported, reviewed, approved and
scheduled for payment, paid; each decision reported back to the sender's invoice.

The figures are the sender's, kept exactly as sent (never recomputed: users' first complaint
about such systems is totals that no longer match the paper). The same invoice arriving twice is
one bill (`dedupe_key`, unique per company); a vendor is never created or chosen silently.
"""

from __future__ import annotations

import builtins
import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from peewee import JOIN, fn

from store.documents import DocTax, Document, Party, number_key
from store.models import Bill, BillLine, Contact, ExpenseCategory, Invoice
from store.money import ZERO
from store.text import clean_lines, clean_text, fold
from store.validate import Details

if TYPE_CHECKING:
    from store.store import Store

REVIEW, SCHEDULED, PAID, REJECTED, DUPLICATE = "review", "scheduled", "paid", "rejected", \
    "duplicate"
STATUSES = (REVIEW, SCHEDULED, PAID, REJECTED, DUPLICATE)
OPEN = (REVIEW, SCHEDULED)
PAYMENT_METHODS = ("transfer", "cheque", "card", "cash", "other")
DEFAULT_CATEGORIES = ("advertising", "bank_fees", "cost_of_goods", "insurance", "meals",
                      "office", "professional_fees", "rent", "repairs", "subcontractors",
                      "supplies", "telephone", "travel", "utilities", "other")


class BillError(ValueError):
    """A bill action refused; `code` says why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class BillRow:
    id: int
    vendor: str  # the vendor record's name, or the seller's as sent
    vendor_id: int | None
    number: str
    kind: str
    issue_date: str
    due_date: str | None
    pay_on: str | None
    currency: str
    total: Decimal
    owed: Decimal  # what is left to pay: less the credit notes that correct it; 0 decided
    status: str
    source: str
    paid_on: str | None = None


@dataclass(frozen=True)
class BillView:
    row: BillRow
    company_id: int
    document: Document
    sender_id: int | None
    proposed_vendor: int | None  # a vendor of the same name: proposed, never chosen silently
    proposed_category: int | None  # the category last used for this vendor
    categories: tuple[int | None, ...]  # per line, once approved
    reason: str
    paid_on: str | None
    paid_method: str
    warnings: tuple[str, ...]
    version: int
    duplicate_of: int | None = None


@dataclass(frozen=True)
class Received:
    """What arriving did: "created"; "updated" (a member's invoice sent again, still for
    review); "unchanged" (the same document is held already); "version" (a different document
    under a number held: a new bill beside `first_id`); "refused" (decided already)."""

    outcome: str
    bill_id: int | None
    first_id: int | None = None


@dataclass(frozen=True)
class BillVersion:
    """One version of a document, as the bill's history shows it."""

    bill_id: int
    received_at: dt.datetime
    source: str
    source_file: str
    status: str
    total: Decimal


@dataclass(frozen=True)
class TaxShare:
    """One tax of a bill (GST, HST, QST, PST...) with its rate and amount."""

    name: str
    rate: Decimal
    taxable: Decimal
    amount: Decimal
    derived: bool  # worked out from a sum the document stated (see store.taxes.stated_parts)


# What each tax is to a Québec or Canadian business that paid it.
RECOVERABLE = {"GST": "itc", "HST": "itc", "QST": "itr"}


@dataclass(frozen=True)
class TaxPeriod:
    """A period's taxes on bills, per currency and tax: those approved (scheduled or paid),
    what can be claimed (GST/HST input tax credits, QST input tax refunds), and those still
    for review, counted apart. Credit notes count against."""

    start: dt.date
    end: dt.date
    approved: tuple[tuple[str, str, Decimal], ...]  # (currency, tax name, amount)
    for_review: tuple[tuple[str, str, Decimal], ...]
    bills: int
    bills_for_review: int
    derived: bool  # some amounts were worked out from a combined rate

    def claimable(self, kind: str) -> tuple[tuple[str, Decimal], ...]:
        """Per currency, the approved taxes of `kind` ("itc" or "itr")."""
        sums: dict[str, Decimal] = {}
        for currency, name, amount in self.approved:
            if RECOVERABLE.get(name) == kind:
                sums[currency] = sums.get(currency, ZERO) + amount
        return tuple(sorted(sums.items()))


def tax_shares(document: Document) -> list[TaxShare]:
    """Each tax of the document apart: as sent when it said them apart, else worked out."""
    from store.taxes import stated_parts

    region = document.seller.region or "CA"
    shares: list[TaxShare] = []
    for tax in document.taxes:
        parts = tax.parts or stated_parts(tax.category, tax.rate, tax.taxable, tax.amount,
                                          region)
        shares.extend(TaxShare(p.name, p.rate, tax.taxable, p.amount, p.derived)
                      for p in parts)
    return shares


@dataclass(frozen=True)
class ScheduleDay:
    day: str
    overdue: bool
    bills: tuple[BillRow, ...]
    totals: tuple[tuple[str, Decimal], ...]  # per currency


def _taxes_only(seller: str, taxes: str) -> Document:
    """A bill's taxes and seller's region, as much of its document as tax_shares reads."""
    party = Party.from_json(json.loads(seller))
    return Document("invoice", "", "", None, "", "", party, Party(""), (),
                    tuple(DocTax.from_json(t) for t in json.loads(taxes)), ZERO, ZERO, ZERO,
                    ZERO)


def _listed(sums: dict[tuple[str, str], Decimal]) -> tuple[tuple[str, str, Decimal], ...]:
    order = {"GST": 0, "HST": 1, "QST": 2, "PST": 3, "RST": 4}
    return tuple((c, n, a) for (c, n), a in sorted(
        sums.items(), key=lambda item: (item[0][0], order.get(item[0][1], 9), item[0][1])))


def _same_figures(figures: list, document: Document) -> bool:
    """A bill kept before digests holds the same document when its figures are the same."""
    issued, net, tax, payable = figures
    return (issued, Decimal(net), Decimal(tax), Decimal(payable)) == (
        document.issue_date, document.net, document.tax, document.payable)


def _seller_key(seller: Party) -> str:
    if seller.identifiers:
        scheme, value = seller.identifiers[0]
        return f"id:{scheme}:{fold(value).replace(' ', '')}"
    return f"name:{fold(seller.name)}"


def seller_business_number(seller: Party) -> str:
    """The Canadian business number among a seller's tax identifiers, compact, or ""."""
    from store.validate import TAX_SCHEMES, tax_id_business_number

    for scheme, value in seller.identifiers:
        if scheme.upper() in TAX_SCHEMES and (number := tax_id_business_number(value)):
            return number
    return ""


class Bills:
    def __init__(self, store: Store) -> None:
        self.store = store

    # -- arriving ------------------------------------------------------------------------------

    async def receive(self, company_id: int, document: Document, *, sender_id: int,
                      invoice_id: int) -> str:
        """Inside the caller's transaction: a member's invoice into `company_id`'s books."""
        vendor = await self.store.scalar(Contact.select(Contact.id).where(
            (Contact.company == company_id) & (Contact.role == "vendor")
            & (Contact.member == sender_id)).order_by(Contact.id).limit(1))
        if vendor is None:
            vendor = await self._vendor_by_number(company_id, document.seller)
        done = await self._arrive(company_id, document, "network",
                                  f"member:{sender_id}:{document.kind}:"
                                  f"{number_key(document.number)}",
                                  vendor=vendor, sender_id=sender_id, invoice_id=invoice_id)
        return done.outcome

    async def import_document(self, company_id: int, document: Document,
                              source_file: str = "") -> Received:
        """A UBL document into `company_id`'s books as a bill for review (its own transaction).

        The seller is matched to a vendor by its business number, or else by its identifier
        when an earlier bill from it was given a vendor; a vendor of the same name is only
        proposed at review."""
        seller_key = _seller_key(document.seller)
        async with self.store.write():
            vendor = await self._vendor_by_number(company_id, document.seller)
            vendor = vendor or await self.store.scalar(
                Bill.select(Bill.vendor).where(
                    (Bill.company == company_id) & Bill.vendor.is_null(False)
                    & Bill.dedupe_key.startswith(seller_key + ":"))
                .order_by(Bill.id.desc()).limit(1)) if document.seller.identifiers else None
            warnings = list(document.warnings)
            if vendor is not None:
                same = await self.store.scalar(Bill.select(Bill.id).where(
                    (Bill.company == company_id) & (Bill.vendor == vendor)
                    & (Bill.number_key == number_key(document.number))
                    & ~Bill.dedupe_key.startswith(seller_key + ":")).limit(1))
                if same is not None:
                    warnings.append("possible_duplicate")
            return await self._arrive(
                company_id, document, "ubl",
                f"{seller_key}:{document.kind}:{number_key(document.number)}",
                vendor=vendor, warnings=warnings, source_file=source_file)

    async def _vendor_by_number(self, company_id: int, seller: Party) -> int | None:
        """The vendor whose business number names the same business (the 9 digits: the
        program account may differ or be left out)."""
        number = seller_business_number(seller)
        if not number:
            return None
        return await self.store.scalar(Contact.select(Contact.id).where(
            (Contact.company == company_id) & (Contact.role == "vendor")
            & Contact.business_number.startswith(number[:9])).order_by(Contact.id).limit(1))

    async def _arrive(self, company_id: int, document: Document, source: str, dedupe: str, *,
                      vendor: int | None, sender_id: int | None = None,
                      invoice_id: int | None = None, warnings: list[str] | None = None,
                      source_file: str = "") -> Received:
        """Inside the caller's transaction: the document as a bill, never over another one.

        A member's invoice sent again (the sender's own correction, `invoice_id` the same) is
        that bill again while undecided. A file is a bill of its own unless the very same
        document is held already; a different document under a key already held is a new
        version beside the first, for the preparer to decide."""
        now = self.store.clock()
        digest = document.digest()
        values = dict(
            vendor=vendor, source=source, sender=sender_id, invoice=invoice_id,
            seller=json.dumps(document.seller.as_json()), buyer_name=document.buyer.name,
            kind=document.kind, number=clean_text(document.number),
            number_key=number_key(document.number),
            corrects_number=clean_text(document.corrects_number),
            issue_date=document.issue_date, due_date=document.due_date,
            terms=clean_text(document.terms)[:200], currency=document.currency,
            notes=clean_lines(document.notes)[:2000], net=document.net, tax=document.tax,
            total=document.total, payable=document.payable,
            taxes=json.dumps([t.as_json() for t in document.taxes]),
            warnings=json.dumps(list(warnings or ())), updated_at=now, digest=digest,
            source_file=clean_text(source_file)[:300])
        first = await self.store.list(Bill.select(Bill.id, Bill.status).where(
            (Bill.company == company_id) & (Bill.dedupe_key == dedupe)).tuples())
        if first and invoice_id is not None:
            bill_id, status = first[0]
            if status not in (REVIEW, REJECTED):
                return Received("refused", bill_id)
            await self.store.execute(Bill.update(
                status=REVIEW, reason="", version=Bill.version + 1, **values)
                .where(Bill.id == bill_id))
            await self.store.execute(BillLine.delete().where(BillLine.bill == bill_id))
            outcome = "updated"
        elif first:
            held = await self.store.list(Bill.select(
                Bill.id, Bill.digest, Bill.issue_date, Bill.net, Bill.tax, Bill.payable).where(
                (Bill.id == first[0][0]) | (Bill.version_of == first[0][0]))
                .order_by(Bill.id).tuples())
            for bill_id, held_digest, *figures in held:
                if held_digest == digest or (not held_digest and _same_figures(figures,
                                                                               document)):
                    if not held_digest:  # kept before digests: remember this one's
                        await self.store.execute(Bill.update(digest=digest)
                                                 .where(Bill.id == bill_id))
                    return Received("unchanged", bill_id, first[0][0])
            values["warnings"] = json.dumps([*(warnings or ()), "new_version"])
            bill_id = await self.store.execute(Bill.insert(
                company=company_id, dedupe_key=f"{dedupe}|{digest[:20]}", received_at=now,
                version_of=first[0][0], **values))
            outcome = "version"
        else:
            bill_id = await self.store.execute(Bill.insert(
                company=company_id, dedupe_key=dedupe, received_at=now, **values))
            outcome = "created"
        await self.store.insert_rows(BillLine, [dict(
            bill=bill_id, position=n, description=clean_text(line.description)[:500],
            quantity=line.quantity, unit_price=line.unit_price, net=line.net,
            tax_category=line.tax_category, tax_rate=line.tax_rate)
            for n, line in enumerate(document.lines, 1)])
        return Received(outcome, bill_id, first[0][0] if first else None)

    async def versions(self, bill_id: int) -> list[BillVersion]:
        """Every version of the document this bill is one of, first received first: which
        file (or member) brought which, and what became of each."""
        rows = await self.store.list(Bill.select(Bill.id, Bill.version_of).where(
            Bill.id == bill_id).tuples())
        if not rows:
            raise BillError("unknown_bill")
        first = rows[0][1] or rows[0][0]
        return [BillVersion(i, received, source, source_file, status, Decimal(total))
                for i, received, source, source_file, status, total in await self.store.list(
                    Bill.select(Bill.id, Bill.received_at, Bill.source, Bill.source_file,
                                Bill.status, Bill.total)
                    .where((Bill.id == first) | (Bill.version_of == first))
                    .order_by(Bill.id).tuples())]

    # -- reading -------------------------------------------------------------------------------

    def _rows(self):
        return (Bill.select(Bill.id, fn.COALESCE(Contact.name, Bill.seller), Bill.vendor,
                            Bill.number, Bill.kind, Bill.issue_date, Bill.due_date, Bill.pay_on,
                            Bill.currency, Bill.total, Bill.payable, Bill.status, Bill.source,
                            Bill.paid_on)
                .join(Contact, JOIN.LEFT_OUTER, on=(Bill.vendor == Contact.id)))

    async def _credits(self, company_id: int, numbers: list[str]) -> dict[str, Decimal]:
        """Credit notes (not rejected) per number key of the invoice they correct."""
        if not numbers:
            return {}
        keys = {number_key(n) for n in numbers}
        rows = await self.store.list(Bill.select(Bill.corrects_number, Bill.payable).where(
            (Bill.company == company_id) & (Bill.kind == "credit_note")
            & Bill.status.in_((REVIEW, SCHEDULED, PAID))
            & (Bill.corrects_number != "")).tuples())
        credits: dict[str, Decimal] = {}
        for corrects, payable in rows:
            key = number_key(corrects)
            if key in keys:
                credits[key] = credits.get(key, ZERO) + Decimal(payable)
        return credits

    async def _to_rows(self, company_id: int, rows) -> list[BillRow]:
        credits = await self._credits(company_id, [r[3] for r in rows if r[4] == "invoice"])
        result = []
        for (i, vendor, vendor_id, number, kind, issued, due, pay_on, currency, total, payable,
             status, source, paid_on) in rows:
            if vendor_id is None:
                vendor = json.loads(vendor).get("name", "")
            owed = Decimal(payable)
            if status not in OPEN:
                owed = ZERO  # paid, rejected or a duplicate: nothing is owed on it
            elif kind == "invoice":
                owed = max(ZERO, owed - credits.get(number_key(number), ZERO))
            result.append(BillRow(i, vendor, vendor_id, number, kind, issued, due, pay_on,
                                  currency, Decimal(total), owed, status, source, paid_on))
        return result

    async def list(self, company_id: int, *, status: str | None = None, before: int | None = None,
                   limit: int = 100) -> builtins.list[BillRow]:
        """Newest first, a page at a time (`before`: the last id of the page shown)."""
        query = self._rows().where(Bill.company == company_id)
        if status:
            query = query.where(Bill.status == status)
        if before is not None:
            query = query.where(Bill.id < before)
        rows = await self.store.list(query.order_by(Bill.id.desc()).limit(limit).tuples())
        return await self._to_rows(company_id, rows)

    async def count(self, company_id: int, status: str | None = REVIEW) -> int:
        query = Bill.select(fn.COUNT(Bill.id)).where(Bill.company == company_id)
        if status:
            query = query.where(Bill.status == status)
        return await self.store.scalar(query)

    async def get(self, bill_id: int) -> BillView:
        rows = await self.store.list(self._rows().where(Bill.id == bill_id).tuples())
        if not rows:
            raise BillError("unknown_bill")
        extra = await self.store.list(Bill.select(
            Bill.company, Bill.seller, Bill.buyer_name, Bill.terms, Bill.notes, Bill.net,
            Bill.tax, Bill.taxes, Bill.warnings, Bill.sender, Bill.reason, Bill.paid_on,
            Bill.paid_method, Bill.version, Bill.corrects_number, Bill.payable,
            Bill.duplicate_of).where(Bill.id == bill_id).tuples())
        (company_id, seller, buyer, terms, notes, net, tax, taxes, warnings, sender, reason,
         paid_on, paid_method, version, corrects, payable, duplicate_of) = extra[0]
        row = (await self._to_rows(company_id, rows))[0]
        lines = await self.store.list(BillLine.select(
            BillLine.description, BillLine.quantity, BillLine.unit_price, BillLine.net,
            BillLine.tax_category, BillLine.tax_rate, BillLine.category)
            .where(BillLine.bill == bill_id).order_by(BillLine.position).tuples())
        from store.documents import DocLine

        seller_party = Party.from_json(json.loads(seller))
        document = Document(
            kind=row.kind, number=row.number, issue_date=row.issue_date, due_date=row.due_date,
            terms=terms, currency=row.currency, seller=seller_party, buyer=Party(buyer),
            lines=tuple(DocLine(d, Decimal(q), Decimal(p), Decimal(n), c, Decimal(r))
                        for d, q, p, n, c, r, _cat in lines),
            taxes=tuple(DocTax.from_json(t) for t in json.loads(taxes)),
            net=Decimal(net), tax=Decimal(tax), total=row.total,
            payable=Decimal(payable), notes=notes, corrects_number=corrects)
        proposed_vendor = None
        if row.vendor_id is None:
            proposed_vendor = await self.store.scalar(Contact.select(Contact.id).where(
                (Contact.company == company_id) & (Contact.role == "vendor")
                & (fn.LOWER(Contact.name) == seller_party.name.lower())).limit(1))
        proposed_category = await self.last_category(company_id, row.vendor_id
                                                     or proposed_vendor)
        return BillView(row, company_id, document, sender, proposed_vendor, proposed_category,
                        tuple(cat for *_rest, cat in lines), reason, paid_on, paid_method,
                        tuple(json.loads(warnings)), version, duplicate_of)

    async def last_category(self, company_id: int, vendor_id: int | None) -> int | None:
        if vendor_id is None:
            return None
        return await self.store.scalar(
            BillLine.select(BillLine.category).join(Bill, on=(BillLine.bill == Bill.id))
            .where((Bill.company == company_id) & (Bill.vendor == vendor_id)
                   & BillLine.category.is_null(False))
            .order_by(Bill.updated_at.desc(), Bill.id.desc()).limit(1))

    async def same_number(self, company_id: int, vendor_id: int, number: str,
                          exclude: int | None = None) -> builtins.list[int]:
        """Bills of this vendor with this number (spaces, dashes, leading zeros and case
        aside): shown before a bill is saved, so a duplicate is caught by a person."""
        return [i for (i,) in await self.store.list(Bill.select(Bill.id).where(
            (Bill.company == company_id) & (Bill.vendor == vendor_id)
            & (Bill.number_key == number_key(number)) & (Bill.id != (exclude or 0))
            & Bill.status.not_in((REJECTED, DUPLICATE))).tuples())]

    # -- categories ----------------------------------------------------------------------------

    async def categories(self, company_id: int) -> builtins.list[tuple[int, str, str]]:
        """The company's chart: (id, code, name); the default chart is made on first use."""
        def query():  # a new one each time: peewee keeps an executed query's rows
            return (ExpenseCategory.select(ExpenseCategory.id, ExpenseCategory.code,
                                           ExpenseCategory.name)
                    .where((ExpenseCategory.company == company_id) & ExpenseCategory.active)
                    .order_by(ExpenseCategory.id).tuples())

        rows = await self.store.list(query())
        if rows:
            return rows
        async with self.store.write():
            if not await self.store.list(query()):
                await self.store.insert_rows(ExpenseCategory, [
                    dict(company=company_id, code=code, name=code)
                    for code in DEFAULT_CATEGORIES])
        return await self.store.list(query())

    # -- deciding ------------------------------------------------------------------------------

    async def _open(self, bill_id: int, version: int | None, allowed=(REVIEW,)):
        rows = await self.store.list(Bill.select(
            Bill.company, Bill.status, Bill.version, Bill.invoice, Bill.vendor, Bill.sender,
            Bill.seller, Bill.kind).where(Bill.id == bill_id).tuples())
        if not rows:
            raise BillError("unknown_bill")
        company_id, status, current, invoice_id, vendor, sender, seller, kind = rows[0]
        if status not in allowed:
            raise BillError(f"not_{allowed[0]}")
        if version is not None and version != current:
            from store.versions import ChangedMeanwhile

            raise ChangedMeanwhile(status, current)
        return company_id, invoice_id, vendor, sender, seller, kind

    async def approve(self, bill_id: int, *, categories: builtins.list[int], pay_on: dt.date,
                      preparer_id: int | None, vendor_id: int | None = None,
                      create_vendor: bool = False, version: int | None = None) -> int:
        """Approve for payment on `pay_on`, each line to a category of the company's chart.

        The vendor must be known: the bill's, one chosen (`vendor_id`), or one made from the
        seller's details when asked (`create_vendor`), never silently. Returns the vendor."""
        now = self.store.clock()
        async with self.store.write():
            company_id, invoice_id, vendor, sender, seller, _kind = await self._open(
                bill_id, version)
            if vendor_id is not None:
                ok = await self.store.scalar(Contact.select(Contact.id).where(
                    (Contact.id == vendor_id) & (Contact.company == company_id)
                    & (Contact.role == "vendor")))
                if ok is None:
                    raise BillError("vendor_unknown")
                vendor = vendor_id
            elif vendor is None and create_vendor:
                party = Party.from_json(json.loads(seller))
                vendor = await self.store.execute(Contact.insert(
                    company=company_id, role="vendor", name=party.name[:200],
                    email=party.email, phone=party.phone, address=party.address,
                    city=party.city, member=sender,
                    business_number=seller_business_number(party),
                    synced_version=None, created_at=now, updated_at=now))
            if vendor is None:
                raise BillError("vendor_needed")
            lines = await self.store.scalar(Bill.select(fn.COUNT(BillLine.position))
                                            .join(BillLine, on=(BillLine.bill == Bill.id))
                                            .where(Bill.id == bill_id))
            chart = {i for (i,) in await self.store.list(ExpenseCategory.select(
                ExpenseCategory.id).where(ExpenseCategory.company == company_id).tuples())}
            if len(categories) != lines or any(c not in chart for c in categories):
                raise BillError("categories_needed")
            for position, category in enumerate(categories, 1):
                await self.store.execute(BillLine.update(category=category).where(
                    (BillLine.bill == bill_id) & (BillLine.position == position)))
            await self.store.execute(Bill.update(
                status=SCHEDULED, vendor=vendor, pay_on=pay_on.isoformat(),
                decided_by=preparer_id, updated_at=now, version=Bill.version + 1)
                .where(Bill.id == bill_id))
            if invoice_id is not None:
                await self._report(invoice_id, "scheduled", pay_on.isoformat())
        return vendor

    async def reject(self, bill_id: int, reason: str, preparer_id: int | None, *,
                     version: int | None = None) -> None:
        reason = clean_text(reason)[:500]
        if not reason:
            raise BillError("reason_needed")
        await self._end(bill_id, REJECTED, reason, preparer_id, version)

    async def duplicate_candidates(self, bill_id: int) -> builtins.list[BillRow]:
        """The bills this one may duplicate: its other versions, and the same number from the
        same vendor or seller (spaces, dashes, zeros and case aside), not already set aside."""
        rows = await self.store.list(Bill.select(
            Bill.company, Bill.vendor, Bill.number_key, Bill.kind, Bill.version_of,
            Bill.dedupe_key).where(Bill.id == bill_id).tuples())
        if not rows:
            raise BillError("unknown_bill")
        company_id, vendor, key, kind, version_of, _dedupe = rows[0]
        first = version_of or bill_id
        same = (Bill.id == first) | (Bill.version_of == first)
        if vendor is not None:
            same |= (Bill.vendor == vendor) & (Bill.number_key == key) & (Bill.kind == kind)
        found = await self.store.list(self._rows().where(
            (Bill.company == company_id) & (Bill.id != bill_id) & same
            & Bill.status.not_in((REJECTED, DUPLICATE))).order_by(Bill.id).tuples())
        return await self._to_rows(company_id, found)

    async def mark_duplicate(self, bill_id: int, preparer_id: int | None, *, of: int,
                             version: int | None = None) -> None:
        """Set this bill aside as a duplicate of bill `of` (one of duplicate_candidates)."""
        if of not in {b.id for b in await self.duplicate_candidates(bill_id)}:
            raise BillError("duplicate_of_unknown")
        await self._end(bill_id, DUPLICATE, "duplicate", preparer_id, version, duplicate_of=of)

    async def _end(self, bill_id: int, status: str, reason: str, preparer_id, version,
                   duplicate_of: int | None = None) -> None:
        async with self.store.write():
            _company, invoice_id, *_rest = await self._open(bill_id, version)
            await self.store.execute(Bill.update(
                status=status, reason=reason, decided_by=preparer_id, duplicate_of=duplicate_of,
                updated_at=self.store.clock(), version=Bill.version + 1)
                .where(Bill.id == bill_id))
            if invoice_id is not None:
                await self._report(invoice_id, "rejected", reason)

    async def mark_paid(self, bill_id: int, *, paid_on: dt.date, method: str,
                        preparer_id: int | None, version: int | None = None) -> None:
        if method not in PAYMENT_METHODS:
            raise BillError("method_invalid")
        async with self.store.write():
            _company, invoice_id, *_rest = await self._open(bill_id, version, (SCHEDULED,))
            await self.store.execute(Bill.update(
                status=PAID, paid_on=paid_on.isoformat(), paid_method=method,
                decided_by=preparer_id, updated_at=self.store.clock(),
                version=Bill.version + 1).where(Bill.id == bill_id))
            if invoice_id is not None:
                await self._report(invoice_id, "paid", "", paid_on=paid_on.isoformat(),
                                   method=method)

    async def _report(self, invoice_id: int, status: str, note: str, *,
                      paid_on: str | None = None, method: str = "") -> None:
        exists = await self.store.scalar(Invoice.select(Invoice.id)
                                         .where(Invoice.id == invoice_id))
        if exists is not None:
            await self.store.invoices.reported(invoice_id, status, note, paid_on=paid_on,
                                               paid_method=method)

    # -- taxes ---------------------------------------------------------------------------------

    async def tax_shares_of(self, bill_ids: builtins.list[int],
                            ) -> dict[int, builtins.list[TaxShare]]:
        """Each bill's taxes apart, for a page of bills."""
        if not bill_ids:
            return {}
        rows = await self.store.list(Bill.select(Bill.id, Bill.seller, Bill.taxes).where(
            Bill.id.in_(bill_ids)).tuples())
        return {i: tax_shares(_taxes_only(seller, taxes)) for i, seller, taxes in rows}

    async def tax_period(self, company_id: int, start: dt.date, end: dt.date) -> TaxPeriod:
        """The taxes on the company's bills issued from `start` to `end` (both included)."""
        rows = await self.store.list(Bill.select(
            Bill.kind, Bill.status, Bill.currency, Bill.seller, Bill.taxes).where(
            (Bill.company == company_id) & Bill.status.in_((REVIEW, SCHEDULED, PAID))
            & (Bill.issue_date >= start.isoformat()) & (Bill.issue_date <= end.isoformat()))
            .tuples())
        approved: dict[tuple[str, str], Decimal] = {}
        for_review: dict[tuple[str, str], Decimal] = {}
        counts = {True: 0, False: 0}
        derived = False
        for kind, status, currency, seller, taxes in rows:
            sums = for_review if status == REVIEW else approved
            counts[status == REVIEW] += 1
            sign = -1 if kind == "credit_note" else 1
            document = _taxes_only(seller, taxes)
            for share in tax_shares(document):
                key = (currency, share.name)
                sums[key] = sums.get(key, ZERO) + sign * share.amount
                derived = derived or share.derived
        return TaxPeriod(start, end, _listed(approved), _listed(for_review), counts[False],
                         counts[True], derived)

    # -- the payment schedule ------------------------------------------------------------------

    async def schedule(self, company_id: int, *, today: dt.date, days: int = 30
                       ) -> builtins.list[ScheduleDay]:
        """Bills scheduled up to `days` ahead, per payment date, overdue ones first."""
        until = (today + dt.timedelta(days=days)).isoformat()
        rows = await self.store.list(
            self._rows().where((Bill.company == company_id) & (Bill.status == SCHEDULED)
                               & (Bill.kind == "invoice") & (Bill.pay_on <= until))
            .order_by(Bill.pay_on, Bill.id).tuples())
        bills = await self._to_rows(company_id, rows)
        days_: dict[str, builtins.list[BillRow]] = {}
        for bill in bills:
            days_.setdefault(bill.pay_on or "", []).append(bill)
        result = []
        for day, group in days_.items():
            sums: dict[str, Decimal] = {}
            for bill in group:
                sums[bill.currency] = sums.get(bill.currency, ZERO) + bill.owed
            result.append(ScheduleDay(day, day < today.isoformat(), tuple(group),
                                      tuple(sorted(sums.items()))))
        return result

    async def vendor_details(self, bill_id: int) -> Details:
        """The seller as the bill names it: what a vendor made from it would hold."""
        party = (await self.get(bill_id)).document.seller
        return Details(party.name, party.email, party.phone, "", party.address, party.city)

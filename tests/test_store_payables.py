"""Accounts payable on the network, on both backends: member A invoices its linked customer B;
B's bill for review; approve, schedule, pay; reject with a reason; resend; duplicates; credit
notes; the email path when the network cannot carry it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from store.bills import BillError
from store.directory_import import load_members, member_row
from store.documents import Party
from store.invitations import Envelope
from store.invoices import InvoiceDraft, InvoiceError, LineDraft
from store.models import Company, Outbox
from store.validate import Details
from tests.helpers import make_preparer

D = Decimal
TODAY = dt.date(2026, 3, 2)


async def members(store, *specs) -> list[int]:
    rows = [member_row(f"k{n}", name, region=region, visible=visible, plan=plan)
            for n, (name, region, visible, plan) in enumerate(specs)]
    await load_members(store, rows)
    ids = dict(await store.list(Company.select(Company.member_key, Company.id).tuples()))
    return [ids[r.member_key] for r in rows]


def mailer(sent: list):
    def build(document, why) -> Envelope:
        sent.append((document, why))
        return Envelope(f"<inv-{document.number}-{len(sent)}@x>", "firm@example.com",
                        "b@example.com", b"Subject: invoice\r\n\r\nhello\r\n")
    return build


@pytest.fixture
async def pair(store):
    """A (Plomberie Gagnon) and B (Toiture Fortin), members in CA; A's customer linked to B."""
    firm = await make_preparer(store)
    a, b = await members(store, ("Plomberie Gagnon", "CA", True, "Plus"),
                         ("Toiture Fortin", "CA", True, "Essentials"))
    customer = await store.network.add_contact(
        a, "customer", Details("Toiture Fortin", "b@example.com", "", "", "", ""), member_id=b)
    return firm, a, b, customer


def draft(customer: int, number: str = "INV-0001", **kw) -> InvoiceDraft:
    return InvoiceDraft(
        customer_id=customer, number=number, issue_date=kw.pop("issue_date", TODAY),
        due_date=TODAY + dt.timedelta(days=30),
        lines=kw.pop("lines", (LineDraft("Réparation de toiture", D("3"), D("125.50"), "GST+QST"),
                               LineDraft("Matériaux", D("1"), D("80.00"), "GST"))), **kw)


async def test_the_whole_path_network_bill_approved_scheduled_paid(store, pair):
    firm, a, b, customer = pair
    invoice = await store.invoices.save(a, draft(customer), firm.id)
    view = await store.invoices.get(invoice)
    assert view.totals.net == D("456.50")
    # GST on both lines' sum, QST on the Quebec line alone, each rounded once.
    assert dict(view.totals.by_name()) == {"GST": D("22.83"), "QST": D("37.56")}
    assert view.totals.total == D("516.89")
    sent: list = []
    outcome = await store.invoices.send(invoice, firm.id, mailer(sent))
    assert (outcome.route, outcome.refusal, outcome.bill) == ("network", None, "created")
    assert sent == []
    assert (await store.invoices.get(invoice)).row.status == "received"
    assert await store.bills.count(b) == 1
    (row,) = await store.bills.list(b)
    bill = await store.bills.get(row.id)
    # Exactly as sent: the sender's figures, lines and number.
    assert (bill.row.number, bill.row.total, bill.document.tax) == ("INV-0001", D("516.89"),
                                                                     D("60.39"))
    assert [ln.net for ln in bill.document.lines] == [D("376.50"), D("80.00")]
    assert bill.row.vendor == "Plomberie Gagnon" and bill.row.vendor_id is None
    # No vendor record for A: approving needs one, never made silently.
    categories = [c for c, *_ in await store.bills.categories(b)]
    with pytest.raises(BillError) as refused:
        await store.bills.approve(row.id, categories=categories[:2], pay_on=TODAY,
                                  preparer_id=firm.id)
    assert refused.value.code == "vendor_needed"
    vendor = await store.bills.approve(row.id, categories=categories[:2],
                                       pay_on=TODAY + dt.timedelta(days=20), preparer_id=firm.id,
                                       create_vendor=True)
    made = await store.network.contact(vendor)
    assert made.member_id == a and made.role == "vendor"
    assert (await store.invoices.get(invoice)).row.status == "scheduled"
    schedule = await store.bills.schedule(b, today=TODAY, days=30)
    assert [(d.day, d.totals) for d in schedule] == [("2026-03-22", (("CAD", D("516.89")),))]
    await store.bills.mark_paid(row.id, paid_on=TODAY + dt.timedelta(days=19),
                                method="transfer", preparer_id=firm.id)
    paid = await store.invoices.get(invoice)
    assert (paid.row.status, paid.paid_on, paid.paid_method) == ("paid", "2026-03-21",
                                                                 "transfer")
    # The next bill from A: its vendor is known, its category proposed from the last one.
    second = await store.invoices.save(a, draft(customer, "INV-0002"), firm.id)
    await store.invoices.send(second, firm.id, mailer(sent))
    (newest, _old) = await store.bills.list(b)
    again = await store.bills.get(newest.id)
    assert again.row.vendor_id == vendor and again.proposed_category == categories[0]


async def test_reject_goes_back_with_the_reason_and_a_resend_is_the_same_bill(store, pair):
    firm, a, b, customer = pair
    invoice = await store.invoices.save(a, draft(customer), firm.id)
    await store.invoices.send(invoice, firm.id, mailer([]))
    (row,) = await store.bills.list(b)
    with pytest.raises(BillError):
        await store.bills.reject(row.id, "   ", firm.id)
    await store.bills.reject(row.id, "Mauvais prix", firm.id)
    back = await store.invoices.get(invoice)
    assert (back.row.status, back.row.status_note) == ("rejected", "Mauvais prix")
    outcome = await store.invoices.send(invoice, firm.id, mailer([]), again=True)
    assert outcome.bill == "updated"
    (again,) = await store.bills.list(b)
    assert again.id == row.id and again.status == "review"


async def test_the_same_invoice_twice_is_one_bill_and_refused_once_approved(store, pair):
    firm, a, b, customer = pair
    invoice = await store.invoices.save(a, draft(customer), firm.id)
    assert (await store.invoices.send(invoice, firm.id, mailer([]))).bill == "created"
    with pytest.raises(InvoiceError) as sent:  # never sent twice by accident
        await store.invoices.send(invoice, firm.id, mailer([]))
    assert sent.value.code == "already_sent"
    assert (await store.invoices.send(invoice, firm.id, mailer([]), again=True)
            ).bill == "updated"
    assert await store.bills.count(b) == 1
    (row,) = await store.bills.list(b)
    categories = [c for c, *_ in await store.bills.categories(b)]
    await store.bills.approve(row.id, categories=categories[:2], pay_on=TODAY,
                              preparer_id=firm.id, create_vendor=True)
    with pytest.raises(InvoiceError):
        await store.invoices.send(invoice, firm.id, mailer([]), again=True)  # decided
    assert await store.bills.count(b, None) == 1
    # A number is unique in the company, spaces, dashes, zeros and case aside.
    with pytest.raises(InvoiceError) as taken:
        await store.invoices.save(a, draft(customer, "inv 1"), firm.id)
    assert taken.value.code == "number_taken"
    assert await store.invoices.next_number(a) == "INV-0002"
    assert await store.bills.same_number(b, row.vendor_id or (await store.bills.get(row.id))
                                         .row.vendor_id, "inv-00001") == [row.id]


async def test_a_credit_note_reduces_what_is_owed(store, pair):
    firm, a, b, customer = pair
    invoice = await store.invoices.save(a, draft(customer), firm.id)
    await store.invoices.send(invoice, firm.id, mailer([]))
    credit = await store.invoices.save(a, draft(
        customer, "CN-0001", kind="credit_note", corrects=invoice,
        lines=(LineDraft("Remise", D("1"), D("80.00"), "GST"),)), firm.id)
    await store.invoices.send(credit, firm.id, mailer([]))
    rows = {r.number: r for r in await store.bills.list(b)}
    assert rows["INV-0001"].owed == D("516.89") - D("84.00")
    assert rows["CN-0001"].kind == "credit_note"


async def test_credit_notes_take_off_at_most_what_the_invoice_asked_for(store, pair):
    firm, a, _b, customer = pair
    invoice = await store.invoices.save(a, draft(customer), firm.id)  # $516.89
    half = (LineDraft("Remise", D("1"), D("200.00"), "GST+QST"),)  # $229.95
    first = await store.invoices.save(a, draft(customer, "CN-0001", kind="credit_note",
                                               corrects=invoice, lines=half), firm.id)
    await store.invoices.save(a, draft(customer, "CN-0002", kind="credit_note",
                                       corrects=invoice, lines=half), firm.id)
    with pytest.raises(InvoiceError) as third:  # 3 × $229.95 > $516.89
        await store.invoices.save(a, draft(customer, "CN-0003", kind="credit_note",
                                           corrects=invoice, lines=half), firm.id)
    assert third.value.code == "credit_exceeds_invoice"
    # Editing a credit note counts the others, not itself twice.
    await store.invoices.save(a, draft(customer, "CN-0001", kind="credit_note",
                                       corrects=invoice, lines=half), firm.id,
                              invoice_id=first)
    other = await store.network.add_contact(
        a, "customer", Details("Café Lévesque", "cafe@example.com", "", "", "", ""))
    with pytest.raises(InvoiceError) as elsewhere:  # not another customer's invoice
        await store.invoices.save(a, draft(other, "CN-0004", kind="credit_note",
                                           corrects=invoice, lines=half), firm.id)
    assert elsewhere.value.code == "credit_note_needs_invoice"


async def test_invoices_are_read_a_page_at_a_time_by_key(store, pair):
    firm, a, _b, customer = pair
    for n in range(25):
        await store.invoices.save(a, draft(customer, f"INV-{n + 10:04d}",
                                           issue_date=TODAY - dt.timedelta(days=n % 4)),
                                  firm.id)
    seen, after = [], None
    while page := await store.invoices.list(a, after=after, limit=7):
        seen += page
        after = page[-1]
    assert len(seen) == 25 and len({r.id for r in seen}) == 25
    assert [(r.issue_date, r.id) for r in seen] == sorted(
        ((r.issue_date, r.id) for r in seen), reverse=True)


@pytest.mark.parametrize("change, why", [
    (dict(sender_visible=False), "sender_hidden"),
    (dict(receiver_visible=False), "receiver_hidden"),
    (dict(receiver_plan="simple_start"), "receiver_simple_start"),
])
async def test_when_the_network_cannot_carry_it_it_goes_by_email(store, pair, change, why):
    firm, a, b, customer = pair
    if "sender_visible" in change:
        await store.network.set_visible(a, False)
    if "receiver_visible" in change:
        await store.network.set_visible(b, False)
    if "receiver_plan" in change:
        await store.network.set_plan(b, change["receiver_plan"])
    invoice = await store.invoices.save(a, draft(customer), firm.id)
    sent: list = []
    outcome = await store.invoices.send(invoice, firm.id, mailer(sent))
    assert (outcome.route, outcome.refusal) == ("email", why)
    assert await store.bills.count(b, None) == 0
    view = await store.invoices.get(invoice)
    assert (view.row.status, view.row.route, view.row.status_note) == ("sent", "email", why)
    assert [d.number for d, _why in sent] == ["INV-0001"]
    (job,) = await store.invitations.claim_many(10)
    assert job.invoice_id == invoice and job.invitation_id is None
    from store.invitations import DeliveryResult

    await store.invitations.record([DeliveryResult(job, answer="250 OK")])
    assert await store.scalar(Outbox.select(Outbox.state).where(Outbox.id == job.outbox_id)) \
        == "sent"
    # Visible again: delivery through the network resumes.
    if "sender_visible" in change:
        await store.network.set_visible(a, True)
    elif "receiver_visible" in change:
        await store.network.set_visible(b, True)
    else:
        await store.network.set_plan(b, "essentials")
    second = await store.invoices.save(a, draft(customer, "INV-0002"), firm.id)
    assert (await store.invoices.send(second, firm.id, mailer(sent))).route == "network"


async def test_business_numbers_travel_on_invoices_and_match_the_vendor(store, pair):
    """A's GST/HST number is on its invoices; B's vendor with the same business number (another
    program account, not linked to the member) gets the bill; a vendor made from a bill keeps
    the seller's number."""
    from store.network import NetworkError

    firm, a, b, customer = pair
    other = await store.accounts.create("paul", "p@example.com", "correct horse battery")
    with pytest.raises(NetworkError) as refused:
        await store.network.set_business_number(a, "123456782RT0001", by=other.id)
    assert refused.value.code == "admin_only"
    with pytest.raises(NetworkError) as bad:
        await store.network.set_business_number(a, "123456789", by=firm.id)
    assert bad.value.code == "business_number_invalid"
    await store.network.set_business_number(a, "123 456 782 RT 0001", by=firm.id)
    assert (await store.network.company(a)).business_number == "123456782RT0001"
    vendor = await store.network.add_contact(
        b, "vendor", Details("Gagnon plomberie inc.", "", "", "", "", ""),
        business_number="123456782RT0002")
    assert (await store.network.contact(vendor)).business_number == "123456782RT0002"

    invoice = await store.invoices.save(a, draft(customer), firm.id)
    document = await store.invoices.document(invoice)
    assert document.seller.identifiers == (("VAT", "CA123456782RT0001"),)
    await store.invoices.send(invoice, firm.id, mailer([]))
    (row,) = await store.bills.list(b)
    assert row.vendor_id == vendor  # by its number, though not linked to the member

    # Imported from any system: the same business, matched by number before any earlier bill.
    from dataclasses import replace

    from linkdesk.einvoice.ubl_read import parse
    from linkdesk.einvoice.ubl_write import to_ubl

    def with_peppol_ids(document):  # what an export needs (the profile's participant ids)
        return replace(document, seller=replace(document.seller, endpoint=("0088", "1")),
                       buyer=replace(document.buyer, endpoint=("0088", "2")))

    foreign = parse(to_ubl(with_peppol_ids(await store.invoices.document(
        await store.invoices.save(a, draft(customer, "INV-0042"), firm.id)))))
    got = await store.bills.import_document(b, foreign)
    assert (await store.bills.get(got.bill_id)).row.vendor_id == vendor

    # A vendor made from a bill keeps the seller's number.
    made = replace(parse(to_ubl(with_peppol_ids(await store.invoices.document(invoice)))),
                   number="R-1",
                   seller=Party("Fournitures Roy", (("VAT", "CA897654323RT0001"),),
                                region="CA"))
    imported = await store.bills.import_document(b, made)
    categories = [i for i, *_ in await store.bills.categories(b)]
    new_vendor = await store.bills.approve(
        imported.bill_id, categories=[categories[0]] * len(made.lines), pay_on=TODAY,
        preparer_id=firm.id, create_vendor=True)
    assert (await store.network.contact(new_vendor)).business_number == "897654323RT0001"


def _document(number: str = "F-100", kind: str = "invoice", total: str = "114.98", **kw):
    from store.documents import DocLine, DocTax, Document

    net = D(kw.get("net", "100.00"))
    tax = D(total) - net
    return Document(
        kind=kind, number=number, issue_date="2026-03-01", due_date=kw.get("due"),
        terms="Net 30", currency="CAD", seller=Party("Fournitures Roy", region="CA"),
        buyer=Party("Toiture Fortin", region="CA"),
        lines=(DocLine("Clous", D("1"), net, net, "S", D("14.975")),),
        taxes=(DocTax("S", D("14.975"), net, tax),), net=net, tax=tax, total=D(total),
        payable=D(total), corrects_number=kw.get("corrects", ""))


async def test_no_bill_is_replaced_by_another_document_under_its_number(store, pair):
    """The same document again changes nothing; a credit note under an invoice's number is a
    bill of its own; a different document under a number held is a new version beside the
    first, and the history says which file brought which."""
    _firm, _a, b, _customer = pair
    first = await store.bills.import_document(b, _document(), "a.xml")
    assert first.outcome == "created"
    again = await store.bills.import_document(b, _document(), "a-copy.xml")
    assert (again.outcome, again.bill_id) == ("unchanged", first.bill_id)
    credit = await store.bills.import_document(
        b, _document(kind="credit_note", total="11.50", net="10.00", corrects="F-100"),
        "credit.xml")
    assert credit.outcome == "created" and credit.bill_id != first.bill_id
    changed = await store.bills.import_document(b, _document(total="114.99"), "b.xml")
    assert (changed.outcome, changed.first_id) == ("version", first.bill_id)
    assert changed.bill_id not in (first.bill_id, credit.bill_id)
    kept = await store.bills.get(first.bill_id)
    assert kept.row.total == D("114.98") and kept.row.status == "review"
    newer = await store.bills.get(changed.bill_id)
    assert newer.row.total == D("114.99") and "new_version" in newer.warnings
    assert await store.bills.count(b, None) == 3
    versions = await store.bills.versions(first.bill_id)
    assert [(v.bill_id, v.source_file) for v in versions] == [
        (first.bill_id, "a.xml"), (changed.bill_id, "b.xml")]
    assert await store.bills.versions(changed.bill_id) == versions
    # Each version is held once: the second file again is "already imported" too.
    assert (await store.bills.import_document(b, _document(total="114.99"), "b2.xml")
            ).outcome == "unchanged"
    # Deciding the first does not stop a new version from being shown.
    categories = [c for c, *_ in await store.bills.categories(b)]
    await store.bills.approve(first.bill_id, categories=categories[:1], pay_on=TODAY,
                              preparer_id=None, create_vendor=True)
    third = await store.bills.import_document(b, _document(total="115.00"), "c.xml")
    assert third.outcome == "version" and await store.bills.count(b, None) == 4
    # A duplicate is marked as the duplicate of a named bill, one it can duplicate.
    candidates = await store.bills.duplicate_candidates(third.bill_id)
    assert [c.id for c in candidates] == [first.bill_id, changed.bill_id]
    with pytest.raises(BillError) as unknown:
        await store.bills.mark_duplicate(third.bill_id, None, of=credit.bill_id)
    assert unknown.value.code == "duplicate_of_unknown"
    await store.bills.mark_duplicate(third.bill_id, None, of=first.bill_id)
    marked = await store.bills.get(third.bill_id)
    assert (marked.row.status, marked.duplicate_of, marked.row.owed) == (
        "duplicate", first.bill_id, D("0"))


async def test_gst_and_qst_stay_apart_on_the_bill_and_in_the_period(store, pair):
    """A network invoice's GST and QST arrive apart, exactly as the sender computed them; a
    file that states only their sum (14.975 %) is split by rate, marked as worked out; the
    period's totals say what can be claimed as input tax credits and refunds."""
    from store.bills import tax_shares

    firm, a, b, customer = pair
    invoice = await store.invoices.save(a, draft(customer), firm.id)
    await store.invoices.send(invoice, firm.id, mailer([]))
    (row,) = await store.bills.list(b)
    shares = tax_shares((await store.bills.get(row.id)).document)
    # 3 x 125.50 = 376.50 at GST+QST, 80.00 at GST alone
    assert [(s.name, s.rate, s.amount, s.derived) for s in shares] == [
        ("GST", D("5"), D("18.83"), False), ("QST", D("9.975"), D("37.56"), False),
        ("GST", D("5"), D("4.00"), False)]
    imported = await store.bills.import_document(b, _document(), "roy.xml")
    file_shares = tax_shares((await store.bills.get(imported.bill_id)).document)
    assert [(s.name, s.amount, s.derived) for s in file_shares] == [
        ("GST", D("5.00"), True), ("QST", D("9.98"), True)]
    await store.bills.import_document(
        b, _document("F-7", kind="credit_note", total="11.50", net="10.00", corrects="F-100"),
        "c.xml")
    categories = [c for c, *_ in await store.bills.categories(b)]
    await store.bills.approve(row.id, categories=categories[:2], pay_on=TODAY,
                              preparer_id=firm.id, create_vendor=True)
    period = await store.bills.tax_period(b, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert period.approved == (("CAD", "GST", D("22.83")), ("CAD", "QST", D("37.56")))
    assert period.for_review == (("CAD", "GST", D("4.50")), ("CAD", "QST", D("8.98")))
    assert (period.bills, period.bills_for_review, period.derived) == (1, 2, True)
    assert period.claimable("itc") == (("CAD", D("22.83")),)
    assert period.claimable("itr") == (("CAD", D("37.56")),)
    before = await store.bills.tax_period(b, dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert (before.approved, before.for_review, before.bills) == ((), (), 0)


async def test_peppol_ids_are_checked_kept_and_named_on_the_invoice(store, pair):
    """A company's and a customer's Peppol participant identifiers: a scheme Peppol accepts,
    a value of its shape; only an admin sets the company's; both name the invoice's parties."""
    from store.network import NetworkError

    firm, a, _b, customer = pair
    for bad, code in (("EM:b@example.com", "peppol_scheme_unknown"),
                      ("0088:7300010000002", "peppol_id_invalid"),  # the GLN's check digit
                      ("0060:12345", "peppol_id_invalid")):
        with pytest.raises(NetworkError) as refused:
            await store.network.set_peppol_id(a, bad, by=firm.id)
        assert refused.value.code == code
    other = await store.accounts.create("paul", "p@example.com", "correct horse battery")
    with pytest.raises(NetworkError) as not_admin:
        await store.network.set_peppol_id(a, "0088:7300010000001", by=other.id)
    assert not_admin.value.code == "admin_only"
    await store.network.set_peppol_id(a, " 0088 : 7300010000001 ", by=firm.id)
    assert (await store.network.company(a)).peppol_id == "0088:7300010000001"
    await store.network.edit_contact(customer, (await store.network.contact(customer)).details,
                                     peppol_id="0192:987654321")
    invoice = await store.invoices.save(a, draft(customer), firm.id)
    document = await store.invoices.document(invoice)
    assert document.seller.endpoint == ("0088", "7300010000001")
    assert document.buyer.endpoint == ("0192", "987654321")

"""The accounts-payable commands as scripts use them: company list, bills import and list,
invoices export; bad input is one line and exit 2; roles: a preparer cannot change what the
network sees, through the store or the screen."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
from decimal import Decimal

import pytest

from linkdesk.einvoice.ubl_read import parse
from store.invoices import InvoiceDraft, LineDraft
from store.network import NetworkError
from store.validate import Details
from tests.helpers import make_preparer
from tests.test_ubl import samples


def linkdesk(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "linkdesk", *args], input=stdin,
                          capture_output=True, text=True, timeout=60, env=dict(os.environ))


async def firm_invoice(store) -> tuple[int, int]:
    firm = await make_preparer(store)
    books = await store.network.firm_books(firm.firm_id)
    customer = await store.network.add_contact(
        books, "customer", Details("Toiture Fortin", "b@example.com", "", "", "", "Laval"))
    invoice = await store.invoices.save(books, InvoiceDraft(
        customer, "F-2026-001", dt.date(2026, 3, 2), dt.date(2026, 4, 1),
        (LineDraft("Tenue de livres, mars", Decimal("4.5"), Decimal("85"), "GST+QST"),
         LineDraft("Déclaration", Decimal("1"), Decimal("150"), "GST+QST")),
        notes="Merci!"), firm.id)
    return books, invoice


async def test_an_invoice_exports_as_ubl_and_imports_back_equal(store, db_url, tmp_path):
    books, invoice = await firm_invoice(store)
    out = tmp_path / "out.xml"
    done = linkdesk("--db", db_url, "--lang", "en", "invoices", "export", "f-2026-1",
                    "--company", "firm", "--ubl", str(out))
    # With no Peppol participant identifier on the firm's profile, nothing is written: the
    # official rules would refuse the file (PEPPOL-EN16931-R020), and the command says why.
    assert done.returncode == 2 and not out.exists()
    assert "Peppol participant identifier" in done.stderr
    # Once the profile and the customer hold them, the command writes a file both official
    # rule sets accept (the export runs them before writing).
    firm_id = (await store.network.company(books)).id
    await store.network.set_peppol_id(firm_id, "0088:7300010000001")
    await store.network.set_business_number(firm_id, "123456782RT0001")
    view = await store.invoices.get(invoice)
    await store.network.edit_contact(view.customer_id, (await store.network.contact(
        view.customer_id)).details, peppol_id="0088:0614141000012")
    done = linkdesk("--db", db_url, "--lang", "en", "invoices", "export", "f-2026-1",
                    "--company", "firm", "--ubl", str(out))
    assert done.returncode == 0, done.stderr
    document = parse(out.read_bytes())
    view = await store.invoices.get(invoice)
    assert (document.net, document.tax, document.total) == (view.totals.net, view.totals.tax,
                                                            view.totals.total)
    assert document.total == Decimal("612.25")  # 532.50 + GST 26.63 + QST 53.12
    assert [ln.description for ln in document.lines] == ["Tenue de livres, mars", "Déclaration"]
    assert document.notes == "Merci!" and document.buyer.name == "Toiture Fortin"
    # Into the firm's own bills, as another system would send it: the same figures.
    taken = linkdesk("--db", db_url, "bills", "import", str(out), "--company", "firm", "--json")
    assert taken.returncode == 0, taken.stderr
    (result,) = json.loads(taken.stdout)
    assert result["outcome"] == "created" and result["total"] == str(document.total)
    assert "buyer_not_company" in result["warnings"]  # the buyer is Toiture Fortin, not us
    again = json.loads(linkdesk("--db", db_url, "bills", "import", str(out), "--company",
                                "firm", "--json").stdout)
    assert again[0]["outcome"] == "unchanged"  # the same document twice: one bill
    listed = json.loads(linkdesk("--db", db_url, "bills", "list", "--company", str(books),
                                 "--json").stdout)
    assert [(b["number"], b["status"], b["total"]) for b in listed] == [
        ("F-2026-001", "review", str(document.total))]
    # The file states GST + QST as one 14.975 % subtotal: split by rate, and said to be.
    assert [(t["name"], t["amount"], t["derived"]) for t in listed[0]["taxes"]] == [
        ("GST", "26.63", True), ("QST", "53.12", True)]
    period = linkdesk("--db", db_url, "bills", "taxes", "--company", "firm", "--from",
                      "2026-03-01", "--to", "2026-03-31", "--json")
    assert period.returncode == 0, period.stderr
    taxes = json.loads(period.stdout)
    assert taxes["approved"] == [] and taxes["bills_for_review"] == 1
    assert taxes["for_review"] == [{"currency": "CAD", "tax": "GST", "amount": "26.63"},
                                   {"currency": "CAD", "tax": "QST", "amount": "53.12"}]
    said = linkdesk("--db", db_url, "--lang", "en", "bills", "taxes", "--company", "firm",
                    "--from", "2026-03-01", "--to", "2026-03-31")
    assert "Not counted: 1 bill still for review (GST $26.63, QST $53.12)." in said.stdout
    backwards = linkdesk("--db", db_url, "bills", "taxes", "--company", "firm", "--from",
                         "2026-04-01", "--to", "2026-03-31")
    assert backwards.returncode == 2 and "--to" in backwards.stderr


async def test_every_sample_and_a_broken_one_through_the_command(store, db_url, tmp_path):
    await make_preparer(store)
    files = samples()
    if not files:
        pytest.skip("the Peppol samples are not beside this checkout")
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<Invoice><oops")
    done = linkdesk("--db", db_url, "bills", "import", *map(str, files), str(broken),
                    "--company", "firm", "--json")
    assert done.returncode == 1, done.stderr  # one file refused
    results = json.loads(done.stdout)
    assert results[-1]["outcome"] == "refused" and results[-1]["problems"][0]["rule"] == "XML"
    # The samples reuse numbers for one seller (their README), yet each is a document of its
    # own: one bill each, a credit note never the update of an invoice, none written over.
    assert {r["outcome"] for r in results[:-1]} <= {"created", "version"}
    assert len({r["bill"] for r in results[:-1]}) == len(files)
    listed = json.loads(linkdesk("--db", db_url, "bills", "list", "--company", "firm",
                                 "--json").stdout)
    assert len(listed) == len(files)
    companies = json.loads(linkdesk("--db", db_url, "company", "list", "--json").stdout)
    assert [(c["name"], c["firm_books"]) for c in companies] == [("Cabinet Tremblay", True)]


@pytest.mark.parametrize("args, says", [
    (["bills", "list", "--company", "Nobody Inc."], "--company"),
    (["bills", "list", "--company", "firm", "--status", "lost"], "--status"),
    (["invoices", "export", "X-1", "--company", "firm", "--ubl", "/tmp/x.xml"], "X-1"),
    (["bills", "import", "/nonexistent.xml", "--company", "firm"], "/nonexistent.xml"),
])
async def test_bad_input_is_one_line_and_exit_2(store, db_url, args, says):
    await make_preparer(store)
    done = linkdesk("--db", db_url, *args)
    assert done.returncode == 2, done
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("linkdesk: ") and says in lines[0], lines


async def test_only_an_admin_changes_what_the_network_sees(store):
    admin = await make_preparer(store)
    other = await store.accounts.create("paul", "p@example.com", "correct horse battery")
    assert admin.role == "admin" and other.role == "preparer"
    from store.directory_import import load_members, member_row
    from store.models import Company, CompanyEvent

    await load_members(store, [member_row("k1", "Plomberie Gagnon")])
    company = await store.scalar(Company.select(Company.id).where(Company.member_key == "k1"))
    with pytest.raises(NetworkError) as refused:
        await store.network.set_visible(company, False, by=other.id)
    assert refused.value.code == "admin_only"
    with pytest.raises(NetworkError):
        await store.network.set_plan(company, "plus", by=other.id)
    assert (await store.network.company(company)).visible
    await store.network.set_visible(company, False, by=admin.id)
    events = await store.list(CompanyEvent.select(CompanyEvent.kind, CompanyEvent.preparer)
                              .where(CompanyEvent.company == company).tuples())
    assert events == [("visibility_changed", admin.id)]


def test_user_add_takes_a_role_and_the_first_account_is_an_admin(sqlite_url):
    first = linkdesk("--db", sqlite_url, "user", "add", "marie", "--email", "m@x.ca", "--firm",
                     "Cabinet", "--role", "preparer", stdin="correct horse battery\n")
    assert first.returncode == 0, first.stderr
    second = linkdesk("--db", sqlite_url, "user", "add", "luc", "--email", "l@x.ca", "--role",
                      "admin", stdin="correct horse battery\n")
    assert second.returncode == 0, second.stderr
    bad = linkdesk("--db", sqlite_url, "user", "add", "zoe", "--email", "z@x.ca", "--role",
                   "boss", stdin="correct horse battery\n")
    assert bad.returncode == 2 and "--role" in bad.stderr

    async def roles():
        from store import Store
        from store.models import Preparer

        s = await Store.open(sqlite_url)
        try:
            return await s.list(Preparer.select(Preparer.username, Preparer.role)
                                .order_by(Preparer.id).tuples())
        finally:
            await s.close()

    assert asyncio.run(roles()) == [("marie", "admin"), ("luc", "admin")]
    listed = linkdesk("--db", sqlite_url, "company", "list", "--json")
    assert [(c["name"], c["firm_books"]) for c in json.loads(listed.stdout)] == [
        ("Cabinet", True)]  # the firm's own books, before anything was done in them


async def test_only_an_admin_changes_the_reminder_settings(store):
    from store.models import CompanyEvent
    from store.reminders import ReminderSettings

    admin = await make_preparer(store)
    other = await store.accounts.create("paul", "p@example.com", "correct horse battery")
    with pytest.raises(PermissionError):
        await store.reminders.configure(admin.firm_id, ReminderSettings(True, 7, 1), other.id)
    assert not (await store.reminders.settings(admin.firm_id)).on
    await store.reminders.configure(admin.firm_id, ReminderSettings(True, 7, 1), admin.id)
    assert await store.list(CompanyEvent.select(CompanyEvent.kind, CompanyEvent.preparer)
                            .where(CompanyEvent.firm == admin.firm_id).tuples()) == [
        ("reminder_settings_changed", admin.id)]


def test_amounts_are_written_as_each_language_writes_them():
    from linkdesk.i18n import set_language
    from linkdesk.labels import money

    try:
        set_language("fr")
        assert money(Decimal("1234.56"), "CAD") == "1\u00a0234,56\u00a0$"
        set_language("en")
        assert money(Decimal("1234.56"), "CAD") == "$1,234.56"
    finally:
        set_language("en")

"""Bills on screen, from the keyboard only, at 80x24: a member's invoice arrives in its
customer's books as a bill for review; approve it (a new vendor from its details, a category,
the due date proposed), see it in the payment schedule, mark it paid; the sender's invoice
follows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from textual.widgets import DataTable, Select, Static

from store.directory_import import load_members, member_row
from store.invitations import Envelope
from store.invoices import InvoiceDraft, LineDraft
from store.models import Company
from store.validate import Details
from tests.harness import on_sqlite, running, settle
from tests.helpers import add_client, make_preparer, member_bill
from tests.test_tui_network import open_books
from tui.screens.bill_paid import BillPaidScreen
from tui.screens.bill_review import BillReviewScreen
from tui.screens.bills import BillsScreen
from tui.screens.payment_schedule import PaymentScheduleScreen

pytestmark = on_sqlite


def no_mail(document, why) -> Envelope:
    raise AssertionError("this invoice goes through the network")


async def test_review_approve_schedule_and_pay_from_the_keyboard(store):
    firm = await make_preparer(store)
    client_id = await add_client(store, firm.firm_id, organization_name="Toiture Fortin",
                                 email="info@fortin.ca")
    async with store.write():
        receiver = await store.network.open_books_for(client_id)
    due = store.today() + dt.timedelta(days=10)
    invoice, sent = await member_bill(
        store, firm, receiver, Details("Toiture Fortin", "info@fortin.ca", "", "", "", ""),
        [LineDraft("Fuite [bold]x[/bold]", Decimal("2"), Decimal("95.00"), "GST+QST")], due=due)
    assert sent.route == "network"
    sender = await store.scalar(Company.select(Company.id).where(Company.member_key == "M1"))

    async with running(store, size=(80, 24)) as pilot:
        await open_books(pilot)
        assert "1 bill for review" in str(pilot.app.screen.query_one("#books-header",
                                                                     Static).render())
        await pilot.press("b")
        await settle(pilot)
        bills = pilot.app.screen
        assert isinstance(bills, BillsScreen)
        assert bills.query_one(DataTable).row_count == 1
        await pilot.press("enter")
        await settle(pilot)
        review = pilot.app.screen
        assert isinstance(review, BillReviewScreen)
        text = str(review.query_one("#bill-text", Static).render())
        assert "Fuite [bold]x[/bold]" in text  # what the vendor typed is text, never markup
        # GST and QST apart, as the sender computed them (2 x 95.00 = 190.00)
        assert "Tax GST 5% on $190.00: $9.50" in text, text
        assert "Tax QST 9.975% on $190.00: $18.95" in text, text
        assert review.query_one("#pay-on").value == due.isoformat()  # the due date proposed
        await pilot.press("ctrl+s")  # no vendor chosen yet: said, nothing saved
        await settle(pilot)
        assert "vendor" in str(review.query_one("#form-message", Static).render()).lower()
        assert review.focused is review.query_one("#vendor", Select)
        await pilot.press("enter", "down", "enter")  # the first choice: a new vendor
        await settle(pilot)
        await pilot.press("tab", "enter", "down", "enter")  # the first category
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(pilot.app.screen, BillsScreen)
        assert (await store.bills.list(receiver))[0].status == "scheduled"
        assert (await store.invoices.get(invoice)).row.status == "scheduled"
        vendors = await store.network.contacts(receiver, "vendor")
        assert [(v.details.name, v.member_id) for v in vendors] == [
            ("Plomberie Gagnon & Fils", sender)]
        await pilot.press("s")
        await settle(pilot)
        schedule = pilot.app.screen
        assert isinstance(schedule, PaymentScheduleScreen)
        assert schedule.query_one(DataTable).row_count == 2  # the bill, the day's total
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(pilot.app.screen, BillPaidScreen)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(pilot.app.screen, BillsScreen)
        # A paid bill says so, owes nothing, and has nothing left to decide.
        row = pilot.app.screen.query_one(DataTable).get_row_at(0)
        assert str(row[-1]) == "$0.00", row
        await pilot.press("enter")
        await settle(pilot)
        shown = pilot.app.screen
        assert isinstance(shown, BillReviewScreen)
        text = str(shown.query_one("#bill-text", Static).render())
        assert text.startswith("Paid on ") and "nothing owed" in text, text
        assert "to pay $0.00" in text
        await pilot.press("ctrl+s", "ctrl+d")  # nothing to decide: nothing happens
        await settle(pilot)
        assert (await store.bills.list(receiver))[0].status == "paid"
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("t")  # the quarter's taxes: what can be claimed
        await settle(pilot)
        from tui.screens.bill_taxes import BillTaxesScreen

        assert isinstance(pilot.app.screen, BillTaxesScreen)
        said = str(pilot.app.screen.query_one("#taxes-text", Static).render())
        assert "GST/HST input tax credits: $9.50" in said, said
        assert "QST input tax refunds: $18.95" in said, said
        taxes = pilot.app.screen
        quarter = (taxes.start, taxes.end)
        await pilot.press("left")  # the quarter before: nothing approved in it
        await settle(pilot)
        assert taxes.end < quarter[0] and (taxes.end - taxes.start).days in range(88, 92)
        assert "No approved bill" in str(taxes.query_one("#taxes-text", Static).render())
        await pilot.press("right", "p")  # back, then by month
        await settle(pilot)
        assert taxes.start.day == 1 and taxes.months == 1 and quarter[0] <= taxes.start
    paid = await store.invoices.get(invoice)
    assert (paid.row.status, paid.paid_method) == ("paid", "transfer")


async def test_a_new_invoice_from_the_keyboard_totals_as_typed_then_sent_by_email(store):
    from tui.screens.invoice_form import InvoiceFormScreen
    from tui.screens.invoices import InvoicesScreen

    firm = await make_preparer(store)
    client_id = await add_client(store, firm.firm_id, organization_name="Toiture Fortin",
                                 email="info@fortin.ca")
    async with store.write():
        books = await store.network.open_books_for(client_id)
    await store.network.add_contact(
        books, "customer", Details("Café Lévesque", "cafe@example.com", "", "", "", ""))
    async with running(store, size=(80, 24)) as pilot:
        await open_books(pilot)
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(pilot.app.screen, InvoicesScreen)
        await pilot.press("n")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, InvoiceFormScreen)
        assert form.query_one("#number").value == "INV-0001"  # proposed in sequence
        await pilot.press("enter", "down", "enter")  # the customer
        await pilot.press("tab", "tab", "tab", "tab", "tab")  # number, dates, currency: kept
        await pilot.press(*"Tenue de livres", "tab", *"4,5", "tab", *"85")
        await settle(pilot)
        totals = str(form.query_one("#totals", Static).render())
        assert "$382.50" in totals and "$19.13" in totals and "$401.63" in totals, totals
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(pilot.app.screen, InvoicesScreen)
        (row,) = await store.invoices.list(books)
        assert (row.number, row.total, row.status) == ("INV-0001", Decimal("401.63"), "draft")
        await pilot.press("s")  # asked first: where it goes, and for how much
        from tests.harness import wait_for
        from tui.screens.confirm import ConfirmScreen

        await wait_for(lambda: isinstance(pilot.app.screen, ConfirmScreen))
        question = pilot.app.screen
        assert isinstance(question, ConfirmScreen)
        assert question.question.startswith(
            "Send this invoice of $401.63 to Café Lévesque by email to cafe@example.com (the "
            "customer is not linked to a network member)? It goes without its e-invoice file:"
        ), question.question
        assert "Peppol participant identifier" in question.question
        await pilot.press("n")
        await settle(pilot)
        assert (await store.invoices.list(books))[0].status == "draft"
        await pilot.press("s")  # not linked to a member: by email, and why
        await wait_for(lambda: isinstance(pilot.app.screen, ConfirmScreen))
        await pilot.press("y")
        await settle(pilot)
        (row,) = await store.invoices.list(books)
        assert (row.status, row.route, row.status_note) == ("sent", "email", "not_linked")
        note = str(pilot.app.screen.query_one("#invoice-note", Static).render())
        assert "not linked" in note
        await pilot.press("s")  # sent already: never again on this key
        await settle(pilot)
        assert isinstance(pilot.app.screen, InvoicesScreen)
        await pilot.press("S")  # sending again is its own action, and says what happens
        await wait_for(lambda: isinstance(pilot.app.screen, ConfirmScreen))
        assert "second email" in pilot.app.screen.question
        await pilot.press("escape")
        await settle(pilot)
    from store.models import Outbox

    raws = await store.list(Outbox.select(Outbox.raw).where(Outbox.invoice == row.id).tuples())
    assert len(raws) == 1  # sent once: `s` again did not send it again
    raw = raws[0][0]
    assert b"cafe@example.com" in bytes(raw)
    # Neither the company nor the customer has a Peppol participant identifier: the email goes
    # with its summary, never with a UBL file the official rules would refuse.
    assert b"invoice-INV-0001.xml" not in bytes(raw)


async def test_e_invoices_import_from_the_bills_screen(store, tmp_path):
    from tui.screens.bill_import import BillImportScreen

    firm = await make_preparer(store)
    client_id = await add_client(store, firm.firm_id, organization_name="Toiture Fortin",
                                 email="info@fortin.ca")
    async with store.write():
        books = await store.network.open_books_for(client_id)
    folder = tmp_path / "in"
    folder.mkdir()
    from linkdesk.einvoice.ubl_write import to_ubl
    from store.documents import DocLine, DocTax, Document, Party

    document = Document(
        "invoice", "E-1", "2026-03-02", "2026-04-01", "", "CAD",
        Party("Plomberie Gagnon", (("VAT", "123456789RT0001"),), region="CA",
              endpoint=("0088", "0614141000012")),
        Party("Toiture Fortin", region="CA", endpoint=("0060", "123456789")),
        (DocLine("Service", Decimal("1"), Decimal("100"), Decimal("100.00"), "S",
                 Decimal("5")),), (DocTax("S", Decimal("5"), Decimal("100.00"),
                                         Decimal("5.00")),),
        Decimal("100.00"), Decimal("5.00"), Decimal("105.00"), Decimal("105.00"))
    (folder / "e-1.xml").write_bytes(to_ubl(document))
    (folder / "zz-broken.xml").write_bytes(b"<Invoice><nope")
    async with running(store, size=(80, 24)) as pilot:
        await open_books(pilot)
        await pilot.press("b")
        await settle(pilot)
        await pilot.press("I")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, BillImportScreen)
        dialog.query_one("#path").value = str(folder)
        await pilot.press("enter")
        await settle(pilot)
        said = str(dialog.query_one("#results", Static).render())
        assert "for review" in said, said
        assert "zz-broken.xml: refused: XML: not well-formed XML at line 1, column 15:" in said
        assert "(<string>" not in said  # the parser's own location, once, in words
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, BillsScreen)
        assert pilot.app.screen.query_one(DataTable).row_count == 1
    assert await store.bills.count(books) == 1


async def test_a_draft_is_edited_from_the_list(store):
    from tui.screens.invoice_form import InvoiceFormScreen
    from tui.screens.invoices import InvoicesScreen

    firm = await make_preparer(store)
    client_id = await add_client(store, firm.firm_id, organization_name="Toiture Fortin",
                                 email="info@fortin.ca")
    async with store.write():
        books = await store.network.open_books_for(client_id)
    customer = await store.network.add_contact(
        books, "customer", Details("Café Lévesque", "cafe@example.com", "", "", "", ""))
    invoice = await store.invoices.save(books, InvoiceDraft(
        customer, "INV-0007", store.today(), None,
        (LineDraft("Tenue de livres", Decimal("1"), Decimal("85"), "GST"),)), firm.id)
    async with running(store, size=(80, 24)) as pilot:
        await open_books(pilot)
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(pilot.app.screen, InvoicesScreen)
        await pilot.press("e")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, InvoiceFormScreen)
        assert form.query_one("#number").value == "INV-0007"
        assert [i.value for i in form.query("LineRow Input")] == ["Tenue de livres", "1", "85"]
        assert "$89.25" in str(form.query_one("#totals", Static).render())
        await pilot.press("tab", "tab", "tab", "tab", "tab", "tab", "2")  # the quantity
        await settle(pilot)
        assert "$178.50" in str(form.query_one("#totals", Static).render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(pilot.app.screen, InvoicesScreen)
    view = await store.invoices.get(invoice)
    assert view.totals.total == Decimal("178.50") and view.row.number == "INV-0007"


async def test_a_change_made_elsewhere_reaches_the_screens_beneath_a_dialog(store):
    """One app-level signal: an acceptance that arrives while Help is open reaches the list
    beneath, and a bill that arrives while the books are open shows in their header."""
    from store.models import ClientYearStatus
    from tests.helpers import set_status
    from tui.screens.books import BooksScreen
    from tui.screens.help import HelpScreen

    firm = await make_preparer(store)
    client_id = await add_client(store, firm.firm_id, organization_name="Toiture Fortin",
                                 email="info@fortin.ca")
    await set_status(store, client_id, 2025, "accepted")
    async with store.write():
        receiver = await store.network.open_books_for(client_id)
    other = await add_client(store, firm.firm_id, organization_name="Zed Ltd", email="z@x.ca")
    await set_status(store, other, 2025, "pending")
    await load_members(store, [member_row("M1", "Plomberie Gagnon & Fils")])
    sender = await store.scalar(Company.select(Company.id).where(Company.member_key == "M1"))
    customer = await store.network.add_contact(
        sender, "customer", Details("Toiture Fortin", "", "", "", "", ""), member_id=receiver)
    async with running(store, size=(80, 24)) as pilot:
        await open_books(pilot)
        books = pilot.app.screen
        assert isinstance(books, BooksScreen)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(pilot.app.screen, HelpScreen)
        # Meanwhile, elsewhere: a bill arrives, and Zed Ltd accepts.
        invoice = await store.invoices.save(sender, InvoiceDraft(
            customer, "PG-1", store.today(), None,
            (LineDraft("Service", Decimal("1"), Decimal("10"), "GST"),)), None)
        await store.invoices.send(invoice, None, no_mail)
        await store.execute(ClientYearStatus.update(status="accepted").where(
            ClientYearStatus.client == other))
        pilot.app.store_changed()  # what the runtime's change watcher calls
        await pilot.pause(0.4)
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert "1 bill for review" in str(books.query_one("#books-header", Static).render())
        await pilot.press("escape")
        await settle(pilot)
        from tests.harness import table

        t = table(pilot.app)
        rows = {row.display_name: row.status for row in t.loaded_rows()}
        assert rows["Zed Ltd"] == "accepted", rows


async def test_keys_typed_ahead_into_the_bills_act_on_its_rows_once_loaded(store):
    """`b`, `↓`, `r` in one burst from the books: the review opens on the second bill, as if
    typed slowly (the keys used to reach the list before its first rows were read)."""
    from tests.harness import burst

    firm = await make_preparer(store)
    client_id = await add_client(store, firm.firm_id, organization_name="Toiture Fortin",
                                 email="info@fortin.ca")
    async with store.write():
        receiver = await store.network.open_books_for(client_id)
    await load_members(store, [member_row("M1", "Plomberie Gagnon & Fils")])
    sender = await store.scalar(Company.select(Company.id).where(Company.member_key == "M1"))
    customer = await store.network.add_contact(
        sender, "customer", Details("Toiture Fortin", "", "", "", "", ""), member_id=receiver)
    for number in ("PG-1", "PG-2"):
        invoice = await store.invoices.save(sender, InvoiceDraft(
            customer, number, store.today(), None,
            (LineDraft("Service", Decimal("1"), Decimal("10"), "GST"),)), None)
        await store.invoices.send(invoice, None, no_mail)
    async with running(store, size=(80, 24)) as pilot:
        await open_books(pilot)
        burst(pilot, "b", "down", "r")
        await settle(pilot)
        review = pilot.app.screen
        assert isinstance(review, BillReviewScreen)
        assert review.view.row.number == "PG-1"  # newest first: the second row


async def _books_with_customer(store):
    firm = await make_preparer(store)
    client_id = await add_client(store, firm.firm_id, organization_name="Toiture Fortin",
                                 email="info@fortin.ca")
    async with store.write():
        books = await store.network.open_books_for(client_id)
    customer = await store.network.add_contact(
        books, "customer", Details("Café Lévesque", "cafe@example.com", "", "", "", ""))
    return firm, books, customer


async def test_a_credit_note_on_a_sent_invoice_from_the_keyboard(store):
    from tui.screens.invoice_form import InvoiceFormScreen
    from tui.screens.invoices import InvoicesScreen

    firm, books, customer = await _books_with_customer(store)
    invoice = await store.invoices.save(books, InvoiceDraft(
        customer, "INV-0001", store.today(), store.today() + dt.timedelta(days=30),
        (LineDraft("Tenue de livres", Decimal("4"), Decimal("100.00"), "GST+QST"),)), firm.id)
    from linkdesk.einvoice.mail import compose_invoice

    await store.invoices.send(invoice, firm.id,
                              lambda doc, why: compose_invoice(doc, "p@example.com",
                                                               store.clock()))
    async with running(store, size=(80, 24)) as pilot:
        await open_books(pilot)
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(pilot.app.screen, InvoicesScreen)
        await pilot.press("c")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, InvoiceFormScreen)
        assert "INV-0001" in str(form.query_one(".title", Static).render())
        assert form.query_one("#customer", Select).value == customer  # its invoice's customer
        assert form.query_one("#customer", Select).disabled
        description = form.focused  # the first line, to change into what is credited
        assert description.value == "Tenue de livres"
        await pilot.press("tab", "ctrl+a", "ctrl+k", "5")  # more than was invoiced
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(pilot.app.screen, InvoiceFormScreen)
        assert "more than" in str(form.query_one("#form-message", Static).render())
        await pilot.press("ctrl+a", "ctrl+k", "1")  # one hour credited
        await settle(pilot)
        assert "$114.98" in str(form.query_one("#totals", Static).render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(pilot.app.screen, InvoicesScreen)
        rows = {r.number: r for r in await store.invoices.list(books)}
        credit = rows["INV-0002"]
        assert (credit.kind, credit.total, credit.status) == ("credit_note", Decimal("114.98"),
                                                              "draft")
        assert (await store.invoices.get(credit.id)).corrects == invoice
        table = pilot.app.screen.query_one(DataTable)
        cells = [str(c) for c in table.get_row(str(credit.id))]
        assert any("Credit note" in c for c in cells) and any("-$114.98" in c or "−$114.98"
                                                              in c for c in cells), cells


async def test_the_invoices_list_reads_a_page_at_a_time_down_to_the_last(store):
    from tui.paged_rows import PAGE
    from tui.screens.invoices import InvoicesScreen

    firm, books, customer = await _books_with_customer(store)
    total = PAGE + 30
    for n in range(total):
        await store.invoices.save(books, InvoiceDraft(
            customer, f"INV-{n:04d}", store.today() - dt.timedelta(days=n % 7), None,
            (LineDraft("Service", Decimal("1"), Decimal("10"), "GST+QST"),)), firm.id)
    async with running(store, size=(80, 24)) as pilot:
        await open_books(pilot)
        await pilot.press("i")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, InvoicesScreen)
        assert f"{total} invoices" in str(screen.query_one("#invoices-header",
                                                           Static).render())
        table = screen.query_one(DataTable)
        assert table.row_count == PAGE
        await pilot.press("end")  # the last row, as in the client list
        await settle(pilot)
        await pilot.press("end")  # the last row, as in the client list
        await settle(pilot)
        assert table.row_count == total
        numbers = [r.number for r in screen.rows]
        assert len(set(numbers)) == total  # every invoice once, none skipped at a page edge
        dates = [r.issue_date for r in screen.rows]
        assert dates == sorted(dates, reverse=True)


async def test_an_empty_bills_list_says_what_arrives_there(store):
    await _books_with_customer(store)
    async with running(store, size=(80, 24)) as pilot:
        await open_books(pilot)
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(pilot.app.screen, BillsScreen)
        empty = pilot.app.screen.query_one("#bills-empty", Static)
        assert empty.display and "No bills yet" in str(empty.render())


async def test_the_bills_list_on_top_shows_a_bill_that_arrives(store):
    """No Escape, no other screen: the change signal alone redraws the list on top (LiveScreen's
    handler was a mixin's @on, which Textual never called)."""
    _firm, books, _customer = await _books_with_customer(store)
    await load_members(store, [member_row("M1", "Plomberie Gagnon & Fils")])
    sender = await store.scalar(Company.select(Company.id).where(Company.member_key == "M1"))
    customer = await store.network.add_contact(
        sender, "customer", Details("Toiture Fortin", "", "", "", "", ""), member_id=books)
    async with running(store, size=(80, 24)) as pilot:
        await open_books(pilot)
        await pilot.press("b")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, BillsScreen) and screen.query_one("#bills-empty").display
        invoice = await store.invoices.save(sender, InvoiceDraft(
            customer, "PG-9", store.today(), None,
            (LineDraft("Service", Decimal("1"), Decimal("10"), "GST"),)), None)
        await store.invoices.send(invoice, None, no_mail)
        pilot.app.store_changed()  # what the runtime's change watcher calls
        await pilot.pause(0.4)
        await settle(pilot)
        assert pilot.app.screen is screen
        assert screen.query_one(DataTable).row_count == 1
        assert not screen.query_one("#bills-empty").display


async def test_a_new_invoice_line_takes_the_previous_lines_tax(store):
    from tui.screens.invoice_form import InvoiceFormScreen, LineRow
    from tui.screens.invoices import InvoicesScreen

    firm = await make_preparer(store)
    client_id = await add_client(store, firm.firm_id, organization_name="Toiture Fortin",
                                 email="info@fortin.ca")
    async with store.write():
        await store.network.open_books_for(client_id)
    async with running(store, size=(80, 24)) as pilot:
        await open_books(pilot)
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(pilot.app.screen, InvoicesScreen)
        await pilot.press("n")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, InvoiceFormScreen)
        form.query(LineRow).first().query_one(Select).value = "GST+QST"
        await pilot.press("ctrl+l")
        await settle(pilot)
        taxes = [row.query_one(Select).value for row in form.query(LineRow)]
        assert taxes[-1] == "GST+QST" and len(taxes) >= 2, taxes

"""A company's sales invoices: what became of each (sent, received, scheduled, paid, rejected
with the customer's reason), new ones, sending, the UBL file."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from linkdesk.i18n import N_, _, ngettext
from linkdesk.labels import invoice_status_label, money, when, why_not_network
from store.atomic_file import write_atomically
from store.invoices import InvoiceError, InvoiceRow
from store.network import CompanyInfo
from tui.formatting import clipped
from tui.paged_rows import PagedScreen
from tui.widgets.key_bar import KeyBar
from tui.widgets.row_table import RowTable


def _send_refusal(plan, again: bool) -> str:
    """Why this send cannot even be asked, in words ("" when it can)."""
    if plan.status == "draft" and again:
        return _("This invoice was never sent: press s to send it.")
    if plan.status != "draft" and not again:
        return _("Already sent ({status}). To send it once more, press S.").format(
            status=invoice_status_label(plan.status))
    if plan.status in ("scheduled", "paid"):
        return _("Not sent: {why}").format(why=why_not_network("already_decided"))
    if plan.route == "email" and not plan.email:
        return _("Not sent: {why}").format(why=why_not_network("customer_has_no_email"))
    return ""


class InvoicesScreen(PagedScreen):
    """A company's sales invoices: new, edit a draft, send, write its e-invoice."""

    help_title = N_("Sales invoices")  # what help calls this screen

    BINDINGS = [
        Binding("escape", "back", N_("Back"), id="back"),
        Binding("n", "new", N_("New invoice"), id="new"),
        Binding("e", "edit", N_("Edit draft"), id="edit"),
        Binding("s", "send", N_("Send"), id="send",
                tooltip=N_("Through the network when the customer can receive it, else by email")),
        Binding("S", "send_again", N_("Send again"), id="send_again",
                tooltip=N_("Send once more an invoice the customer rejected or has not "
                          "decided on")),
        Binding("c", "credit", N_("Credit note"), id="credit",
                tooltip=N_("A credit note reducing what the customer owes on this invoice")),
        Binding("x", "export", N_("Export UBL"), id="export",
                tooltip=N_("Write the invoice as a Peppol BIS 3.0 file in the current folder")),
    ]

    def __init__(self, info: CompanyInfo) -> None:
        super().__init__()
        self.info = info

    def compose(self) -> ComposeResult:
        yield Static(id="invoices-header", markup=False)
        yield RowTable(id="invoices")
        yield Static(_("No invoices yet. Press n to write the first one."),
                     id="invoices-empty", classes="empty", markup=False)
        yield Static("", id="invoice-note", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(_("Number"), _("Customer"), _("Issued"),
                                              _("Total"), _("Status"))
        self.reload()

    @work(exclusive=True, group="invoices")
    async def reload(self, select_id: int | None = None) -> None:
        count = await self.store.invoices.count(self.info.id)
        self.query_one("#invoices-header", Static).update(Text(
            _("{name} · invoices").format(name=self.info.details.name) + " · " + ngettext(
                "{n} invoice", "{n} invoices", count).format(n=count), style="bold"))
        await self.refill(select_id)
        self.query_one("#invoices-empty", Static).display = not self.rows
        self._note()

    async def fetch_page(self, after: InvoiceRow | None, limit: int) -> list[InvoiceRow]:
        return await self.store.invoices.list(self.info.id, after=after, limit=limit)

    def show_rows(self, rows: list[InvoiceRow]) -> None:
        table = self.paged_table
        for row in rows:
            credit = row.kind == "credit_note"
            table.add_row(clipped(row.number, 16), clipped(row.customer, 30), when(row.issue_date),
                          Text(money(-row.total if credit else row.total, row.currency),
                               justify="right"),
                          Text(_("Credit note") + " · " + invoice_status_label(row.status))
                          if credit else invoice_status_label(row.status), key=str(row.id))

    def on_data_table_row_highlighted(self) -> None:
        self._note()

    def _note(self) -> None:
        row = self.current()
        text = ""
        if row is not None and row.status == "rejected":
            text = _("Rejected by the customer: {reason}").format(reason=row.status_note)
        elif row is not None and row.route == "email" and row.status_note:
            text = _("Sent by email: {why}").format(why=why_not_network(row.status_note))
        elif row is not None and row.status_note == "duplicate_refused":
            text = _("The customer already decided on this invoice; it was not sent again.")
        self.query_one("#invoice-note", Static).update(Text(text))

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_new(self) -> None:
        from tui.screens.invoice_form import InvoiceFormScreen

        self.app.push_screen(InvoiceFormScreen(self.info.id, self.info.region),
                             lambda saved: self.reload() if saved else None)

    def on_data_table_row_selected(self) -> None:  # Enter on a draft edits it
        self.action_edit()

    @work(exclusive=True, group="invoice-edit")
    async def action_edit(self) -> None:
        from tui.screens.invoice_form import InvoiceFormScreen

        row = self.current()
        if row is None:
            return
        if row.status != "draft":
            self.notify(_("Only a draft can be changed; this one was sent."), markup=False)
            return
        view = await self.store.invoices.get(row.id)
        self.app.push_screen(InvoiceFormScreen(self.info.id, self.info.region, view),
                             lambda saved: self.reload(select_id=row.id) if saved else None)

    @work(exclusive=True, group="invoice-edit")
    async def action_credit(self) -> None:
        from tui.screens.invoice_form import InvoiceFormScreen

        row = self.current()
        if row is None:
            return
        if row.kind != "invoice" or row.status == "draft":
            self.notify(_("A credit note corrects an invoice that was sent: choose one."),
                        markup=False)
            return
        view = await self.store.invoices.get(row.id)
        self.app.push_screen(InvoiceFormScreen(self.info.id, self.info.region,
                                               corrects=view),
                             lambda saved: self.reload() if saved else None)

    def action_send(self) -> None:
        row = self.current()
        if row is not None:
            self.send(row.id, again=False)

    def action_send_again(self) -> None:
        row = self.current()
        if row is not None:
            self.send(row.id, again=True)

    @work(exclusive=True, group="invoice-send")
    async def send(self, invoice_id: int, again: bool) -> None:
        """Say where the invoice goes and for how much, and send it only on a yes."""
        from linkdesk.einvoice.mail import invoice_mailer
        from linkdesk.labels import send_question
        from tui.screens.confirm import ConfirmScreen

        store = self.store
        try:
            mail = await invoice_mailer(store, invoice_id, self.settings.sender_address)
            plan = await store.invoices.plan(invoice_id)
        except InvoiceError as exc:
            self.notify(_("Not sent: {why}").format(why=why_not_network(exc.code)),
                        severity="warning", markup=False)
            return
        refusal = _send_refusal(plan, again)
        if refusal:
            self.notify(refusal, severity="warning", markup=False)
            return
        question = send_question(plan, again)
        if plan.route == "email":
            question += " " + await self._attachment_note(invoice_id)
        if not await self.app.push_screen_wait(ConfirmScreen(
                question, _("Send again") if again else _("Send"))):
            return
        try:
            outcome = await store.invoices.send(invoice_id, self.preparer_id, mail,
                                                again=again)
        except InvoiceError as exc:
            self.notify(_("Not sent: {why}").format(why=why_not_network(exc.code)),
                        severity="warning", markup=False)
            return
        if outcome.route == "network":
            self.notify(_("Delivered into the customer's books for review."), markup=False)
        else:
            self.notify(_("Sent by email: {why}").format(why=why_not_network(outcome.refusal)),
                        markup=False)
        self.reload(select_id=invoice_id)

    async def _attachment_note(self, invoice_id: int) -> str:
        """Whether the email carries the e-invoice file, and if not, what it lacks."""
        import asyncio

        from linkdesk.einvoice.ubl_write import CannotExport, to_ubl
        from linkdesk.labels import export_refusal

        document = await self.store.invoices.document(invoice_id)
        try:
            await asyncio.to_thread(to_ubl, document)
        except CannotExport as exc:
            return _("It goes without its e-invoice file: {why}").format(
                why=export_refusal(exc.field))
        return _("The e-invoice file (Peppol BIS 3.0) is attached.")

    def action_export(self) -> None:
        row = self.current()
        if row is not None:
            self.export(row.id, row.number)

    @work(exclusive=True, group="invoice-export")
    async def export(self, invoice_id: int, number: str) -> None:
        import asyncio

        from linkdesk.einvoice.ubl_write import CannotExport, to_ubl
        from linkdesk.labels import export_refusal

        document = await self.store.invoices.document(invoice_id)
        safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in number)[:40]
        path = Path.cwd() / f"invoice-{safe}.xml"
        try:
            data = await asyncio.to_thread(to_ubl, document)
            await asyncio.to_thread(write_atomically, path, data)
        except CannotExport as exc:  # nothing written: never a file the rules would refuse
            self.notify(export_refusal(exc.field), severity="warning", markup=False)
            return
        except OSError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        self.notify(_("Wrote {path}").format(path=path), markup=False)

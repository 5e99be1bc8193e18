"""A new sales invoice: customer, number (proposed in sequence), dates, currency, lines with a
tax code each, notes; the totals follow as it is typed (store.taxes, Decimal throughout)."""

from __future__ import annotations

import datetime as dt

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static

from linkdesk.i18n import N_, _, current_language
from linkdesk.labels import money
from store.invoices import CURRENCIES, InvoiceDraft, InvoiceError, LineDraft, draft_totals
from store.money import AmountError, parse_decimal
from store.taxes import codes_for
from store.versions import ChangedMeanwhile
from tui.dialog import Dialog
from tui.formatting import clipped
from tui.widgets.text_input import TextInput

INVOICE_ERRORS = {
    "number_empty": N_("Give the invoice a number."),
    "number_taken": N_("This number is already used in these books."),
    "customer_unknown": N_("Choose the customer."),
    "due_before_issue": N_("The due date is before the issue date."),
    "no_lines": N_("Add at least one line with a description."),
    "description_empty": N_("Line {line}: describe what is invoiced."),
    "quantity_invalid": N_("Line {line}: the quantity is more than zero."),
    "price_invalid": N_("Line {line}: the unit price is not negative."),
    "credit_note_needs_invoice": N_("A credit note corrects one of these books' invoices."),
    "credit_exceeds_invoice": N_("A credit note cannot credit more than its invoice's total."),
}


TAX_LABEL_CELLS = 22  # a tax code's label in the line's Select (its width less the arrow)


def tax_choice(code, language: str) -> str:
    """A tax code as the line's Select names it: whole when it fits, else without the region:
    a label cut short lost its rate's "%" ("GST 5 % + QST 9.975…")."""
    label = code.label(language)
    return label if cell_len(label) <= TAX_LABEL_CELLS else code.short_label(language)


class LineRow(Horizontal):
    """One invoice line: description, quantity, unit price, tax code."""

    DEFAULT_CSS = """
    LineRow { height: 1; }
    LineRow > .desc { width: 1fr; }
    LineRow > .qty { width: 7; }
    LineRow > .price { width: 14; }
    LineRow > Select { width: 26; }
    """

    def __init__(self, region: str, line: LineDraft | None = None,
                 tax_code: str | None = None) -> None:
        super().__init__(classes="line")
        self.tax_region = region
        self.line = line
        self.tax_code = line.tax_code if line else tax_code  # a new line: the previous one's

    def compose(self) -> ComposeResult:
        language = current_language()
        codes = codes_for(self.tax_region)
        line = self.line
        yield TextInput(line.description if line else "", placeholder=_("Description"),
                    classes="desc", compact=True, max_length=500)
        yield TextInput(format(line.quantity.normalize(), "f") if line else "1",
                    placeholder=_("Qty"), classes="qty", compact=True)
        yield TextInput(format(line.unit_price.normalize(), "f") if line else "",
                    placeholder=_("Unit price"), classes="price", compact=True)
        known = {c.code for c in codes}
        yield Select([(tax_choice(c, language), c.code) for c in codes],
                     value=self.tax_code if self.tax_code in known else codes[0].code,
                     allow_blank=False, compact=True, classes="tax")

    def draft(self) -> LineDraft | None:
        """The line as typed; None when it is empty; AmountError when a number is wrong."""
        description, quantity, price = (i.value for i in self.query(Input))
        if not description.strip() and not price.strip():
            return None
        return LineDraft(description, parse_decimal(quantity, places=3),
                         parse_decimal(price or "0", places=4),
                         str(self.query_one(Select).value))


class Lines(VerticalScroll, can_focus=False):
    """The lines, scrolling past a few; never a stop of its own between fields."""


class InvoiceFormScreen(Dialog[bool]):
    BINDINGS = [
        Binding("ctrl+s", "save", N_("Save draft"), id="save"),
        Binding("ctrl+l", "add_line", N_("Add a line"), id="add-line"),
        Binding("escape", "cancel", N_("Cancel"), id="cancel"),
    ]

    def __init__(self, company_id: int, region: str, draft=None, *,
                 corrects=None) -> None:
        """`draft`: an InvoiceView of a draft to edit; None for a new invoice. `corrects`:
        the InvoiceView of a sent invoice, for a new credit note on it (its customer, its
        lines to change into what is credited)."""
        super().__init__()
        self.company_id = company_id
        self.tax_region = region
        self.editing = draft
        self.corrects = corrects if corrects is not None else (
            None if draft is None or draft.corrects is None else draft.corrects)
        self.kind = "credit_note" if corrects is not None or (
            draft is not None and draft.row.kind == "credit_note") else "invoice"

    def compose_dialog(self) -> ComposeResult:
        today = self.store.today()
        editing = self.editing
        issued = editing.row.issue_date if editing else today.isoformat()
        due = (editing.row.due_date or "") if editing else \
            (today + dt.timedelta(days=30)).isoformat()
        with Vertical(id="invoice-form", classes="dialog"):
            yield Static(self._title(), classes="title", markup=False)
            with Horizontal(classes="form-row"):
                yield Label(_("Customer"), classes="form-label")
                yield Select([], id="customer", compact=True, prompt=_("Choose the customer"))
            with Horizontal(classes="form-row"):
                yield Label(_("Number"), classes="form-label")
                yield TextInput(id="number", compact=True, max_length=40)
            with Horizontal(classes="form-row"):
                yield Label(_("Issued / due"), classes="form-label")
                yield TextInput(issued, id="issued", compact=True, classes="date")
                yield TextInput(due, id="due", compact=True, classes="date")
                yield Select([(c, c) for c in CURRENCIES],
                             value=editing.row.currency if editing else
                             self.corrects.row.currency if self.corrects else "CAD",
                             allow_blank=False, id="currency", compact=True,
                             disabled=self.kind == "credit_note")
            yield Static(Text(_("Lines: description, quantity, unit price, tax (ctrl+l adds "
                                "one)"), style="dim"), id="lines-head")
            with Lines(id="lines"):
                for line in (editing.lines if editing else
                             self.corrects.lines if self.corrects else (None,)):
                    yield LineRow(self.tax_region, line)
            with Horizontal(classes="form-row"):
                yield Label(_("Notes"), classes="form-label")
                yield TextInput(editing.notes if editing else "", id="notes", compact=True,
                            max_length=2000)
            yield Static("", id="totals", markup=False)
            yield Static("", id="form-message", classes="message", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(_("Save draft"), id="save-button", variant="primary", compact=True)
                yield Button(_("Add a line"), id="line-button", compact=True)
                yield Button(_("Cancel"), id="cancel-button", compact=True)

    def _title(self) -> str:
        editing, corrects = self.editing, self.corrects
        if self.kind == "credit_note" and corrects is not None and not isinstance(corrects, int):
            return _("New credit note on invoice {number}: keep what is credited").format(
                number=corrects.row.number)
        if self.kind == "credit_note":
            return _("Credit note {number} (draft)").format(number=editing.row.number)
        if editing:
            return _("Invoice {number} (draft)").format(number=editing.row.number)
        return _("New invoice")

    def on_mount(self) -> None:
        self.load()

    @work(exclusive=True, group="invoice-form")
    async def load(self) -> None:
        store = self.store
        customers = await store.network.contacts(self.company_id, "customer")
        customer = self.query_one("#customer", Select)
        customer.set_options([(clipped(c.details.name, 50), c.id) for c in customers])
        if self.editing is not None:
            customer.value = self.editing.customer_id
            self.query_one("#number", Input).value = self.editing.row.number
        if self.kind == "credit_note":
            if self.editing is None:
                customer.value = self.corrects.customer_id
            customer.disabled = True  # a credit note is to the corrected invoice's customer
        if self.editing is None:
            self.query_one("#number", Input).value = await store.invoices.next_number(
                self.company_id)
        self.set_focus(customer if self.kind == "invoice" else
                       self.query(LineRow).first().query_one(Input))
        self._retotal()
        if not customers:
            self._say(_("These books have no customer yet: add one first (c)."))

    def _say(self, text: str) -> None:
        self.query_one("#form-message", Static).update(text)

    def _lines(self) -> list[LineDraft]:
        return [d for row in self.query(LineRow) if (d := row.draft()) is not None]

    @on(Input.Changed)
    @on(Select.Changed)
    def _retotal(self) -> None:
        try:
            lines = self._lines()
        except AmountError:
            self.query_one("#totals", Static).update(_("Totals: a number is not right yet."))
            return
        currency = str(self.query_one("#currency", Select).value)
        totals = draft_totals(self.tax_region, lines)
        parts = [_("Subtotal {amount}").format(amount=money(totals.net, currency))]
        parts += [f"{name} {money(amount, currency)}" for name, amount in totals.by_name()]
        parts.append(_("Total {amount}").format(amount=money(totals.total, currency)))
        self.query_one("#totals", Static).update(Text(" · ".join(parts), style="bold"))

    @on(Button.Pressed, "#line-button")
    def action_add_line(self) -> None:
        """A new line under the last, with the last line's tax (most invoices have one)."""
        rows = list(self.query(LineRow))
        previous = rows[-1].query_one(Select).value if rows else None
        row = LineRow(self.tax_region, tax_code=previous if isinstance(previous, str) else None)
        self.query_one("#lines").mount(row)
        self.call_after_refresh(lambda: self.set_focus(row.query_one(Input)))

    @on(Button.Pressed, "#cancel-button")
    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#save-button")
    def action_save(self) -> None:
        customer = self.query_one("#customer", Select)
        if customer.is_blank():
            self._say(_(INVOICE_ERRORS["customer_unknown"]))
            self.set_focus(customer)
            return
        try:
            issued = dt.date.fromisoformat(self.query_one("#issued", Input).value.strip())
            due_text = self.query_one("#due", Input).value.strip()
            due = dt.date.fromisoformat(due_text) if due_text else None
        except ValueError:
            self._say(_("Dates are written as 2026-03-31."))
            return
        try:
            lines = self._lines()
        except AmountError:
            self._say(_("A quantity or a price is not a number (1 234,50 or 1234.50)."))
            return
        self.save(InvoiceDraft(
            int(customer.value), self.query_one("#number", Input).value, issued, due,
            tuple(lines), currency=str(self.query_one("#currency", Select).value),
            notes=self.query_one("#notes", Input).value, kind=self.kind,
            corrects=self._corrects_id()))

    def _corrects_id(self) -> int | None:
        corrects = self.corrects
        return corrects if corrects is None or isinstance(corrects, int) else corrects.row.id

    @work(exclusive=True, group="invoice-save")
    async def save(self, draft: InvoiceDraft) -> None:
        try:
            editing = self.editing
            await self.store.invoices.save(
                self.company_id, draft, self.preparer_id,
                invoice_id=editing.row.id if editing else None,
                version=editing.version if editing else None)
        except ChangedMeanwhile:
            self._say(_("A colleague changed this draft meanwhile; close it and open it "
                        "again."))
            return
        except InvoiceError as exc:
            self._say(_(INVOICE_ERRORS.get(exc.code, exc.code)).format(line=exc.line))
            return
        self.dismiss(True)

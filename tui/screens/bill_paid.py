"""Marking a scheduled bill paid: the date and how; the vendor's invoice then shows it paid."""

from __future__ import annotations

import datetime as dt

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from linkdesk.i18n import N_, _
from linkdesk.labels import PAYMENT_METHODS, bill_error, money
from store.bills import BillError, BillRow
from tui.dialog import Dialog
from tui.formatting import clipped
from tui.widgets.text_input import TextInput


class BillPaidScreen(Dialog[bool]):
    BINDINGS = [Binding("ctrl+s", "save", N_("Save"), id="save"),
                Binding("escape", "close", N_("Close"), id="close")]

    def __init__(self, row: BillRow) -> None:
        super().__init__()
        self.row = row

    def compose_dialog(self) -> ComposeResult:
        with Vertical(id="bill-paid", classes="dialog"):
            yield Static(Text(_("Mark paid: {vendor}, {number}, {owed}").format(
                vendor=clipped(self.row.vendor, 30).plain,
                number=clipped(self.row.number, 20).plain,
                owed=money(self.row.owed, self.row.currency)), style="bold"), classes="title")
            with Horizontal(classes="form-row"):
                yield Label(_("Paid on"), classes="form-label")
                yield TextInput(self.store.today().isoformat(), id="paid-on", compact=True)
            with Horizontal(classes="form-row"):
                yield Label(_("Method"), classes="form-label")
                yield Select([(_(label), code) for code, label in PAYMENT_METHODS.items()],
                             value="transfer", allow_blank=False, id="method", compact=True)
            yield Static("", id="form-message", classes="message", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(_("Mark paid"), id="save-button", variant="primary", compact=True)
                yield Button(_("Close"), id="close-button", compact=True)

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#paid-on"))

    def on_input_submitted(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#save-button")
    def action_save(self) -> None:
        try:
            paid_on = dt.date.fromisoformat(self.query_one("#paid-on", Input).value.strip())
        except ValueError:
            self.query_one("#form-message", Static).update(
                _("The payment date is a date such as 2026-03-31."))
            return
        self.save(paid_on, str(self.query_one("#method", Select).value))

    @on(Button.Pressed, "#close-button")
    def action_close(self) -> None:
        self.dismiss(False)

    @work(exclusive=True, group="paid")
    async def save(self, paid_on: dt.date, method: str) -> None:
        try:
            await self.store.bills.mark_paid(self.row.id, paid_on=paid_on, method=method,
                                                 preparer_id=self.preparer_id)
        except BillError as exc:
            self.query_one("#form-message", Static).update(bill_error(exc.code))
            return
        self.dismiss(True)

"""Reviewing one bill: everything as sent, then approve (vendor, category, payment date),
reject with a reason the vendor sees, or mark it a duplicate. The vendor is never made or
chosen silently: the choice is on the screen."""

from __future__ import annotations

import datetime as dt

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static

from linkdesk.i18n import N_, _
from linkdesk.labels import (
    bill_decision,
    bill_error,
    bill_status_label,
    bill_summary,
    bill_warning,
    category_label,
    money,
    number,
    percent,
    tax_name,
    tax_rate_label,
    when,
)
from store.bills import BillError, BillVersion, BillView, tax_shares
from store.versions import ChangedMeanwhile
from tui.dialog import Dialog
from tui.formatting import clipped
from tui.widgets.text_input import TextInput

NEW_VENDOR = -1


def bill_text(view: BillView, versions: list[BillVersion] = ()) -> str:
    """The bill as sent, in plain lines (never markup: every value came from someone else):
    what became of it, each tax apart, and the versions of the document held."""
    doc = view.document
    lines = [decision] if (decision := bill_decision(view)) else []
    lines += [_("Vendor: {name}").format(name=view.row.vendor),
             _("Issued {issued} · due {due}").format(issued=when(doc.issue_date),
                                                     due=when(doc.due_date) or "—")]
    if doc.terms:
        lines.append(_("Terms: {terms}").format(terms=doc.terms))
    for line in doc.lines:
        lines.append(f"  {line.description[:28]:28} {number(line.quantity):>5} × "
                     f"{money(line.unit_price, doc.currency):>11} = "
                     f"{money(line.net, doc.currency):>11}  "
                     f"{tax_rate_label(line.tax_category, line.tax_rate)}")
    for share in tax_shares(doc):
        lines.append("  " + _("Tax {category} {rate} on {base}: {amount}").format(
            category=tax_name(share.name), rate=percent(share.rate),
            base=money(share.taxable, doc.currency),
            amount=money(share.amount, doc.currency))
            + (" " + _("(worked out from the combined rate the file states)")
               if share.derived else ""))
    lines.append(_("Total {total} · to pay {payable}").format(
        total=money(doc.total, doc.currency), payable=money(view.row.owed, doc.currency)))
    if doc.notes:
        lines.append(_("Notes: {notes}").format(notes=doc.notes))
    for warning in view.warnings:
        lines.append("⚠ " + bill_warning(warning))
    if len(versions) > 1:
        lines.append(_("Versions of this document:"))
        for n, version in enumerate(versions, 1):
            source = version.source_file or _("from the network")
            lines.append(f"  {n}. " + _("{source} · received {date} · {total} · {status}").format(
                source=source, date=when(version.received_at.date().isoformat()),
                total=money(version.total, doc.currency),
                status=bill_status_label(version.status))
                + (" " + _("(this one)") if version.bill_id == view.row.id else ""))
    return "\n".join(lines)


class BillReviewScreen(Dialog[bool]):
    BINDINGS = [
        Binding("ctrl+s", "approve", N_("Approve"), id="approve"),
        Binding("ctrl+r", "reject", N_("Reject"), id="reject"),
        # Priority: a text field's own ctrl+d (delete right) hid it once Reason had focus.
        Binding("ctrl+d", "duplicate", N_("Duplicate"), id="duplicate", priority=True),
        Binding("escape", "close", N_("Close"), id="close"),
    ]

    def __init__(self, bill_id: int) -> None:
        super().__init__()
        self.bill_id = bill_id
        self.view: BillView | None = None

    def compose_dialog(self) -> ComposeResult:
        with Vertical(id="bill-review", classes="dialog"):
            yield Static(_("Bill for review"), id="bill-title", classes="title", markup=False)
            with VerticalScroll(id="bill-body"):
                yield Static("", id="bill-text", markup=False)
            with Horizontal(classes="form-row"):
                yield Label(_("Vendor"), classes="form-label")
                yield Select([], id="vendor", compact=True, allow_blank=True,
                             prompt=_("Choose the vendor"))
            with Horizontal(classes="form-row"):
                yield Label(_("Category"), classes="form-label")
                yield Select([], id="category", compact=True, allow_blank=True,
                             prompt=_("Choose an expense category"))
            with Horizontal(classes="form-row"):
                yield Label(_("Pay on"), classes="form-label")
                yield TextInput(id="pay-on", placeholder="YYYY-MM-DD", compact=True)
            with Horizontal(classes="form-row"):
                yield Label(_("Reason"), classes="form-label")
                yield TextInput(id="reason", placeholder=_("if rejected: the vendor sees it"),
                            compact=True)
            yield Static("", id="form-message", classes="message", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(_("Approve"), id="approve-button", variant="primary",
                             compact=True)
                yield Button(_("Reject"), id="reject-button", variant="warning", compact=True)
                yield Button(_("Duplicate"), id="duplicate-button", compact=True)
                yield Button(_("Close"), id="close-button", compact=True)

    def on_mount(self) -> None:
        self.load()

    @work(exclusive=True, group="bill")
    async def load(self) -> None:
        store = self.store
        view = self.view = await store.bills.get(self.bill_id)
        versions = await store.bills.versions(self.bill_id)
        title = (_("Credit note {number} from {vendor}") if view.row.kind == "credit_note"
                 else _("Bill {number} from {vendor}"))
        self.query_one("#bill-title", Static).update(Text(
            title.format(number=view.row.number, vendor=view.row.vendor), style="bold"))
        self.query_one("#bill-text", Static).update(Text(bill_text(view, versions)))
        if view.row.status != "review":  # decided: shown as it is, nothing left to decide
            for form in self.query(".form-row, #approve-button, #reject-button, "
                                   "#duplicate-button"):
                form.display = False
            self.refresh_bindings()
            self.set_focus(self.query_one("#close-button"))
            return
        vendor = self.query_one("#vendor", Select)
        if view.row.vendor_id is not None:
            vendor.set_options([(view.row.vendor, view.row.vendor_id)])
            vendor.value = view.row.vendor_id
        else:
            contacts = await store.network.contacts(view.company_id, "vendor")
            options = [(_("New vendor “{name}” from the bill's details").format(
                name=clipped(view.document.seller.name, 40).plain), NEW_VENDOR)]
            options += [(clipped(c.details.name, 50), c.id) for c in contacts]
            vendor.set_options(options)
            if view.proposed_vendor is not None:
                vendor.value = view.proposed_vendor
        categories = await store.bills.categories(view.company_id)
        category = self.query_one("#category", Select)
        category.set_options([(category_label(code, name), i) for i, code, name in categories])
        if view.proposed_category is not None:
            category.value = view.proposed_category
        pay_on = view.row.due_date or self.store.today().isoformat()
        self.query_one("#pay-on", Input).value = pay_on
        self.set_focus(vendor if vendor.is_blank() else category)

    def _say(self, text: str) -> None:
        self.query_one("#form-message", Static).update(text)

    @on(Button.Pressed, "#approve-button")
    def action_approve(self) -> None:
        view = self.view
        if view is None:
            return
        vendor_select = self.query_one("#vendor", Select)
        category_select = self.query_one("#category", Select)
        vendor, category = vendor_select.value, category_select.value
        if vendor_select.is_blank():
            self._say(bill_error("vendor_needed"))
            self.set_focus(self.query_one("#vendor"))
            return
        if category_select.is_blank():
            self._say(bill_error("categories_needed"))
            self.set_focus(self.query_one("#category"))
            return
        try:
            pay_on = dt.date.fromisoformat(self.query_one("#pay-on", Input).value.strip())
        except ValueError:
            self._say(_("The payment date is a date such as 2026-03-31."))
            self.set_focus(self.query_one("#pay-on"))
            return
        self.decide("approve", vendor=int(vendor), category=int(category), pay_on=pay_on)

    @on(Button.Pressed, "#reject-button")
    def action_reject(self) -> None:
        reason = self.query_one("#reason", Input).value
        if not reason.strip():
            self._say(bill_error("reason_needed"))
            self.set_focus(self.query_one("#reason"))
            return
        self.decide("reject", reason=reason)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action in ("approve", "reject", "duplicate"):
            return self.view is None or self.view.row.status == "review"
        return True

    @on(Button.Pressed, "#duplicate-button")
    def action_duplicate(self) -> None:
        self.ask_duplicate()

    @work(exclusive=True, group="bill-ask")
    async def ask_duplicate(self) -> None:
        """Which bill this one repeats, named before anything is marked."""
        from tui.screens.choose import ChooseScreen
        from tui.screens.confirm import ConfirmScreen

        candidates = await self.store.bills.duplicate_candidates(self.bill_id)
        if not candidates:
            self._say(_("No other bill from this vendor has this number. If it should not "
                        "be paid, reject it with a reason."))
            return
        if len(candidates) == 1:
            question = _("Mark this bill a duplicate of {bill}? Nothing will be owed on "
                         "this one.").format(bill=bill_summary(candidates[0]))
            if not await self.app.push_screen_wait(ConfirmScreen(question,
                                                                 _("Mark duplicate"))):
                return
            of = candidates[0].id
        else:
            of = await self.app.push_screen_wait(ChooseScreen(
                _("This bill is a duplicate of which one? Nothing will be owed on this one."),
                [(bill_summary(c), c.id) for c in candidates]))
            if of is None:
                return
        self.decide("duplicate", of=of)

    @on(Button.Pressed, "#close-button")
    def action_close(self) -> None:
        self.dismiss(False)

    @work(exclusive=True, group="bill-decide")
    async def decide(self, what: str, **given) -> None:
        view = self.view
        bills = self.store.bills
        try:
            if what == "approve":
                lines = len(view.document.lines)
                vendor = given["vendor"]
                await bills.approve(
                    self.bill_id, categories=[given["category"]] * lines,
                    pay_on=given["pay_on"], preparer_id=self.preparer_id,
                    vendor_id=None if vendor == NEW_VENDOR else vendor,
                    create_vendor=vendor == NEW_VENDOR, version=view.version)
                self.notify(_("Approved: payment scheduled for {date}.").format(
                    date=when(given["pay_on"].isoformat())), markup=False)
            elif what == "reject":
                await bills.reject(self.bill_id, given["reason"], self.preparer_id,
                                   version=view.version)
                self.notify(_("Rejected: the vendor sees your reason."), markup=False)
            else:
                await bills.mark_duplicate(self.bill_id, self.preparer_id, of=given["of"],
                                           version=view.version)
                self.notify(_("Marked a duplicate of bill #{id}.").format(id=given["of"]),
                            markup=False)
        except BillError as exc:
            self._say(bill_error(exc.code))
            return
        except ChangedMeanwhile:
            self._say(_("A colleague changed this bill meanwhile; close and open it again."))
            return
        self.dismiss(True)

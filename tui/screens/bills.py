"""A company's bills: the ones for review first, a page at a time; review, pay, schedule."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from linkdesk.i18n import N_, _, ngettext
from linkdesk.labels import bill_status_label, money, when
from store.bills import BillRow
from store.network import CompanyInfo
from tui.formatting import clipped
from tui.paged_rows import PagedScreen
from tui.widgets.key_bar import KeyBar
from tui.widgets.row_table import RowTable


def _payment_date(row: BillRow) -> str | None:
    """The date that matters now: when it was paid, when it will be, when it is due; none
    for a bill set aside (rejected, a duplicate)."""
    if row.status == "paid":
        return row.paid_on
    if row.status in ("rejected", "duplicate"):
        return None
    return row.pay_on or row.due_date


class BillsScreen(PagedScreen):
    """Bills received through the network or imported, newest first."""

    help_title = N_("Bills")  # what help calls this screen

    BINDINGS = [
        Binding("escape", "back", N_("Back"), id="back"),
        Binding("r", "review", N_("Review"), id="review",
                tooltip=N_("Approve, reject or mark the selected bill a duplicate")),
        Binding("m", "paid", N_("Mark paid"), id="paid"),
        Binding("s", "schedule", N_("Schedule"), id="schedule",
                tooltip=N_("The payment schedule: approved bills by the date they are paid")),
        Binding("t", "taxes", N_("Taxes"), id="taxes",
                tooltip=N_("A period's taxes on bills: GST/HST credits, QST refunds")),
        Binding("I", "import", N_("Import e-invoices"), id="import",
                tooltip=N_("UBL 2.1 files from any system, as bills for review")),
    ]

    def __init__(self, info: CompanyInfo) -> None:
        super().__init__()
        self.info = info

    def compose(self) -> ComposeResult:
        yield Static(id="bills-header", markup=False)
        yield RowTable(id="bills")
        yield Static(_("No bills yet. A member's invoice to these books arrives here for "
                       "review; press I to import e-invoice files (UBL) from any other system."),
                     id="bills-empty", classes="empty", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(_("Status"), _("Date"), _("Vendor"),
                                              _("Number"), _("Owed"))
        self.reload()

    @work(exclusive=True, group="bills")
    async def reload(self, select_id: int | None = None) -> None:
        waiting = await self.store.bills.count(self.info.id)
        self.query_one("#bills-header", Static).update(Text(
            _("{name} · bills").format(name=self.info.details.name) + " · " + ngettext(
                "{n} for review", "{n} for review", waiting).format(n=waiting), style="bold"))
        await self.refill(select_id)
        self.query_one("#bills-empty", Static).display = not self.rows

    async def fetch_page(self, after: BillRow | None, limit: int) -> list[BillRow]:
        return await self.store.bills.list(self.info.id, before=after.id if after else None,
                                           limit=limit)

    def show_rows(self, rows: list[BillRow]) -> None:
        table = self.paged_table
        for row in rows:
            table.add_row(bill_status_label(row.status), when(_payment_date(row)),
                          clipped(row.vendor, 40), clipped(row.number, 20),
                          Text(money(row.owed, row.currency), justify="right"),
                          key=str(row.id))

    @on(DataTable.RowSelected)
    def _selected(self) -> None:  # Enter on the table
        self.action_review()

    def action_back(self) -> None:
        self.app.pop_screen()

    def _reload_if(self, changed: bool | None, select_id: int | None = None) -> None:
        if changed:
            self.reload(select_id=select_id)

    def action_review(self) -> None:
        from tui.screens.bill_review import BillReviewScreen

        row = self.current()
        if row is None:
            return
        self.app.push_screen(BillReviewScreen(row.id),
                             lambda changed: self._reload_if(changed, row.id))

    def action_paid(self) -> None:
        from tui.screens.bill_paid import BillPaidScreen

        row = self.current()
        if row is None:
            return
        if row.status != "scheduled":
            self.notify(_("Only a bill scheduled for payment can be marked paid."),
                        markup=False)
            return
        self.app.push_screen(BillPaidScreen(row),
                             lambda changed: self._reload_if(changed, row.id))

    def action_import(self) -> None:
        from tui.screens.bill_import import BillImportScreen

        self.app.push_screen(BillImportScreen(self.info.id), self._reload_if)

    def action_taxes(self) -> None:
        from tui.screens.bill_taxes import BillTaxesScreen

        self.app.push_screen(BillTaxesScreen(self.info))

    def action_schedule(self) -> None:
        from tui.screens.payment_schedule import PaymentScheduleScreen

        self.app.push_screen(PaymentScheduleScreen(self.info))

"""A company's bills: the ones for review first, a page at a time; review, pay, schedule."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Static

from linkdesk.i18n import _, ngettext
from linkdesk.labels import bill_status_label, money, when
from store.bills import BillRow
from store.network import CompanyInfo
from tui.desk import Desk
from tui.widgets.key_bar import KeyBar
from tui.widgets.live import LiveScreen

PAGE = 100


class BillsScreen(Desk, LiveScreen, Screen):
    """Bills received through the network or imported, newest first."""

    BINDINGS = [
        Binding("escape", "back", _("Back"), id="back"),
        Binding("r", "review", _("Review"), id="review",
                tooltip=_("Approve, reject or mark the selected bill a duplicate")),
        Binding("m", "paid", _("Mark paid"), id="paid"),
        Binding("s", "schedule", _("Payment schedule"), id="schedule"),
        Binding("I", "import", _("Import e-invoices"), id="import",
                tooltip=_("UBL 2.1 files from any system, as bills for review")),
    ]

    def __init__(self, info: CompanyInfo, preparer_id: int | None) -> None:
        super().__init__()
        self.info = info
        self.preparer_id = preparer_id
        self.rows: list[BillRow] = []
        self.complete = False

    def compose(self) -> ComposeResult:
        yield Static(id="bills-header", markup=False)
        yield DataTable(id="bills", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(_("Status"), _("Pay on"), _("Vendor"),
                                              _("Number"), _("Owed"))
        self.reload()

    @work(exclusive=True, group="bills")
    async def reload(self, select_id: int | None = None) -> None:
        bills = self.store.bills
        waiting = await bills.count(self.info.id)
        shown = max(PAGE, len(self.rows))  # as many as were shown: the place is kept
        self.rows = await bills.list(self.info.id, limit=shown)
        self.complete = len(self.rows) < shown
        self.query_one("#bills-header", Static).update(Text(
            _("{name} · bills").format(name=self.info.details.name) + " · " + ngettext(
                "{n} for review", "{n} for review", waiting).format(n=waiting), style="bold"))
        table = self.query_one(DataTable)
        table.clear()
        self._add(self.rows)
        if select_id is not None and any(r.id == select_id for r in self.rows):
            table.move_cursor(row=[r.id for r in self.rows].index(select_id))

    def _add(self, rows: list[BillRow]) -> None:
        table = self.query_one(DataTable)
        for row in rows:
            table.add_row(bill_status_label(row.status), when(row.pay_on or row.due_date),
                          Text(row.vendor[:40]), Text(row.number[:20]),
                          Text(money(row.owed, row.currency), justify="right"),
                          key=str(row.id))

    @on(DataTable.RowSelected)
    def _selected(self) -> None:  # Enter on the table
        self.action_review()

    @on(DataTable.RowHighlighted)
    def _near_the_end(self, event: DataTable.RowHighlighted) -> None:
        if not self.complete and event.cursor_row >= len(self.rows) - 10:
            self.more()

    @work(exclusive=True, group="bills-more")
    async def more(self) -> None:
        if self.complete or not self.rows:
            return
        page = await self.store.bills.list(self.info.id, before=self.rows[-1].id,
                                               limit=PAGE)
        self.complete = len(page) < PAGE
        self.rows += page
        self._add(page)

    def current(self) -> BillRow | None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row is None or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

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
        if row.status != "review":
            self.notify(_("{status}: nothing to review.").format(
                status=bill_status_label(row.status)), markup=False)
            return
        self.app.push_screen(BillReviewScreen(row.id, self.preparer_id),
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
        self.app.push_screen(BillPaidScreen(row, self.preparer_id),
                             lambda changed: self._reload_if(changed, row.id))

    def action_import(self) -> None:
        from tui.screens.bill_import import BillImportScreen

        self.app.push_screen(BillImportScreen(self.info.id), self._reload_if)

    def action_schedule(self) -> None:
        from tui.screens.payment_schedule import PaymentScheduleScreen

        self.app.push_screen(PaymentScheduleScreen(self.info))

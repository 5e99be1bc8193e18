"""The payment schedule of one company: bills approved for payment in the next days, by date,
each day's total per currency; overdue ones first."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from linkdesk.i18n import N_, _
from linkdesk.labels import money, when
from store.network import CompanyInfo
from tui.formatting import clipped
from tui.live import LiveScreen
from tui.widgets.key_bar import KeyBar
from tui.widgets.row_table import RowTable

DAYS = (7, 30, 90)


class PaymentScheduleScreen(LiveScreen):
    """The approved bills by the date they are to be paid."""

    help_title = N_("Payment schedule")  # what help calls this screen

    BINDINGS = [Binding("escape", "back", N_("Back"), id="back"),
                Binding("d", "days", N_("Days ahead"), id="days")]

    def __init__(self, info: CompanyInfo) -> None:
        super().__init__()
        self.info = info
        self.days = 30

    def compose(self) -> ComposeResult:
        yield Static(id="schedule-header", markup=False)
        yield RowTable(id="schedule")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(_("Pay on"), _("Vendor"), _("Number"),
                                              _("Owed"))
        self.reload()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_days(self) -> None:
        self.days = DAYS[(DAYS.index(self.days) + 1) % len(DAYS)]
        self.reload()

    @work(exclusive=True, group="schedule")
    async def reload(self) -> None:
        days = await self.store.bills.schedule(self.info.id, today=self.store.today(),
                                                   days=self.days)
        self.query_one("#schedule-header", Static).update(Text(
            _("{name} · payments in the next {days} days").format(
                name=self.info.details.name, days=self.days), style="bold"))
        table = self.query_one(DataTable)
        table.clear()
        for day in days:
            label = when(day.day) + (" · " + _("overdue") if day.overdue else "")
            for bill in day.bills:
                table.add_row(Text(label, style="bold red" if day.overdue else ""),
                              clipped(bill.vendor, 40), clipped(bill.number, 20),
                              Text(money(bill.owed, bill.currency), justify="right"))
                label = ""
            totals = " · ".join(money(amount, currency) for currency, amount in day.totals)
            table.add_row("", Text(_("Total for the day"), style="italic"), "",
                          Text(totals, style="bold", justify="right"))
        if not days:
            table.add_row("", Text(_("Nothing scheduled in these days.")), "", "")

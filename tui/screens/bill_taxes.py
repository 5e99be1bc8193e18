"""A period's taxes on a company's bills, each tax apart: what can be claimed as GST/HST input
tax credits and as QST input tax refunds (the same figures as `linkdesk bills taxes`)."""

from __future__ import annotations

import datetime as dt

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from linkdesk.i18n import N_, _
from linkdesk.labels import tax_period_lines
from store.network import CompanyInfo
from tui.live import LiveScreen
from tui.widgets.key_bar import KeyBar

LENGTHS = (3, 1, 12)  # months: a quarter (how GST/HST and QST are most often filed)…
LENGTH_NAMES = {3: N_("quarter"), 1: N_("month"), 12: N_("year")}


def period_of(day: dt.date, months: int) -> tuple[dt.date, dt.date]:
    """The period of `months` months (1, 3 or 12, calendar-aligned) that holds `day`."""
    first_month = (day.month - 1) // months * months + 1
    start = day.replace(month=first_month, day=1)
    return start, _months_after(start, months) - dt.timedelta(days=1)


def _months_after(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    return day.replace(year=day.year + month // 12, month=month % 12 + 1, day=1)


class BillTaxesScreen(LiveScreen):
    """The taxes on the bills issued in a period, a quarter at a time by default."""

    help_title = N_("Taxes on bills")  # what help calls this screen

    BINDINGS = [Binding("escape", "back", N_("Back"), id="back"),
                Binding("left", "move(-1)", N_("Earlier"), id="earlier", key_display="←"),
                Binding("right", "move(1)", N_("Later"), id="later", key_display="→"),
                Binding("p", "length", N_("Month, quarter or year"), id="length")]

    def __init__(self, info: CompanyInfo) -> None:
        super().__init__()
        self.info = info
        self.months = LENGTHS[0]
        self.start, self.end = period_of(dt.date.today(), self.months)

    def compose(self) -> ComposeResult:
        yield Static(id="taxes-header", markup=False)
        with VerticalScroll(id="taxes-body", can_focus=False):  # ← → move the period
            yield Static("", id="taxes-text", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.start, self.end = period_of(self.store.today(), self.months)
        self.reload()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_move(self, step: int) -> None:
        day = (_months_after(self.start, self.months) if step > 0
               else self.start - dt.timedelta(days=1))
        self.start, self.end = period_of(day, self.months)
        self.reload()

    def action_length(self) -> None:
        self.months = LENGTHS[(LENGTHS.index(self.months) + 1) % len(LENGTHS)]
        self.start, self.end = period_of(self.start, self.months)
        self.reload()

    @work(exclusive=True, group="taxes")
    async def reload(self, select_id: int | None = None) -> None:
        period = await self.store.bills.tax_period(self.info.id, self.start, self.end)
        self.query_one("#taxes-header", Static).update(Text(
            _("{name} · taxes on bills, by {length}").format(
                name=self.info.details.name, length=_(LENGTH_NAMES[self.months])),
            style="bold"))
        self.query_one("#taxes-text", Static).update(Text("\n".join(tax_period_lines(period))))

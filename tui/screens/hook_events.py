"""The webhooks the firm's systems are sent, as a preparer checks them: each event, where it
stands, the receiver's last answer; the failed ones (refused again and again) sent again."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from linkdesk.i18n import N_, _, ngettext
from store.hooks import HookRow
from tui.dialog import Dialog
from tui.formatting import format_datetime
from tui.widgets.row_table import RowTable

RELOAD_S = 2.0  # the service delivers them, not this desk
STATES = {"queued": N_("Waiting"), "sending": N_("Sending"), "sent": N_("Delivered"),
          "failed": N_("Failed")}


def answer(row: HookRow) -> str:
    """The receiver's last answer in a word, or that there was none yet."""
    if row.last_status is not None:
        return f"HTTP {row.last_status}"
    return row.last_error or "—"


class HookEventsScreen(Dialog[None]):
    """The latest webhook events, newest first; y queues the failed ones again."""

    BINDINGS = [
        Binding("escape", "close", N_("Close"), id="close"),
        Binding("y", "retry_failed", N_("Send failed again"), id="retry-failed",
                tooltip=N_("Queue the events the receiver refused again, to be sent now")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[HookRow] = []
        self._drawn = False  # the first load draws, even an empty list

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "retry_failed":
            return any(row.state == "failed" for row in self.rows)
        return True

    def compose_dialog(self) -> ComposeResult:
        with Vertical(id="hook-events", classes="dialog"):
            yield Static(_("Webhooks"), classes="title", markup=False)
            yield Static("", id="hook-summary", markup=False)
            yield RowTable(id="hook-event-list")
            yield Static("", id="hook-event-detail", markup=False)
            yield Static(_("No webhook events yet: one is queued when a client accepts or an "
                           "invitation fails, and when a bill is approved, rejected or paid."),
                         id="hook-events-empty", classes="empty", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#hook-event-list", DataTable)
        # The answer last: at 80 columns it is what runs past the edge (the line under the
        # table gives it whole).
        table.add_columns(_("Event"), _("State"), _("Tries"), _("When"), _("Last answer"))
        self.load()
        self.set_interval(RELOAD_S, self.load)

    @work(exclusive=True, group="hook-events-load")
    async def load(self) -> None:
        rows = await self.store.hooks.recent()
        health = await self.store.hooks.health()
        self.query_one("#hook-summary", Static).update(
            _("Waiting: {waiting} · Failed: {failed}").format(waiting=health.waiting,
                                                              failed=health.failed))
        if rows == self.rows and self._drawn:
            return  # nothing changed: the cursor stays where it is
        self._drawn = True
        table = self.query_one("#hook-event-list", DataTable)
        keep = self.highlighted
        self.rows = rows
        table.clear()
        for index, row in enumerate(rows):
            # Text, not str: a DataTable reads a str cell as markup, and the answer is a
            # receiver's (a "[" in it would be taken for a style, or stop the app).
            table.add_row(Text(row.kind), _(STATES.get(row.state, row.state)),
                          str(row.attempts), format_datetime(row.last_at or row.created_at),
                          Text(answer(row)), key=str(row.id))
            if keep is not None and row.id == keep.id:
                table.move_cursor(row=index)
        table.display = bool(rows)
        self.query_one("#hook-events-empty", Static).display = not rows
        self._show_detail()
        self.refresh_bindings()

    @on(DataTable.RowHighlighted, "#hook-event-list")
    def _show_detail(self) -> None:
        """The highlighted event's id (what the receiver sees) and its last answer in full."""
        row = self.highlighted
        detail = self.query_one("#hook-event-detail", Static)
        detail.display = row is not None
        if row is not None:
            said = row.last_error or (f"HTTP {row.last_status}" if row.last_status else "")
            detail.update(f"{row.event_id}  {said}".rstrip())

    @property
    def highlighted(self) -> HookRow | None:
        table = self.query_one("#hook-event-list", DataTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def action_close(self) -> None:
        self.dismiss(None)

    @work(exclusive=True, group="hook-events-retry")
    async def action_retry_failed(self) -> None:
        n = await self.store.hooks.retry_failed()
        self.notify(ngettext("{n} failed webhook queued again.",
                             "{n} failed webhooks queued again.", n).format(n=n), markup=False)
        self.rows = []  # drawn again
        self.load()

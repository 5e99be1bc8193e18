"""Who is connected over SSH now (an admin's view), and ending a session.

Ending one is asked through the database (ssh_session.end_asked_by), not by a signal: the
service that holds the session may be on another machine than this desk, only it knows which
of its processes is that session (a recorded pid can be reused once the session is gone), and
the store checks that the one asking is an admin. The service looks every 2 seconds
(linkdesk.ssh.server.ENDS_CHECKED_S), ends the session's process, and tells the client why.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from linkdesk.i18n import N_, _
from store.ssh_door import DEMO, SessionRow, SshKeyError
from tui.dialog import Dialog
from tui.formatting import format_datetime
from tui.screens.confirm import ConfirmScreen
from tui.widgets.row_table import RowTable

RELOAD_S = 2.0  # sessions come and go in the service, not through this desk


class SshSessionsScreen(Dialog[None]):
    """The sessions open through the door: preparer, address, since; e ends the highlighted."""

    BINDINGS = [
        Binding("escape", "close", N_("Close"), id="close"),
        Binding("e", "end_session", N_("End session"), id="end-session",
                tooltip=N_("End the highlighted session: its desk closes within seconds")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[SessionRow] = []
        self.asked: set[int] = set()  # sessions this admin asked to end, still open

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "end_session":
            return bool(self.rows)
        return True

    def compose_dialog(self) -> ComposeResult:
        with Vertical(id="ssh-sessions", classes="dialog"):
            yield Static(_("Connected over SSH"), classes="title", markup=False)
            yield RowTable(id="ssh-session-list")
            yield Static("", id="ssh-session-detail", markup=False)
            yield Static(_("Nobody is connected over SSH."), id="ssh-sessions-empty",
                         classes="empty", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#ssh-session-list", DataTable)
        table.add_columns(_("Preparer"), _("From"), _("Since"))
        self.load()
        self.set_interval(RELOAD_S, self.load)

    @work(exclusive=True, group="ssh-sessions-load")
    async def load(self) -> None:
        rows = await self.store.ssh.open_sessions()
        if rows == self.rows and self.is_mounted:
            return  # nothing changed: the cursor stays where it is
        table = self.query_one("#ssh-session-list", DataTable)
        keep = self.highlighted
        self.rows = rows
        self.asked &= {row.id for row in rows}
        table.clear()
        for index, row in enumerate(rows):
            name = row.username or (_("demo") if row.kind == DEMO else "—")
            if row.id in self.asked:
                name = Text.assemble(name, (" " + _("(ending)"), "italic"))
            table.add_row(name, row.address, format_datetime(row.started_at),
                          key=str(row.id))
            if keep is not None and row.id == keep.id:
                table.move_cursor(row=index)
        table.display = bool(rows)
        self.query_one("#ssh-sessions-empty", Static).display = not rows
        self._show_detail()
        self.refresh_bindings()

    @on(DataTable.RowHighlighted, "#ssh-session-list")
    def _show_detail(self) -> None:
        """How the highlighted session came in: its key, or the demo's none."""
        row = self.highlighted
        detail = self.query_one("#ssh-session-detail", Static)
        detail.display = row is not None
        if row is not None:
            detail.update(_("Key {fingerprint}").format(fingerprint=row.fingerprint)
                          if row.fingerprint else _("No key (the demo, or a password)"))

    @property
    def highlighted(self) -> SessionRow | None:
        table = self.query_one("#ssh-session-list", DataTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def action_close(self) -> None:
        self.dismiss(None)

    @work(exclusive=True, group="ssh-sessions-end")
    async def action_end_session(self) -> None:
        row = self.highlighted
        if row is None:
            return
        who = row.username or _("demo")
        if not await self.app.push_screen_wait(ConfirmScreen(
                _("End {name}'s session from {address}? Their desk closes within a few "
                  "seconds and tells them an administrator ended it; nothing they saved is "
                  "lost.").format(name=who, address=row.address), _("End session"))):
            return
        try:
            await self.store.ssh.ask_end(row.id, self.preparer_id)
        except SshKeyError:
            self.notify(_("Only an admin ends a session."), severity="warning", markup=False)
            return
        self.asked.add(row.id)
        self.rows = []  # drawn again, with the mark
        self.notify(_("{name}'s session ends within a few seconds.").format(name=who),
                    markup=False)
        self.load()

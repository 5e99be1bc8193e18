"""The SSH keys that open the desk: a preparer's own, or (for an admin) every preparer's."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from linkdesk.i18n import N_, _
from store.ssh_door import KeyRow, SshKeyError
from tui.dialog import Dialog
from tui.formatting import format_datetime
from tui.screens.confirm import ConfirmScreen
from tui.widgets.row_table import RowTable


class SshKeysScreen(Dialog[None]):
    """Lists the keys (fingerprints, never keys); a adds one, x removes the highlighted one."""

    BINDINGS = [
        Binding("escape", "close", N_("Close"), id="close"),
        Binding("a", "add_key", N_("Add key"), id="add-key",
                tooltip=N_("Paste an OpenSSH public key line for a preparer")),
        Binding("x,delete", "remove_key", N_("Remove"), id="remove-key", key_display="x",
                tooltip=N_("Take the highlighted key away: it no longer opens the desk")),
        Binding("s", "sessions", N_("Connected"), id="ssh-sessions",
                tooltip=N_("Who is connected over SSH now; end a session")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[KeyRow] = []

    @property
    def admin(self) -> bool:
        return self.preparer is not None and self.preparer.is_admin

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "remove_key":
            return bool(self.rows)
        if action == "sessions":
            return self.admin or None  # a preparer never sees it
        return True

    def compose_dialog(self) -> ComposeResult:
        with Vertical(id="ssh-keys", classes="dialog"):
            yield Static(_("SSH keys") if self.admin else _("Your SSH keys"), classes="title",
                         markup=False)
            yield Static(Text(_("A key opens the desk over SSH, signed in as its preparer, "
                                "with no password: ssh -p PORT NAME@host. Keys are listed by "
                                "fingerprint, as ssh-keygen -l shows them."), style="dim"))
            yield RowTable(id="ssh-key-list")
            yield Static("", id="ssh-key-detail", markup=False)
            yield Static(_("No SSH key yet: press a to paste one (the .pub file's line)."),
                         id="ssh-keys-empty", classes="empty", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#ssh-key-list", DataTable)
        table.add_columns(_("Preparer"), _("Fingerprint"))
        self.load()

    @work(exclusive=True, group="ssh-keys-load")
    async def load(self, select: str | None = None) -> None:
        """The keys again; the row of fingerprint `select` highlighted, if given."""
        self.rows = await self.store.ssh.keys(None if self.admin else self.preparer.username)
        table = self.query_one("#ssh-key-list", DataTable)
        table.clear()
        for row in self.rows:
            table.add_row(row.username, row.fingerprint, key=str(row.id))
        for index, row in enumerate(self.rows):
            if row.fingerprint == select:
                table.move_cursor(row=index)
        table.display = bool(self.rows)
        self.query_one("#ssh-keys-empty", Static).display = not self.rows
        self._show_detail()
        self.refresh_bindings()

    @on(DataTable.RowHighlighted, "#ssh-key-list")
    def _show_detail(self) -> None:
        """The highlighted key's type, comment, when it was added and last opened the desk,
        under the table (80 columns hold a name and a fingerprint, not more)."""
        row = self.highlighted
        detail = self.query_one("#ssh-key-detail", Static)
        detail.display = row is not None
        if row is not None:
            used = (_("last used {when}").format(when=format_datetime(row.last_used_at))
                    if row.last_used_at else _("never used yet"))
            detail.update(_("{algorithm} · {comment}\nAdded {when} · {used}").format(
                algorithm=row.algorithm, comment=row.comment or "—",
                when=format_datetime(row.added_at), used=used))

    @property
    def highlighted(self) -> KeyRow | None:
        table = self.query_one("#ssh-key-list", DataTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def action_close(self) -> None:
        self.dismiss(None)

    def action_add_key(self) -> None:
        from tui.screens.add_ssh_key import AddSshKeyScreen

        row = self.highlighted
        self.app.push_screen(AddSshKeyScreen(row.username if row and self.admin else
                                             self.preparer.username, admin=self.admin),
                             lambda added: added and self.load(select=added))

    @work(exclusive=True, group="ssh-keys-remove")
    async def action_remove_key(self) -> None:
        row = self.highlighted
        if row is None:
            return
        if not await self.app.push_screen_wait(ConfirmScreen(
                _("Remove the key {fingerprint} ({comment}) from {name}? It will no longer "
                  "open the desk; a session open with it goes on until it ends.").format(
                    fingerprint=row.fingerprint, comment=row.comment or row.algorithm,
                    name=row.username), _("Remove"))):
            return
        from linkdesk.labels import key_error

        try:
            await self.store.ssh.remove_key(row.username, row.fingerprint, self.preparer_id)
        except SshKeyError as exc:
            self.notify(key_error(exc.code), severity="warning", markup=False)
        else:
            self.notify(_("Removed key {fingerprint} from {name}.").format(
                fingerprint=row.fingerprint, name=row.username), markup=False)
        self.load()

    def action_sessions(self) -> None:
        from tui.screens.ssh_sessions import SshSessionsScreen

        if self.admin:
            self.app.push_screen(SshSessionsScreen())

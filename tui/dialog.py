"""The base of every dialog: a modal screen that lists its keys on the bottom line, as the
desk's screens do, and opens help on F1 (in a dialog, `?` is a character typed into a field)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ScreenResultType
from textual.widgets import Static

from linkdesk.i18n import N_
from tui.desk import Desk
from tui.textual_patches.quiet_screen import QuietModalScreen
from tui.widgets.key_bar import KeyBar


class Dialog(Desk, QuietModalScreen[ScreenResultType]):
    """A modal screen of the desk whose bottom line is its keys; subclasses compose in
    `compose_dialog`."""

    BINDINGS = [
        Binding("f1", "help", N_("Help"), id="help", key_display="F1",
                tooltip=N_("Every key of this dialog, with what it does")),
    ]

    def compose(self) -> ComposeResult:
        yield from self.compose_dialog()
        yield KeyBar()

    def compose_dialog(self) -> ComposeResult:
        """The dialog itself, above its key line."""
        raise NotImplementedError

    def action_help(self) -> None:
        self.app.action_help()

    @property
    def help_title(self) -> str:
        """What help calls this dialog: its own title line, as the preparer reads it."""
        for title in self.query(".title").results(Static):
            return str(title.render())
        return ""

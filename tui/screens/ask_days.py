"""Asks for a number of days (re-invite those pending longer than that)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from linkdesk.i18n import N_, _
from tui.dialog import Dialog
from tui.widgets.text_input import TextInput


class AskDaysScreen(Dialog[int | None]):
    """A whole number of days, 1 to 365; Enter accepts, Escape cancels."""

    BINDINGS = [Binding("ctrl+s", "ok", N_("OK"), id="ok"),
                Binding("escape", "cancel", N_("Cancel"), id="cancel")]

    def __init__(self, question: str, default: int = 7) -> None:
        super().__init__()
        self.question = question
        self.default = default

    def compose_dialog(self) -> ComposeResult:
        with Vertical(id="ask-days", classes="dialog confirm"):
            yield Static(self.question, classes="question", markup=False)
            yield TextInput(str(self.default), id="days", type="integer", max_length=3,
                        compact=True)
            yield Static("", id="days-problem", classes="warning", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(_("OK"), id="ok-button", variant="primary", compact=True)
                yield Button(_("Cancel"), id="cancel-button", compact=True)

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#days", Input))

    @on(Input.Submitted, "#days")
    @on(Button.Pressed, "#ok-button")
    def action_ok(self) -> None:
        raw = self.query_one("#days", Input).value.strip()
        if not raw.isdigit() or not 1 <= int(raw) <= 365:
            self.query_one("#days-problem", Static).update(_("A number of days from 1 to 365."))
            return
        self.dismiss(int(raw))

    @on(Button.Pressed, "#cancel-button")
    def action_cancel(self) -> None:
        self.dismiss(None)

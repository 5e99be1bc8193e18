"""A yes/no question before anything that changes a client's pipeline."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from linkdesk.i18n import N_, _
from tui.dialog import Dialog


class ConfirmScreen(Dialog[bool]):
    """Asks `question` (plain text, never markup); y or Enter says yes, n or Escape says no."""

    BINDINGS = [
        Binding("y", "answer(True)", N_("Yes"), id="yes"),
        Binding("n,escape", "answer(False)", N_("No"), id="no"),
    ]

    def __init__(self, question: str, yes_label: str) -> None:
        super().__init__()
        self.question = question
        self.yes_label = yes_label

    def compose_dialog(self) -> ComposeResult:
        with Vertical(classes="dialog confirm"):
            yield Static(Text(self.question), classes="question")
            with Horizontal(classes="buttons"):
                # The keys on the buttons: the key line says y and n, the buttons what they do.
                yield Button(_("{label} (y)").format(label=self.yes_label), id="yes-button",
                             variant="warning", compact=True)
                yield Button(_("{label} (n)").format(label=_("Keep as is")), id="no-button",
                             compact=True)

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#yes-button", Button))

    @on(Button.Pressed, "#yes-button")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no-button")
    def _no(self) -> None:
        self.dismiss(False)

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

"""One choice among a few named things (the bill a duplicate repeats...), before it is made."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from linkdesk.i18n import N_
from tui.dialog import Dialog


class ChooseScreen(Dialog[int | None]):
    """Asks `question` (plain text) over `choices` (label, value); Enter picks the highlighted
    one, Escape picks none (None)."""

    BINDINGS = [
        Binding("enter", "pick", N_("Choose"), id="pick", show=True),
        Binding("escape", "cancel", N_("Cancel"), id="cancel"),
    ]

    def __init__(self, question: str, choices: list[tuple[str, int]]) -> None:
        super().__init__()
        self.question = question
        self.choices = choices

    def compose_dialog(self) -> ComposeResult:
        with Vertical(classes="dialog confirm"):
            yield Static(Text(self.question), classes="question title")
            yield OptionList(*[Option(Text(label), id=str(value))
                               for label, value in self.choices], id="choices")

    def on_mount(self) -> None:
        self.set_focus(self.query_one(OptionList))

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id))

    def action_pick(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self.dismiss(int(options.get_option_at_index(options.highlighted).id))

    def action_cancel(self) -> None:
        self.dismiss(None)

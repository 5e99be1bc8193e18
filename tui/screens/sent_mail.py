"""The mail the built-in capture received: what clients would have in their inbox."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from linkdesk.i18n import _


class SentMailScreen(ModalScreen[None]):
    """Lists captured messages, newest first; Enter shows one, with its link."""

    BINDINGS = [Binding("escape", "close", _("Close"), id="close")]

    def __init__(self, captured: list, relay: str = "") -> None:
        super().__init__()
        self.captured = list(reversed(captured))
        self.relay = relay

    def compose(self) -> ComposeResult:
        with Vertical(id="sent-mail", classes="dialog"):
            yield Static(_("Sent mail (built-in capture)"), classes="title", markup=False)
            if self.relay:
                yield Static(_("Mail goes to the relay {relay}; nothing is captured here.")
                             .format(relay=self.relay), markup=False)
            elif not self.captured:
                yield Static(_("No mail sent yet."), markup=False)
            yield OptionList(*[
                Option(Text(f"{m.recipient}  ·  {m.subject}", no_wrap=True, overflow="ellipsis"),
                       id=str(i))
                for i, m in enumerate(self.captured)
            ], id="sent-list")
            yield Static("", id="sent-body", markup=False)

    @on(OptionList.OptionSelected, "#sent-list")
    def _show(self, event: OptionList.OptionSelected) -> None:
        mail = self.captured[int(event.option.id)]
        self.query_one("#sent-body", Static).update(Text(
            _("To: {recipient}\nSubject: {subject}").format(
                recipient=mail.recipient, subject=mail.subject) + f"\n\n{mail.text}"))

    def action_close(self) -> None:
        self.dismiss(None)

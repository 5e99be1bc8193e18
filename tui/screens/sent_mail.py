"""Mail: the settings in effect, a relay check on one key, and (with the built-in capture) the
mail it received: what clients would have in their inbox."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from linkdesk.i18n import _
from tui.desk import Desk
from tui.dialog import Dialog
from tui.quiet_screen import QuietScreen


class SentMailScreen(Desk, QuietScreen, Dialog[None]):
    """Lists captured messages, newest first; Enter shows one, with its link."""

    BINDINGS = [
        Binding("escape", "close", _("Close"), id="close"),
        Binding("c", "check_relay", _("Check relay"), id="check-relay",
                tooltip=_("Connect, TLS, certificate and login, as delivery does")),
        Binding("l", "copy_link", _("Copy link"), id="copy-link",
                tooltip=_("The shown message's link, to the clipboard (works over SSH)")),
    ]

    def __init__(self, captured: list, relay: str = "") -> None:
        super().__init__()
        self.captured = list(reversed(captured))
        self.relay = relay

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "check_relay":
            return bool(self.relay)
        if action == "copy_link":
            return self.link is not None
        return True

    link: str | None = None  # the shown message's link

    def compose_dialog(self) -> ComposeResult:
        with Vertical(id="sent-mail", classes="dialog"):
            title = _("Mail") if self.relay else _("Sent mail (built-in capture)")
            yield Static(title, classes="title", markup=False)
            if self.relay:
                yield Static(_("Mail goes to the relay {relay}; nothing is captured here.")
                             .format(relay=self.relay), markup=False)
                yield Static(_("From: {sender}  ·  press c to check the relay").format(
                    sender=self.settings.sender_address), markup=False)
                yield Static("", id="relay-check", markup=False)
            elif not self.captured:
                yield Static(_("No mail sent yet."), markup=False)
            if self.relay:
                return  # nothing captured to list
            yield OptionList(*[
                Option(Text(f"{m.recipient}  ·  {m.subject}", no_wrap=True, overflow="ellipsis"),
                       id=str(i))
                for i, m in enumerate(self.captured)
            ], id="sent-list")
            with VerticalScroll(id="sent-body"):  # focusable: ↑ ↓ scroll the whole text
                yield Static("", id="sent-text", markup=False)

    @on(OptionList.OptionSelected, "#sent-list")
    def _show(self, event: OptionList.OptionSelected) -> None:
        import re

        mail = self.captured[int(event.option.id)]
        found = re.search(r"https?://[^\s<>\"]+", mail.text or "")
        self.link = found.group(0) if found else None
        head = _("To: {recipient}\nSubject: {subject}").format(
            recipient=mail.recipient, subject=mail.subject)
        if self.link:  # first, so it is seen at 80x24 whatever the body's length
            head += "\n" + _("Link: {link}  (l copies it)").format(link=self.link)
        self.query_one("#sent-text", Static).update(Text(head + f"\n\n{mail.text}"))
        self.query_one("#sent-body").scroll_home(animate=False)
        self.refresh_bindings()

    def action_copy_link(self) -> None:
        if self.link:
            self.app.copy_to_clipboard(self.link)  # OSC 52: the terminal's clipboard, over SSH
            self.notify(_("Link copied to the clipboard."), markup=False)

    @work(exclusive=True, group="relay-check")
    async def action_check_relay(self) -> None:
        """The same check as `linkdesk mail check`; a pass resumes a paused delivery at once."""
        from linkdesk.cli_mail import run_check, step_lines

        shown = self.query_one("#relay-check", Static)
        shown.update(_("Checking the relay…"))
        try:
            _relay, steps = await run_check(self.settings, None)
        except Exception as exc:  # the check's own failure: said, the screen stays usable
            shown.update(_("The check could not run: {reason}").format(reason=exc))
            return
        passed = not any(step.ok is False for step in steps)
        verdict = _("Every step passed.") if passed else _("The check failed.")
        shown.update("\n".join([*step_lines(steps), verdict]))
        runtime = self.runtime
        if passed and runtime is not None and runtime.delivery is not None:
            runtime.delivery.retry_now()

    def action_close(self) -> None:
        self.dismiss(None)

"""Mail: the settings in effect, a relay check on one key, and (with the built-in capture) the
mail it received: what clients would have in their inbox.

The capture's Maildir is read lazily (linkdesk.mail.capture): the dialog is drawn with the
newest rows, the older ones are added in the background, and a message is parsed whole only
when it is opened. Each row has its date and time, and whether its link still works: a
re-invitation's old link stops working, and the row says so.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from linkdesk.i18n import N_, _
from linkdesk.mail.capture import FIRST_ROWS, CapturedMail, read_heads_of
from tui.dialog import Dialog


class SentMailScreen(Dialog[None]):
    """Lists captured messages, newest first; Enter shows one, with its link."""

    BINDINGS = [
        Binding("escape", "close", N_("Close"), id="close"),
        Binding("c", "check_relay", N_("Check relay"), id="check-relay",
                tooltip=N_("Connect, TLS, certificate and login, as delivery does")),
        Binding("l", "copy_link", N_("Copy link"), id="copy-link",
                tooltip=N_("The shown message's link, to the clipboard (works over SSH)")),
    ]

    def __init__(self, captured: list[CapturedMail], relay: str = "") -> None:
        """`captured`: read_captured's list, oldest first, each message read only when its
        row is drawn (its headers) or it is opened (the whole of it)."""
        super().__init__()
        self.captured = list(reversed(captured))
        self.relay = relay
        self.rows: list[CapturedMail] = []  # the rows listed, newest first: `captured`, read
        self._read = 0  # messages of `captured` whose rows were asked for
        self._first_of: dict[str, int] = {}  # an address's newest row
        self._states: dict[str, str] = {}  # token → LinkView.state (the token is never shown)
        self._asked: set[int] = set()  # rows whose link state was asked for
        self._pending: list[int] = []  # ...and not looked up yet, in the order asked
        self._asking = False

    def _add_rows(self, mails: list[CapturedMail]) -> range:
        start = len(self.rows)
        self.rows.extend(mails)
        for index in range(start, len(self.rows)):
            self._first_of.setdefault(self.rows[index].heads.address, index)
        return range(start, len(self.rows))

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
            # The newest rows at once: read_captured has read their headers already.
            first = self.captured[:FIRST_ROWS]
            self._read = len(first)
            yield OptionList(*map(self._option, self._add_rows(read_heads_of(first))),
                             id="sent-list")
            with VerticalScroll(id="sent-body"):  # focusable: ↑ ↓ scroll the whole text
                yield Static("", id="sent-text", markup=False)

    def on_mount(self) -> None:
        if self.relay or not self.captured:
            return
        listed = self.query_one("#sent-list", OptionList)
        # A link's state is asked for when its row can be seen: scrolled to, or highlighted.
        self.watch(listed, "scroll_y", lambda _y: self._want_shown(), init=False)
        self.watch(listed, "highlighted", lambda _i: self._want_shown(), init=False)
        # After the first frame: the newest rows are seen before anything else is done.
        self.call_after_refresh(self._want_shown)
        self.call_after_refresh(self._read_older)

    @property
    def complete(self) -> bool:
        """Every row listed, and the link state of every row shown known (for the bench)."""
        return self.relay != "" or (self._read >= len(self.captured) and not self._pending
                                    and not self._asking)

    # The rows

    def _option(self, index: int) -> Option:
        return Option(self._prompt(index), id=str(index))

    def _prompt(self, index: int) -> Text:
        mail = self.rows[index].heads
        row = Text(no_wrap=True, overflow="ellipsis")
        row.append(sent_at(mail.date), style="dim")
        mark = link_mark(self._state(index), self._replaced(index))
        if mark:  # before the names, so a narrow terminal still shows it
            row.append("  ")
            row.append(mark, style="bold")
        row.append(f"  {mail.recipient}  ·  {mail.subject}")
        return row

    def _state(self, index: int) -> str | None:
        token = self.rows[index].heads.token
        return self._states.get(token) if token else None

    def _replaced(self, index: int) -> bool:
        """A newer message went to the same address (a re-invitation, as a rule)."""
        return self._first_of.get(self.rows[index].heads.address, index) < index

    @work(exclusive=True, group="sent-mail-rows")
    async def _read_older(self) -> None:
        """The rows not drawn at first, read in a thread a batch at a time, added in order."""
        listed = self.query_one("#sent-list", OptionList)
        while self._read < len(self.captured):
            chunk = self.captured[self._read:self._read + ROWS_AT_ONCE]
            added = self._add_rows(await asyncio.to_thread(read_heads_of, chunk))
            self._read += len(chunk)
            listed.add_options(list(map(self._option, added)))
            self._want_shown()

    def _want_shown(self) -> None:
        """Ask for the link states of the rows in sight (and a screenful around them)."""
        listed = self.query_one("#sent-list", OptionList)
        top = int(listed.scroll_offset.y)  # a row is a line: no_wrap
        height = max(listed.size.height, 10)
        wanted = range(max(0, top - height), top + 2 * height)
        if listed.highlighted is not None:
            wanted = [*wanted, *range(max(0, listed.highlighted - height),
                                      listed.highlighted + height)]
        for index in wanted:
            if index < len(self.rows) and index not in self._asked:
                self._asked.add(index)
                if self.rows[index].heads.token is not None:
                    self._pending.append(index)
        if self._pending and not self._asking:
            self._asking = True
            self._ask()

    @work(group="sent-mail-states")
    async def _ask(self) -> None:
        """Ask the store about each pending row's link (LinkView.state, which changes
        nothing), and redraw the rows that then get a mark, a batch at a time."""
        listed = self.query_one("#sent-list", OptionList)
        try:
            while self._pending:
                batch = self._pending[:STATES_AT_ONCE]
                del self._pending[:STATES_AT_ONCE]
                for index in batch:
                    await self._look_up(index)
                for index in batch:
                    if link_mark(self._state(index), self._replaced(index)):
                        listed.replace_option_prompt_at_index(index, self._prompt(index))
        finally:
            self._asking = False

    async def _look_up(self, index: int) -> None:
        token = self.rows[index].heads.token
        if token is not None and token not in self._states:
            self._states[token] = (await self.store.invitations.view(token)).state

    # The message opened

    @on(OptionList.OptionSelected, "#sent-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._show(int(event.option.id))

    @work(exclusive=True, group="sent-mail-open")
    async def _show(self, index: int) -> None:
        mail = self.rows[index]
        heads = mail.heads
        try:
            text = await asyncio.to_thread(lambda: mail.text)  # parsed now, once
        except FileNotFoundError:  # removed since the list was read
            self.query_one("#sent-text", Static).update(_("This message is no longer there."))
            return
        await self._look_up(index)  # known already, as a rule: its row was in sight
        found = re.search(r"https?://[^\s<>\"]+", text or "")
        self.link = found.group(0) if found else None
        head = _("To: {recipient}\nSubject: {subject}").format(
            recipient=heads.recipient, subject=heads.subject)
        if heads.date is not None:
            head += "\n" + _("Sent: {when}").format(when=sent_at(heads.date))
        if self.link:  # first, so it is seen at 80x24 whatever the body's length
            head += "\n" + _("Link: {link}  (l copies it)").format(link=self.link)
            note = link_note(self._state(index), self._replaced(index))
            if note:
                head += "\n" + note
        self.query_one("#sent-text", Static).update(Text(head + f"\n\n{text}"))
        self.query_one("#sent-body").scroll_home(animate=False)
        self.refresh_bindings()

    def action_copy_link(self) -> None:
        if self.link:
            self.app.copy_to_clipboard(self.link)  # OSC 52: the terminal's clipboard, over SSH
            self.notify(_("Link copied to the clipboard."), markup=False)

    @work(exclusive=True, group="relay-check")
    async def action_check_relay(self) -> None:
        """The same check as `linkdesk mail check`; a pass resumes a paused delivery at once."""
        from linkdesk.mail.check_report import run_check, step_lines

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


ROWS_AT_ONCE = 250  # older rows read per thread hop, added to the list together
STATES_AT_ONCE = 10  # rows looked up, then redrawn together


def sent_at(when: dt.datetime | None) -> str:
    """A message's Date (naive UTC) as the preparer's locale writes a date and time, in local
    time; "—" when the message has none."""
    if when is None:
        return "—"
    from linkdesk.labels import when_at

    return when_at(when)


def link_mark(state: str | None, replaced: bool) -> str:
    """A row's word for its link, or "" while it works (or is not known yet)."""
    if state in ("cancelled", "unknown"):
        return _("replaced") if replaced else _("link no longer works")
    if state == "expired":
        return _("expired")
    if state in ("accepted", "used"):
        return _("accepted")
    return ""


def link_note(state: str | None, replaced: bool) -> str:
    """The same, as a line above an opened message."""
    if state in ("cancelled", "unknown"):
        return (_("A newer invitation replaced this one: this link no longer works.")
                if replaced else _("This link no longer works."))
    if state == "expired":
        return _("This link has expired.")
    if state in ("accepted", "used"):
        return _("The client accepted: this link has been used.")
    return ""

"""Reminders: the firm's setting, and who would be reminded next (and when)."""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.widgets import Button, DataTable, Input, Label, Static, Switch

from linkdesk.i18n import N_, _
from linkdesk.labels import when
from store.reminders import ReminderSettings
from store.versions import ChangedMeanwhile
from tui.dialog import Dialog
from tui.formatting import clipped
from tui.live import follow_store
from tui.screens.confirm import ConfirmScreen
from tui.widgets.row_table import RowTable
from tui.widgets.text_input import TextInput


def describe(settings: ReminderSettings) -> str:
    """Reminder settings in a few words, for a question about them."""
    if not settings.on:
        return _("off")
    return _("on, after {days} days, at most {most}").format(days=settings.days,
                                                           most=settings.most)


class RemindersScreen(Dialog[None]):
    """Switch reminders on or off, set after how many days and how many; see who is next."""

    BINDINGS = [
        Binding("escape", "close", N_("Close"), id="close"),
        Binding("ctrl+s", "save", N_("Save"), id="save"),
    ]

    def __init__(self, firm_id: int) -> None:
        super().__init__()
        self.firm_id = firm_id
        self._shown: tuple[bool, str, str] | None = None  # the settings as last read

    def compose_dialog(self) -> ComposeResult:
        with Vertical(id="reminders", classes="dialog"):
            yield Static(_("Reminders for pending invitations"), classes="title", markup=False)
            with Horizontal(classes="form-row"):
                yield Label(_("Send reminders"), classes="form-label")
                yield Switch(id="reminders-on")
                # In words too: under NO_COLOR the switch's knob alone told on from off.
                yield Static(_("Off"), id="reminders-state", markup=False)
            with Horizontal(classes="form-row"):
                yield Label(_("After (days pending)"), classes="form-label")
                yield TextInput(id="reminder-days", type="integer", max_length=3, compact=True)
            with Horizontal(classes="form-row"):
                yield Label(_("At most (reminders)"), classes="form-label")
                yield TextInput(id="reminder-max", type="integer", max_length=2, compact=True)
            yield Static("", id="reminder-problem", classes="warning", markup=False)
            yield Static(Text(_("A reminder carries a new link; the earlier one keeps working "
                                "until either is used. Each is recorded in the client's "
                                "history. Inactive, cancelled and accepted clients are never "
                                "reminded."), style="dim"))
            yield Static("", id="next-title", classes="title", markup=False)
            yield RowTable(id="upcoming")
            yield Static(_("No pending invitation to remind: each one sent and not yet "
                           "accepted shows here with the day its reminder is due."),
                         id="upcoming-empty", classes="empty", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(_("Save"), id="save-button", variant="primary", compact=True)
                yield Button(_("Close"), id="close-button", compact=True)

    def on_mount(self) -> None:
        follow_store(self, self.live_reload)
        table = self.query_one("#upcoming", DataTable)
        table.add_columns(_("Client"), _("Email"), _("Year"), _("Reminder due"), _("Reminders"))
        preparer = self.preparer
        if preparer is not None and not preparer.is_admin:  # read only, and said so
            for widget in self.query("#reminders-on, #reminder-days, #reminder-max, "
                                     "#save-button"):
                widget.disabled = True
            self.query_one("#reminder-problem", Static).update(
                _("Read only: only an admin of the firm may change the reminder settings."))
        self.load()

    def _typed(self) -> tuple[bool, str, str]:
        return (self.query_one("#reminders-on", Switch).value,
                self.query_one("#reminder-days", Input).value,
                self.query_one("#reminder-max", Input).value)

    def live_reload(self) -> None:
        """A change elsewhere (a colleague, an acceptance, a reminder sent): the list follows;
        the settings too, unless the preparer has changed them here (a save then asks)."""
        self.load()

    @work(exclusive=True, group="reminders-load")
    async def load(self) -> None:
        reminders = self.store.reminders
        settings = await reminders.settings(self.firm_id)
        if self._shown is None or self._typed() == self._shown:
            self.version = settings.version  # a save over a colleague's newer one asks first
            with self.prevent(Switch.Changed):
                self.query_one("#reminders-on", Switch).value = settings.on
            self._say_state(settings.on)
            self.query_one("#reminder-days", Input).value = str(settings.days)
            self.query_one("#reminder-max", Input).value = str(settings.most)
            self._shown = self._typed()
        await self._show_upcoming()

    def _preview_settings(self) -> ReminderSettings | None:
        """The settings as typed, when they are valid (else the list keeps the last ones)."""
        on, days, most = self._typed()
        days, most = days.strip(), most.strip()
        if not (days.isdigit() and 1 <= int(days) <= 365 and most.isdigit()
                and 1 <= int(most) <= 10):
            return None
        return ReminderSettings(on, int(days), int(most))

    @on(Input.Changed, "#reminder-days, #reminder-max")
    @on(Switch.Changed, "#reminders-on")
    def _settings_typed(self) -> None:
        self.preview()

    @work(exclusive=True, group="reminders-preview")
    async def preview(self) -> None:
        """Who the settings as typed would remind, and when: the list follows as they change,
        before they are saved."""
        await self._show_upcoming()

    async def _show_upcoming(self) -> None:
        settings = self._preview_settings()
        if settings is None:
            return
        rows = await self.store.reminders.upcoming(self.firm_id, settings=settings)
        try:
            if settings != self._preview_settings():
                return  # typed on meanwhile: the newer preview draws
        except NoMatches:
            return  # closed (or the app quit) while the list was read
        now = self.store.clock()
        table = self.query_one("#upcoming", DataTable)
        table.clear()
        for row in rows:  # narrow enough for 80 columns; the history has the rest
            due = _("now") if row.due_at <= now else when(row.due_at.date().isoformat())
            table.add_row(clipped(row.name, 20), clipped(row.email, 20), str(row.tax_year), due,
                          Text(str(row.reminders), justify="right"))
        table.display = bool(rows)
        self.query_one("#upcoming-empty", Static).display = not rows
        title = (_("Next to be reminded ({n})") if settings.on else
                 _("Would be reminded if reminders were on ({n})")).format(n=len(rows))
        self.query_one("#next-title", Static).update(title)

    @on(Button.Pressed, "#save-button")
    def action_save(self) -> None:
        self.save()

    @work(exclusive=True, group="reminders-save")  # a live reload never cancels a save
    async def save(self) -> None:
        days = self.query_one("#reminder-days", Input).value.strip()
        most = self.query_one("#reminder-max", Input).value.strip()
        problem = self.query_one("#reminder-problem", Static)
        if not (days.isdigit() and 1 <= int(days) <= 365 and most.isdigit()
                and 1 <= int(most) <= 10):
            problem.update(_("Days: 1 to 365. Reminders: 1 to 10."))
            return
        problem.update("")
        mine = ReminderSettings(self.query_one("#reminders-on", Switch).value, int(days),
                                int(most), self.version)
        preparer = self.preparer_id
        try:
            await self.store.reminders.configure(self.firm_id, mine, preparer)
        except PermissionError:
            problem.update(_("Only an admin of the firm may change the reminder settings."))
            return
        except ChangedMeanwhile as theirs:
            if not await self.app.push_screen_wait(ConfirmScreen(
                    _("{who} changed the reminder settings while you had them open: they are "
                      "now {state}. Save yours over them?").format(
                        who=theirs.by or _("Someone"), state=describe(theirs.now)),
                    _("Save mine"))):
                self._shown = None
                self.load()  # theirs, shown as they are now
                return
            await self.store.reminders.configure(
                self.firm_id, replace(mine, version=theirs.version), preparer)
        self.notify(_("Reminder settings saved."), markup=False)
        self._shown = None  # what was saved is what to show
        self.load()

    @on(Button.Pressed, "#close-button")
    def action_close(self) -> None:
        self.dismiss(None)

    def _say_state(self, on: bool) -> None:
        self.query_one("#reminders-state", Static).update(_("On") if on else _("Off"))

    @on(Switch.Changed, "#reminders-on")
    def _switched(self, event: Switch.Changed) -> None:
        self._say_state(event.value)

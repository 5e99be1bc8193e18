"""Changing a client's email address: its history stays, links sent to the old address die."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from linkdesk.i18n import N_, _
from store.validate import FieldError, parse_email
from store.versions import ChangedMeanwhile
from tui.duplicate_email import email_used_by
from tui.forms import FormDialog
from tui.screens.confirm import ConfirmScreen
from tui.widgets.form_field import FormField


class ChangeEmailScreen(FormDialog[bool]):
    """Asks for the new address; dismisses with True once it is saved."""

    BINDINGS = [
        Binding("ctrl+s", "save", N_("Save"), id="save", tooltip=N_("Save the new address")),
        Binding("escape", "cancel", N_("Cancel"), id="cancel"),
    ]

    def __init__(self, client: dict) -> None:
        super().__init__()
        self.client = client
        self._duplicate_of: str | None = None  # the address the preparer was warned about

    def compose_dialog(self) -> ComposeResult:
        with Vertical(id="change-email", classes="dialog"):
            yield Static(_("New email address for {name}").format(
                name=self.client["display_name"]), classes="title", markup=False)
            yield FormField("email", _("Email"), max_length=254)
            yield Static(_("Invitation links sent to the old address will stop working."),
                         classes="warning", markup=False)
            yield Static("", id="duplicate-warning", classes="warning", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(_("Save"), id="save-button", variant="primary", compact=True)
                yield Button(_("Cancel"), id="cancel-button", compact=True)

    def on_mount(self) -> None:
        field = self.query_one("#input-email", Input)
        field.value = self.client["email"]
        self.set_focus(field)

    @on(Button.Pressed, "#save-button")
    def action_save(self) -> None:
        self.save()

    def submit_form(self) -> None:
        self.save()

    @on(Button.Pressed, "#cancel-button")
    def action_cancel(self) -> None:
        self.dismiss(False)

    @work(exclusive=True, group="change-email")
    async def save(self) -> None:
        field = self.query_one("#field-email", FormField)
        field.set_error(None)
        try:
            email = parse_email(field.value)
        except FieldError as exc:
            field.set_error(exc.code)
            return
        if email == self.client["email"]:
            self.dismiss(False)
            return
        # Another client's address: said once, as the add-client form says it; Save again
        # goes ahead.
        used = await email_used_by(self.store, self.preparer.firm_id, email,
                                   client_id=self.client["id"])
        warning = self.query_one("#duplicate-warning", Static)
        if used is not None and used[0] != self._duplicate_of:
            self._duplicate_of, names = used
            warning.update(_("Another client already uses this email ({names}). Press Save "
                             "to use it anyway.").format(names=names))
            return
        invitations = self.store.invitations
        try:
            await invitations.change_email(self.client["id"], email, self.preparer_id,
                                           self.client.get("version"))
        except ChangedMeanwhile as theirs:
            if not await self.app.push_screen_wait(ConfirmScreen(
                    _("{who} changed this client while you were typing: the address is now "
                      "{email}. Save {mine} over it?").format(
                        who=theirs.by or _("Someone"), email=theirs.now, mine=email),
                    _("Save mine"))):
                self.dismiss(True)  # the list shows theirs
                return
            await invitations.change_email(self.client["id"], email, self.preparer_id,
                                           theirs.version)
        self.dismiss(True)

"""Editing a client's details (name, phone, language), checked as the add form checks them;
the email keeps its own flow (e), which ends the links sent to the old address."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Select, Static

from linkdesk.i18n import N_, _
from linkdesk.labels import LANGUAGE_LABELS
from store import ClientDraft, DraftErrors, check_draft
from store.validate import format_phone, parse_name, parse_phone
from store.versions import ChangedMeanwhile
from tui.forms import FormDialog, field_check
from tui.screens.confirm import ConfirmScreen
from tui.widgets.details_fields import show_errors
from tui.widgets.form_field import FormField


class EditClientScreen(FormDialog[bool]):
    """The client's details as stored; dismisses with True once a change is saved."""

    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel"), id="cancel", tooltip=N_("Close, saving nothing")),
        Binding("ctrl+s", "save", N_("Save"), id="save", tooltip=N_("Save the details")),
    ]

    def __init__(self, client: dict) -> None:
        """`client`: as Clients.details gives it (with its version)."""
        super().__init__()
        self.client = client

    @property
    def is_organization(self) -> bool:
        return self.client["kind"] == "organization"

    def compose_dialog(self) -> ComposeResult:
        with Vertical(id="edit-client", classes="dialog"):
            yield Static(_("Details of {name}").format(name=self.client["display_name"]),
                         classes="title", markup=False)
            if self.is_organization:
                yield FormField("organization_name", _("Organization name"), max_length=200)
                phone_label = _("Work phone (optional)")
            else:
                yield FormField("first_name", _("First name"), max_length=200)
                yield FormField("last_name", _("Last name"), max_length=200)
                phone_label = _("Cell phone (optional)")
            yield FormField("phone", phone_label, optional=True, max_length=40)
            with Horizontal(classes="form-row"):
                yield Label(_("Language"), classes="form-label")
                yield Select([(_(label), code) for code, label in LANGUAGE_LABELS.items()],
                             value=self.client["language"], allow_blank=False, id="language",
                             compact=True)
            with Horizontal(classes="form-row"):
                yield Label(_("Email"), classes="form-label")
                yield Static(self.client["email"], id="email", markup=False)
            yield Static(_("The email has its own key on the list (e): links sent to the old "
                           "address stop working."), classes="note", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(_("Save"), id="save-button", variant="primary", compact=True)
                yield Button(_("Cancel"), id="cancel-button", compact=True)

    def on_mount(self) -> None:
        fields = self._fields()
        for name in ("first_name", "last_name", "organization_name"):
            if name in fields:
                fields[name].input.value = self.client[name] or ""
                fields[name].recheck = field_check(parse_name)
        fields["phone"].recheck = field_check(parse_phone, self.settings.region)
        fields["phone"].input.value = format_phone(self.client.get("phone"),
                                                   self.settings.region)
        self.set_focus(self.shown_inputs()[0])

    def _fields(self) -> dict[str, FormField]:
        return {f.field_name: f for f in self.query(FormField)}

    def _draft(self) -> ClientDraft:
        fields = self._fields()
        value = {name: field.value for name, field in fields.items()}
        return ClientDraft(kind=self.client["kind"], email=self.client["email"],
                           first_name=value.get("first_name", ""),
                           last_name=value.get("last_name", ""),
                           organization_name=value.get("organization_name", ""),
                           phone=value["phone"],
                           language=str(self.query_one("#language", Select).value))

    def submit_form(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#save-button")
    def action_save(self) -> None:
        self.save()

    @on(Button.Pressed, "#cancel-button")
    def action_cancel(self) -> None:
        self.dismiss(False)

    @work(exclusive=True, group="edit-client")
    async def save(self) -> None:
        result = check_draft(self._draft(), self.settings.region)
        first_bad = show_errors(self, result)
        if first_bad is not None:
            self.set_focus(first_bad.input)
        if isinstance(result, DraftErrors):
            return
        clients = self.store.clients
        try:
            await clients.update_details(self.client["id"], result, self.preparer_id,
                                         self.client.get("version"))
        except ChangedMeanwhile as theirs:
            if not await self.app.push_screen_wait(ConfirmScreen(
                    _("{who} changed this client while you were typing: it is now {name}. "
                      "Save yours over it?").format(who=theirs.by or _("Someone"),
                                                    name=theirs.now["display_name"]),
                    _("Save mine"))):
                self.dismiss(True)  # the list shows theirs
                return
            await clients.update_details(self.client["id"], result, self.preparer_id,
                                         theirs.version)
        self.dismiss(True)

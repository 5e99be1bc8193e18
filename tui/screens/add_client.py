"""The add-client form: an Individual or an Organization, checked field by field."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import (
    Button,
    Input,
    Label,
    OptionList,
    RadioButton,
    RadioSet,
    Select,
    Static,
)

from linkdesk.i18n import N_, _, current_language
from linkdesk.labels import LANGUAGE_LABELS
from store import ClientDraft, DraftErrors, check_draft
from store.validate import parse_email
from tui.duplicate_email import email_used_by
from tui.forms import FormDialog, field_check
from tui.widgets.form_field import FormField
from tui.widgets.member_matches import MemberMatches

INDIVIDUAL_FIELDS = ("first_name", "last_name")
ORGANIZATION_FIELDS = ("organization_name",)


class AddClientScreen(FormDialog[int | None]):
    """Adds one client as "Not invited"; dismisses with its id, or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel"), id="cancel", tooltip=N_("Close, adding nothing")),
        Binding("ctrl+s", "ok", N_("OK"), id="ok", tooltip=N_("Add the client")),
        Binding("down", "to_matches", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._duplicate_of: str | None = None  # the address the preparer was warned about

    def compose_dialog(self) -> ComposeResult:
        with Vertical(id="add-client", classes="dialog"):
            yield Static(_("Add a new client"), classes="title", markup=False)
            with RadioSet(id="kind", compact=True):
                yield RadioButton(_("Individual"), value=True, id="kind-individual")
                yield RadioButton(_("Organization"), id="kind-organization")
            yield FormField("first_name", _("First name"), max_length=200)
            yield FormField("last_name", _("Last name"), max_length=200)
            yield FormField("organization_name", _("Organization name"), max_length=200)
            yield MemberMatches(id="matches")
            yield Static("", id="network-note", classes="note", markup=False)
            yield FormField("email", _("Email"), max_length=254)
            yield FormField("phone", _("Cell phone (optional)"), optional=True, max_length=40)
            with Horizontal(classes="form-row"):
                yield Label(_("Language"), classes="form-label")
                yield Select(
                    [(_(label), code) for code, label in LANGUAGE_LABELS.items()],
                    value=current_language(),  # a new client speaks the app's language
                    allow_blank=False,
                    id="language",
                    compact=True,
                )
            yield Static("", id="duplicate-warning", classes="warning", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(_("OK"), id="ok-button", variant="primary", compact=True)
                yield Button(_("Cancel"), id="cancel-button", compact=True)

    def on_mount(self) -> None:
        from store.validate import parse_name, parse_phone

        fields = self._fields()
        for name in ("first_name", "last_name", "organization_name"):
            fields[name].recheck = field_check(parse_name)
        fields["email"].recheck = field_check(parse_email)
        fields["phone"].recheck = field_check(parse_phone, self.settings.region)
        self._show_kind("individual")
        self.set_focus(self.query_one("#input-first_name", Input))

    @property
    def kind(self) -> str:
        pressed = self.query_one("#kind", RadioSet).pressed_button
        return "organization" if pressed and pressed.id == "kind-organization" else "individual"

    def _fields(self) -> dict[str, FormField]:
        return {f.field_name: f for f in self.query(FormField)}

    def _show_kind(self, kind: str) -> None:
        fields = self._fields()
        for name in INDIVIDUAL_FIELDS:
            fields[name].display = kind == "individual"
        for name in ORGANIZATION_FIELDS:
            fields[name].display = kind == "organization"
        label = _("Cell phone (optional)") if kind == "individual" else _("Work phone (optional)")
        fields["phone"].query_one(Label).update(label)

    @on(RadioSet.Changed, "#kind")
    def _kind_changed(self) -> None:
        for field in self._fields().values():  # the errors were about the other kind's form
            field.set_error(None)
        self._show_kind(self.kind)
        self.query_one(MemberMatches).show([])
        self.query_one("#network-note", Static).update("")

    # -- network matches for an organization ----------------------------------------------------

    @on(Input.Changed, "#input-organization_name")
    def _organization_typed(self, event: Input.Changed) -> None:
        if self.kind == "organization":
            self.search_network(event.value)

    @work(exclusive=True, group="network-search")
    async def search_network(self, term: str) -> None:
        await self.query_one(MemberMatches).search(
            self.query_one("#network-note", Static),
            _("On the business network: ↓ to choose and fill the form. "), None, term,
            region=self.settings.region, preparer_id=self.preparer.id)

    def action_to_matches(self) -> None:
        matches = self.query_one(MemberMatches)
        if self.focused is self.query_one("#input-organization_name", Input) and matches.display:
            self.set_focus(matches)
        else:
            self.focus_next()

    @on(OptionList.OptionSelected, "#matches")
    def _match_chosen(self) -> None:
        from store.validate import format_phone

        card = self.query_one(MemberMatches).current
        if card is None:
            return
        fields = self._fields()
        with self.prevent(Input.Changed):  # copying in is not typing: no new search
            fields["organization_name"].input.value = card.name
            fields["email"].input.value = card.email
            fields["phone"].input.value = format_phone(card.phone, self.settings.region)
        self.query_one(MemberMatches).show([])
        self.query_one("#network-note", Static).update(Text(
            _("Filled from the network member {name} (details as the member gave them).")
            .format(name=card.name), style="dim"))
        self.set_focus(fields["email"].input)

    def submit_form(self) -> None:
        self.action_ok()

    @on(Input.Blurred, "#input-email")
    def _email_left(self) -> None:
        self.check_duplicate()

    @on(Input.Changed, "#input-email")
    def _email_changed(self) -> None:
        if self._duplicate_of is not None:
            self._duplicate_of = None
            self.query_one("#duplicate-warning", Static).update("")

    @work(exclusive=True, group="duplicate")
    async def check_duplicate(self) -> None:
        await self._duplicates()

    async def _duplicates(self) -> str | None:
        """Warn, beside the form, when another client of the firm has this address.

        Returns the address (folded) that the warning is about, None when there is none.
        """
        warning = self.query_one("#duplicate-warning", Static)
        used = await email_used_by(self.store, self.preparer.firm_id,
                                   self.query_one("#input-email", Input).value)
        if used is None:
            warning.update("")
            self._duplicate_of = None
            return None
        self._duplicate_of, names = used
        warning.update(
            _(
                "Another client already uses this email ({names}). "
                "Press OK to add this client anyway."
            ).format(names=names)
        )
        return self._duplicate_of

    def _draft(self) -> ClientDraft:
        fields = self._fields()
        return ClientDraft(
            kind=self.kind,
            first_name=fields["first_name"].value,
            last_name=fields["last_name"].value,
            organization_name=fields["organization_name"].value,
            email=fields["email"].value,
            phone=fields["phone"].value,
            language=str(self.query_one("#language", Select).value),
        )

    @on(Button.Pressed, "#ok-button")
    def action_ok(self) -> None:
        self.add()

    @on(Button.Pressed, "#cancel-button")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @work(exclusive=True, group="add")
    async def add(self) -> None:
        fields = self._fields()
        result = check_draft(self._draft(), self.settings.region)
        for name, field in fields.items():
            field.set_error(result.by_field.get(name) if isinstance(result, DraftErrors) else None)
        if isinstance(result, DraftErrors):
            first_bad = next(n for n in fields if n in result.by_field)
            self.set_focus(fields[first_bad].input)
            return
        already_warned = self._duplicate_of
        duplicate = await self._duplicates()
        if duplicate is not None and duplicate != already_warned:
            return
        button = self.query_one("#ok-button", Button)
        button.disabled = True
        try:
            client_id = await self.store.clients.add(
                self.preparer.firm_id, result, self.preparer.id
            )
        finally:
            button.disabled = False
        self.dismiss(client_id)

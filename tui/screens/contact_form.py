"""New (or edited) customer or vendor; typing the name shows network members to copy from."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, OptionList, Static

from linkdesk.i18n import N_, _
from linkdesk.labels import LANGUAGE_LABELS, network_error
from store.network import ContactRow, NetworkError
from tui.forms import FormDialog
from tui.widgets.details_fields import (
    business_number_field,
    checked_form,
    details_fields,
    fill,
    fill_business_number,
    fill_peppol_id,
    peppol_id_field,
)
from tui.widgets.member_matches import MemberMatches

TITLES = {
    ("customer", False): N_("New customer"),
    ("vendor", False): N_("New vendor"),
    ("customer", True): N_("Edit customer"),
    ("vendor", True): N_("Edit vendor"),
}


class ContactFormScreen(FormDialog[bool]):
    """Adds a customer or vendor to a company's books (linked to a member when one is chosen),
    or edits one; dismisses with True when something was saved."""

    BINDINGS = [
        Binding("down", "to_matches", show=False),
        Binding("escape", "cancel", N_("Cancel"), id="cancel"),
        Binding("ctrl+s", "save", N_("Save"), id="save"),
        Binding("ctrl+l", "language", N_("Language"), id="language",
                tooltip=N_("The language of the customer's invoices by email: the company's, "
                          "English or French")),
    ]

    LANGUAGES = ("", "en", "fr")  # "": the company's

    def __init__(self, company_id: int, role: str, *, searchable: bool,
                 contact: ContactRow | None = None, prefill=None) -> None:
        super().__init__()
        self.company_id = company_id
        self.role = role
        self.searchable = searchable and contact is None  # the firm's books have no network
        self.contact = contact
        self.member_id: int | None = None
        self._prefill = prefill  # a MemberCard chosen in the network search screen
        self.language = contact.language if contact is not None else ""

    def compose_dialog(self) -> ComposeResult:
        region = self.settings.region
        with Vertical(id="contact-form", classes="dialog"):
            yield Static(self._title(), id="contact-title", classes="title", markup=False)
            fields = details_fields()
            yield fields[0]
            yield MemberMatches(region, id="matches")
            yield Static("", id="network-note", classes="note", markup=False)
            yield from fields[1:]
            yield business_number_field()
            yield peppol_id_field()
            yield Static("", id="form-message", classes="message", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(_("Save"), id="save-button", variant="primary", compact=True)
                yield Button(_("Cancel"), id="cancel-button", compact=True)

    def on_mount(self) -> None:
        if self.contact is not None:
            fill(self, self.contact.details, self.settings.region)
            fill_business_number(self, self.contact.business_number)
            fill_peppol_id(self, self.contact.peppol_id)
        elif self._prefill is not None:
            self._choose(self._prefill)
        self.set_focus(self.query_one("#input-name", Input))

    def submit_form(self) -> None:
        self.action_save()

    # -- language (a customer's invoices by email) -----------------------------------------------

    def _title(self) -> str:
        title = _(TITLES[self.role, self.contact is not None])
        if self.role != "customer":
            return title
        language = _(LANGUAGE_LABELS[self.language]) if self.language else _("the company's")
        return _("{title} · invoice language: {language}").format(title=title,
                                                                  language=language)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "language":
            return self.role == "customer"
        return super().check_action(action, parameters)

    def action_language(self) -> None:
        """The next language: the company's, English, French."""
        self.language = self.LANGUAGES[(self.LANGUAGES.index(self.language) + 1)
                                       % len(self.LANGUAGES)]
        self.query_one("#contact-title", Static).update(self._title())

    # -- network matches -----------------------------------------------------------------------

    @on(Input.Changed, "#input-name")
    def _name_changed(self, event: Input.Changed) -> None:
        if self.searchable and self.member_id is None:
            self.search(event.value)

    @work(exclusive=True, group="network-search")
    async def search(self, term: str) -> None:
        await self.query_one(MemberMatches).search(
            self.query_one("#network-note", Static), _("Network members: ↓ to choose. "),
            self.company_id, term, preparer_id=self.preparer_id)

    def action_to_matches(self) -> None:
        matches = self.query_one(MemberMatches)
        if self.focused is self.query_one("#input-name", Input) and matches.display:
            self.set_focus(matches)
        else:
            self.focus_next()

    @on(OptionList.OptionSelected, "#matches")
    def _match_chosen(self) -> None:
        card = self.query_one(MemberMatches).current
        if card is not None:
            self._choose(card)
            self.set_focus(self.query_one("#input-email", Input))

    def _choose(self, card) -> None:
        """Copy the member's details into the form; saving links the record to it."""
        self.member_id = card.id
        with self.prevent(Input.Changed):
            fill(self, card.details, self.settings.region)
        self.query_one(MemberMatches).show([])
        self.query_one("#network-note", Static).update(Text(
            _("Linked to the network member {name}: its changes will update this record.")
            .format(name=card.name), style="dim"))

    # -- saving ---------------------------------------------------------------------------------

    @on(Button.Pressed, "#save-button")
    def action_save(self) -> None:
        self.save()

    @on(Button.Pressed, "#cancel-button")
    def action_cancel(self) -> None:
        self.dismiss(False)

    @work(exclusive=True, group="save")
    async def save(self) -> None:
        checked = checked_form(self, self.settings.region)
        if checked is None:
            return
        result, number, peppol_id = checked
        network = self.store.network
        try:
            if self.contact is None:
                await network.add_contact(self.company_id, self.role, result, self.member_id,
                                          business_number=number, peppol_id=peppol_id,
                                          language=self.language)
            else:
                await network.edit_contact(self.contact.id, result, business_number=number,
                                           peppol_id=peppol_id, language=self.language)
        except NetworkError as exc:
            self.query_one("#form-message", Static).update(network_error(exc))
            self.member_id = None
            return
        self.dismiss(True)

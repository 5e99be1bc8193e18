"""Search the business network from a client company's books; add a match as customer or vendor."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, OptionList, Static

from linkdesk.i18n import N_, _, ngettext
from linkdesk.labels import network_error
from store.network import RESULT_CAP, NetworkError
from store.validate import format_phone
from tui.dialog import Dialog
from tui.widgets.member_matches import UNVERIFIED_NOTE, MemberMatches
from tui.widgets.text_input import TextInput


class NetworkSearchScreen(Dialog[bool]):
    """Search-as-you-type over visible members of the company's region (50 at most).

    Dismisses with True when a customer or vendor was added from a match.
    """

    BINDINGS = [
        Binding("escape", "close", N_("Close"), id="close"),
        Binding("down", "to_results", show=False),
        Binding("c", "add('customer')", N_("Add as customer"), id="add-customer"),
        Binding("v", "add('vendor')", N_("Add as vendor"), id="add-vendor"),
    ]

    def __init__(self, company_id: int, company_name: str) -> None:
        super().__init__()
        self.company_id = company_id
        self.company_name = company_name
        self.added = False
        self.searches = 0  # finished searches (tests and benches wait on it)

    def compose_dialog(self) -> ComposeResult:
        with Vertical(id="network-search", classes="dialog"):
            yield Static(_("Business network, from the books of {name}").format(
                name=self.company_name), classes="title", markup=False)
            yield TextInput(placeholder=_("Company name (word start or any part)"), id="term",
                        compact=True)
            yield Static("", id="result-info", classes="note", markup=False)
            yield MemberMatches(self.settings.region, id="results")
            yield Static("", id="member-detail", markup=False)
            yield Static(Text(_(UNVERIFIED_NOTE) + " " + _(
                "Use the network to find your customers and vendors only, never for "
                "marketing."), style="dim"), id="unverified")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#term", Input))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "add":
            return isinstance(self.focused, OptionList)  # letters typed in the box are text
        return True

    @on(Input.Changed, "#term")
    def _term_changed(self, event: Input.Changed) -> None:
        self.search(event.value)

    @work(exclusive=True, group="network-search")
    async def search(self, term: str) -> None:
        results = self.query_one(MemberMatches)
        info = self.query_one("#result-info", Static)
        ticket = results.asked.ask()
        try:
            cards = await self.store.network.search(self.company_id, term,
                                                        preparer_id=self.preparer_id)
        except NetworkError as exc:
            if not results.asked.is_current(ticket):
                return
            results.show([])
            info.update(network_error(exc))
            return
        finally:
            self.searches += 1
        if not results.asked.is_current(ticket):
            return  # a newer term was typed meanwhile: its answer is the one to draw
        results.show(cards)
        if not term.strip():
            info.update("")
        elif not cards:
            info.update(_("No member matches."))
        elif len(cards) == RESULT_CAP:
            info.update(_("The first {n} matches: type more to narrow them.").format(n=len(cards)))
        else:
            info.update(ngettext("{n} match. ↓ to choose; c adds as customer, v as vendor.",
                                 "{n} matches. ↓ to choose; c adds as customer, v as vendor.",
                                 len(cards)).format(n=len(cards)))
        self._show_detail()

    @on(OptionList.OptionHighlighted, "#results")
    def _show_detail(self) -> None:
        card = self.query_one(MemberMatches).current
        detail = self.query_one("#member-detail", Static)
        if card is None:
            detail.update("")
            return
        region = self.settings.region
        lines = [card.name, card.email, format_phone(card.phone, region), card.website,
                 ", ".join(v for v in (card.address, card.city) if v)]
        detail.update(Text("\n".join(line for line in lines if line)))

    def action_to_results(self) -> None:
        results = self.query_one(MemberMatches)
        if results.display:
            self.set_focus(results)

    @on(OptionList.OptionSelected, "#results")
    def _chosen(self) -> None:
        self.action_add("customer")

    def action_add(self, role: str) -> None:
        from tui.screens.contact_form import ContactFormScreen

        card = self.query_one(MemberMatches).current
        if card is None:
            return

        def saved(added: bool | None) -> None:
            if added:
                self.added = True
                self.notify(_("{name} added.").format(name=card.name), markup=False)

        self.app.push_screen(ContactFormScreen(
            self.company_id, role, searchable=True, prefill=card),
            saved)

    def action_close(self) -> None:
        self.dismiss(self.added)

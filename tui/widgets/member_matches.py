"""Network members matching what is typed: name, city, phone, website; chosen with Enter."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from linkdesk.i18n import N_, _
from linkdesk.labels import network_error
from store.network import MemberCard, NetworkError
from store.validate import format_phone
from tui.desk import Desk
from tui.latest import Latest

UNVERIFIED_NOTE = N_("Details are given by network members and are not verified.")


def card_line(card: MemberCard, region: str = "CA") -> Text:
    """One match as plain text (members' values are never markup)."""
    line = Text(card.name, style="bold", no_wrap=True, overflow="ellipsis")
    extras = [value for value in (card.city, format_phone(card.phone, region), card.website)
              if value]
    if extras:
        line.append("  " + " · ".join(extras), style="dim")
    return line


class MemberMatches(Desk, OptionList):
    """The matches of the last search; hidden while there are none."""

    DEFAULT_CSS = """
    MemberMatches { height: auto; max-height: 10; border: none; padding: 0;
                    text-wrap: nowrap; text-overflow: ellipsis; }
    MemberMatches:focus { background-tint: $primary 10%; }
    """

    def __init__(self, region: str = "CA", **kwargs) -> None:
        super().__init__(**kwargs)
        self.phone_region = region
        self.cards: list[MemberCard] = []
        self.display = False
        self.asked = Latest()

    def show(self, cards: list[MemberCard]) -> None:
        self.cards = cards
        self.clear_options()
        self.add_options([Option(card_line(c, self.phone_region), id=str(c.id)) for c in cards])
        self.display = bool(cards)
        if cards:
            self.highlighted = 0

    async def search(self, note: Static, hint: str, company_id: int | None, term: str,
                     **kwargs) -> None:
        """Search the network for `term` and show the matches here, with `hint` and the
        not-verified note in `note`; a refused search (rate limit) says why in `note`.
        An answer that comes back after a newer search was asked is dropped."""
        ticket = self.asked.ask()
        try:
            cards = await self.store.network.search(company_id, term, **kwargs)
        except NetworkError as exc:
            if not self.asked.is_current(ticket):
                return
            self.show([])
            note.update(network_error(exc))
            return
        if not self.asked.is_current(ticket):
            return
        self.show(cards)
        note.update(Text(hint + _(UNVERIFIED_NOTE), style="dim") if cards else "")

    @property
    def current(self) -> MemberCard | None:
        if self.highlighted is None or not self.cards:
            return None
        return self.cards[self.highlighted]

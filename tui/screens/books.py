"""A company's books: its customers and vendors, its profile, and the business network."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from linkdesk.i18n import N_, _, ngettext
from linkdesk.labels import plan_label
from store.network import CompanyInfo, ContactRow
from store.validate import format_phone
from tui.live import LiveScreen
from tui.widgets.key_bar import KeyBar
from tui.widgets.row_table import RowTable

ROLES = ("customer", "vendor")


MARK_WIDTH = 1  # ⇄, ✎ or ●
NAME_MIN = 12  # the others give up cells before the name goes below this
OTHER_MIN = 8
CAPS = {"email": 22, "phone": 16, "city": 16}  # the most an other column takes


def titles() -> dict[str, str]:
    return {"mark": " ", "name": _("Name"), "email": _("Email"), "phone": _("Phone"),
            "city": _("City")}


def fitted_widths(table_width: int, cells: list[tuple[str, str, str]], cell_padding: int = 1,
                  scrollbar: int = 2) -> list[int]:
    """Widths of the mark, name, email, phone and city columns so that the table fits
    `table_width` cells (room kept for the vertical scrollbar): email, phone and city as wide
    as their longest value (`cells`), up to a cap; the name takes what is left, as in the
    client list, and is cut with an ellipsis."""
    heads = titles()
    keys = ("email", "phone", "city")
    text = table_width - scrollbar - 2 * cell_padding * (len(keys) + 2) - MARK_WIDTH
    others = [min(CAPS[key], max([cell_len(heads[key]), *(cell_len(row[i]) for row in cells)]))
              for i, key in enumerate(keys)]
    while text - sum(others) < NAME_MIN and max(others) > OTHER_MIN:
        widest = others.index(max(others))  # a narrow terminal: the widest gives a cell
        others[widest] -= 1
    return [MARK_WIDTH, max(4, text - sum(others)), *others]


def cell(value: str) -> Text:
    """A cell cut with an ellipsis when its column is narrower than it."""
    return Text(value, no_wrap=True, overflow="ellipsis", end="")


def mark(row: ContactRow) -> str:
    """How a record stands with the network, in one or two characters."""
    if row.pending is not None:
        return "●"  # a member's change waits for review
    if row.linked:
        return "✎" if row.edited else "⇄"
    return ""


class BooksScreen(LiveScreen):
    """Customers and vendors of one company's books; network search for members' books."""

    help_title = N_("Books")  # what help calls this screen

    BINDINGS = [
        Binding("escape", "back", N_("Back"), id="back"),
        Binding("n", "network", N_("Network"), id="network",
                tooltip=N_("Search the business network")),
        Binding("1", "tab('customer')", N_("Customers"), id="tab-customers"),
        Binding("2", "tab('vendor')", N_("Vendors"), id="tab-vendors"),
        Binding("c", "new('customer')", N_("New customer"), id="new-customer"),
        Binding("v", "new('vendor')", N_("New vendor"), id="new-vendor"),
        Binding("e", "edit", N_("Edit"), id="edit", tooltip=N_("Edit the selected record")),
        Binding("u", "review", N_("Review update"), id="review",
                tooltip=N_("Accept or keep a member's change held for review")),
        Binding("p", "profile", N_("Profile"), id="profile",
                tooltip=N_("Company details and network visibility")),
        Binding("i", "invoices", N_("Invoices"), id="invoices",
                tooltip=N_("Sales invoices: new, send, what the customer did")),
        Binding("b", "bills", N_("Bills"), id="bills",
                tooltip=N_("Bills to review and pay, the payment schedule")),
    ]

    def __init__(self, info: CompanyInfo) -> None:
        super().__init__()
        self.info = info
        self.rows: dict[str, list[ContactRow]] = {role: [] for role in ROLES}
        self.waiting_bills = 0
        self._widths: dict[str, list[int]] = {}  # each table's column widths, as last fitted

    def compose(self) -> ComposeResult:
        yield Static(id="books-header", markup=False)
        with TabbedContent(id="roles"):
            with TabPane(_("Customers"), id="tab-customer"):
                yield RowTable(id="table-customer")
                yield Static(self._empty_text("customer"), id="empty-customer",
                             classes="empty", markup=False)
            with TabPane(_("Vendors"), id="tab-vendor"):
                yield RowTable(id="table-vendor")
                yield Static(self._empty_text("vendor"), id="empty-vendor", classes="empty",
                             markup=False)
        yield Static(Text(_("⇄ linked to a network member · ✎ linked, edited by hand · "
                            "● a member's change waits for review (u)"), style="dim"),
                     id="books-legend")
        yield KeyBar()

    def _empty_text(self, role: str) -> str:
        """What an empty tab says: the keys that fill it."""
        if role == "customer":
            if self.info.is_firm_books:
                return _("No customers yet. Press c to add one.")
            return _("No customers yet. Press c to add one, or n to find one on the business "
                     "network.")
        if self.info.is_firm_books:
            return _("No vendors yet. Press v to add one.")
        return _("No vendors yet. Press v to add one, or n to find one on the business "
                 "network.")

    def on_mount(self) -> None:
        for role in ROLES:
            self._fit(role, self.size.width)
        self._show_header()
        self.reload()

    def on_resize(self, event: events.Resize) -> None:
        for role in ROLES:
            self._fit(role, event.size.width)

    def _fit(self, role: str, width: int) -> None:
        """Size the columns of a role's table to `width` cells (the table spans the screen):
        Email, Phone and City stay on screen; the name is cut with an ellipsis."""
        table = self.query_one(f"#table-{role}", DataTable)
        region = self.settings.region
        cells = [(row.details.email, format_phone(row.details.phone, region), row.details.city)
                 for row in self.rows[role]]
        widths = fitted_widths(width, cells, table.cell_padding)
        if widths == self._widths.get(role):
            return
        self._widths[role] = widths
        row = table.cursor_row
        table.clear(columns=True)
        for (key, title), w in zip(titles().items(), widths, strict=True):
            table.add_column(title, width=w, key=key)
        self._fill(role)
        if row:
            table.move_cursor(row=row, animate=False)

    def _fill(self, role: str) -> None:
        """The rows of a role's table, in columns as last fitted."""
        table = self.query_one(f"#table-{role}", DataTable)
        table.clear()
        region = self.settings.region
        for row in self.rows[role]:
            d = row.details
            table.add_row(mark(row), cell(d.name), cell(d.email),
                          cell(format_phone(d.phone, region)), cell(d.city), key=str(row.id))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "network":
            return not self.info.is_firm_books  # the firm's books have no network search
        return True

    def _show_header(self) -> None:
        info = self.info
        if info.is_firm_books:
            text = _("{name} · your firm's own books (not on the business network)").format(
                name=info.details.name)
        else:
            state = _("visible on the network") if info.visible else _("hidden from the network")
            text = _("{name} · {plan} · region {region} · {state}").format(
                name=info.details.name, plan=plan_label(info.plan), region=info.region,
                state=state)
        if self.waiting_bills:
            text += " · " + ngettext("{n} bill for review (b)", "{n} bills for review (b)",
                                     self.waiting_bills).format(n=self.waiting_bills)
        self.query_one("#books-header", Static).update(Text(text, style="bold"))

    @property
    def role(self) -> str:
        active = self.query_one(TabbedContent).active
        return "vendor" if active == "tab-vendor" else "customer"

    def current(self) -> ContactRow | None:
        table = self.query_one(f"#table-{self.role}", DataTable)
        rows = self.rows[self.role]
        if not rows or table.cursor_row is None or table.cursor_row >= len(rows):
            return None
        return rows[table.cursor_row]

    @work(exclusive=True, group="books")
    async def reload(self, select_id: int | None = None) -> None:
        network = self.store.network
        self.waiting_bills = await self.store.bills.count(self.info.id)
        self._show_header()
        for role in ROLES:
            rows = await network.contacts(self.info.id, role)
            self.rows[role] = rows
            table = self.query_one(f"#table-{role}", DataTable)
            self._widths.pop(role, None)  # fitted to the rows they have now
            self._fit(role, self.size.width)
            if select_id is not None and any(r.id == select_id for r in rows):
                table.move_cursor(row=[r.id for r in rows].index(select_id))
            self.query_one(f"#empty-{role}", Static).display = not rows
        for role in ROLES:
            count = len(self.rows[role])
            pane = self.query_one(TabbedContent).get_tab(f"tab-{role}")
            label = _("Customers") if role == "customer" else _("Vendors")
            pane.label = f"{label} ({count})"

    @on(TabbedContent.TabActivated)
    def _tab_changed(self) -> None:
        self.set_focus(self.query_one(f"#table-{self.role}", DataTable))

    # -- actions --------------------------------------------------------------------------------

    def action_back(self) -> None:
        self.app.pop_screen()

    # Dialogs are pushed with a callback, not awaited from a worker: no worker waits on a
    # person for minutes.

    def _reload_if(self, changed: bool | None, select_id: int | None = None) -> None:
        if changed:
            self.reload(select_id=select_id)

    def action_tab(self, role: str) -> None:
        self.query_one(TabbedContent).active = f"tab-{role}"
        self.set_focus(self.query_one(f"#table-{role}", DataTable))

    def action_new(self, role: str) -> None:
        from tui.screens.contact_form import ContactFormScreen

        self.query_one(TabbedContent).active = f"tab-{role}"
        self.app.push_screen(ContactFormScreen(
            self.info.id, role, searchable=not self.info.is_firm_books),
            self._reload_if)

    def action_edit(self) -> None:
        from tui.screens.contact_form import ContactFormScreen

        row = self.current()
        if row is None:
            return
        self.app.push_screen(ContactFormScreen(
            self.info.id, row.role, searchable=False, contact=row),
            lambda changed: self._reload_if(changed, row.id))

    def action_review(self) -> None:
        from tui.screens.confirm import ConfirmScreen

        row = self.current()
        if row is None or row.pending is None:
            self.notify(_("No member's change waits for review on this record."), markup=False)
            return
        lines = [_("{name} changed its details on the network. This record was edited by "
                   "hand, so the change was held:").format(name=row.pending.name)]
        labels = {"name": _("Name"), "email": _("Email"), "phone": _("Phone"),
                  "website": _("Website"), "address": _("Address"), "city": _("City")}
        region = self.settings.region
        for field, label in labels.items():
            mine, theirs = getattr(row.details, field), getattr(row.pending, field)
            if field == "phone":  # as the list shows phones, not as stored
                mine, theirs = format_phone(mine, region), format_phone(theirs, region)
            if mine != theirs:
                lines.append(f"  {label}: {mine or '—'} → {theirs or '—'}")
        lines.append(_("Take the member's details? (No keeps yours.)"))
        self.app.push_screen(ConfirmScreen("\n".join(lines), _("Take the member's details")),
                             lambda take: self.resolve(row.id, bool(take)))

    @work(group="books-action")
    async def resolve(self, contact_id: int, take_theirs: bool) -> None:
        await self.store.network.resolve(contact_id, take_theirs=take_theirs)
        self.reload(select_id=contact_id)

    def action_profile(self) -> None:
        from tui.screens.company_profile import CompanyProfileScreen

        self.app.push_screen(CompanyProfileScreen(self.info), self._profile_closed)

    @work(group="books-action")
    async def _profile_closed(self, changed: bool | None) -> None:
        if changed:
            self.info = await self.store.network.company(self.info.id)
            self._show_header()
            self.reload()

    def action_invoices(self) -> None:
        from tui.screens.invoices import InvoicesScreen

        self.app.push_screen(InvoicesScreen(self.info))

    def on_screen_resume(self) -> None:
        self.reload()  # back from the bills: the count in the header may have changed

    def action_bills(self) -> None:
        from tui.screens.bills import BillsScreen

        self.app.push_screen(BillsScreen(self.info))

    def action_network(self) -> None:
        from tui.screens.network_search import NetworkSearchScreen

        if not self.info.is_firm_books:
            self.app.push_screen(NetworkSearchScreen(
                self.info.id, self.info.details.name), self._reload_if)

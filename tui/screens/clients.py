"""The client list: every client of the firm with its status for the selected tax year."""

from __future__ import annotations

import asyncio
from functools import partial

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.widgets import Input, Static

from linkdesk.i18n import N_, _, ngettext
from store import STATUSES, ClientQuery
from store.clients import INACTIVE, MAIN_STATUSES
from tui.coalesce import Coalesced
from tui.formatting import format_count
from tui.latest import Latest
from tui.one_toast import AcceptanceNews
from tui.screens.client_actions import ClientActions
from tui.widgets.bulk_progress import BulkProgressPanel
from tui.widgets.client_table import PAGE, ClientTable, columns
from tui.widgets.key_bar import KeyBar
from tui.widgets.pipeline_bar import PipelineBar
from tui.widgets.relay_banner import RelayBanner
from tui.widgets.tax_year_picker import TaxYearPicker
from tui.widgets.text_input import TextInput

SORT_ORDER = ("name", "kind", "email", "phone", "status")
COUNT_AFTER_TYPING_S = 0.12  # a pause in typing this long, and the matches are counted
# Changes from elsewhere (a colleague, the page, a burst of bounces) redraw the list at once,
# then at most this often: each redraw reads the page and the counts of the whole firm.
CHANGE_REDRAW_S = 0.25
TAX_YEAR_KEYS = Binding.Group(N_("Tax year"))


def row_actions(row, selection: bool) -> tuple[str, ...]:
    """The actions that apply to the client on the cursor, most likely first: the key bar
    shows these before the list's own (Invite on a client not invited, Cancel on one whose
    invitation is under way, Books on an organization that accepted)."""
    from store.clients import ACCEPTED, CANCELLABLE, INVITABLE

    if selection:
        return ("invite", "toggle_selected")
    if row is None:
        return ("add_client",)
    if not row.active:
        return ("toggle_active", "timeline", "edit_client")
    if row.status in INVITABLE:
        return ("invite", "edit_client", "change_email", "timeline")
    if row.status in CANCELLABLE:
        return ("cancel_invitation", "invite", "timeline", "change_email")
    if row.status == ACCEPTED and row.kind == "organization":
        return ("books", "timeline", "edit_client")
    return ("timeline", "edit_client", "change_email")


class ClientsScreen(ClientActions):
    """Search, filter, sort and page through the firm's clients; add new ones. Its layers
    beneath, each with its keys beside its actions: the actions on one client
    (client_actions), bulk invitations (client_selection; the run is its panel's), the CSV
    files (client_files). The selection is the client table's."""

    help_title = N_("Client list")  # what help calls this screen

    AUTO_FOCUS = "ClientTable"
    BINDINGS = [
        Binding("a", "add_client", N_("Add"), id="add-client",
                tooltip=N_("Add an individual or an organization")),
        Binding("slash", "search", N_("Search"), id="search", key_display="/",
                tooltip=N_("Search names and emails")),
        Binding("f", "cycle_filter", N_("Filter"), id="filter",
                tooltip=N_("Show one status only, or all")),
        Binding("s", "cycle_sort", N_("Sort"), id="sort", tooltip=N_("Sort by the next column")),
        Binding("r", "reverse_sort", N_("Reverse"), id="reverse", tooltip=N_("Reverse the order")),
        # One line in help and in the key bar for both ("[ ] Tax year"); each in the palette.
        Binding("left_square_bracket", "year(-1)", N_("Previous tax year"), id="year-down",
                key_display="[ ]", group=TAX_YEAR_KEYS),
        Binding("right_square_bracket", "year(1)", N_("Next tax year"), id="year-up",
                show=False, group=TAX_YEAR_KEYS),
        Binding("enter", "leave_search", show=False, priority=True),
        Binding("h", "toggle_inactive", N_("Inactive"), id="inactive",
                tooltip=N_("Show or hide inactive clients")),
    ]
    # The order the key line, help and the palette list the keys in, wherever each binding
    # lives (the layers below, the client table).
    KEY_ORDER = (
        "add_client",
        "search",
        "cycle_filter",
        "cycle_sort",
        "reverse_sort",
        "year(-1)",
        "year(1)",
        "invite",
        "cancel_invitation",
        "toggle_active",
        "change_email",
        "edit_client",
        "timeline",
        "books",
        "firm_books",
        "sent_mail",
        "leave_search",
        "toggle_inactive",
        "toggle_selected",
        "select_all",
        "reinvite_stale",
        "ssh_keys",
        "reminders",
        "import_clients",
        "export_clients",
        "cancel_bulk",
        "webhooks",
    )

    def __init__(self, tax_year: int) -> None:
        super().__init__()
        self.tax_year = tax_year
        self.sort = "name"
        self.descending = False
        self.include_inactive = False
        self.status_filter: str | None = None
        self.last_event_id = 1 << 62  # until read: announce nothing from before this screen
        self.acceptance_news = AcceptanceNews()  # one toast for a burst of acceptances
        self.counts: dict[str, int] = {}
        # What `counts` are of: (tax year, inactive shown, the ask they answer); a reload that
        # asks for counts makes them stale until one reload reads them, whichever that is.
        self._counts_asked = 0
        self._counts_of = None
        self._everyone = 0  # the clients the "shown of" counts: active, or all when shown
        self.years = list(range(tax_year + 1, tax_year - 7, -1))
        self.asked = Latest()  # the list's reloads: only the newest one draws
        # Changes from elsewhere: the first redraws at once, more within the window together.
        self._changes = Coalesced(self, self._redraw_for_changes, window_s=CHANGE_REDRAW_S,
                                  at_once=True, hold=self._redraw_wait)

    def compose(self) -> ComposeResult:
        yield Static(id="context", markup=False)
        self.relay_banner = RelayBanner(id="relay-banner")
        yield self.relay_banner
        with Horizontal(id="controls"):
            # Kept by reference, like the table: the list's query reads it even while the app
            # takes the screen down around a change that just arrived.
            self.search_box = TextInput(placeholder=_("Search name or email  ( / )"), id="search")
            yield self.search_box
            yield TaxYearPicker(self.tax_year, id="tax-year")
        # Kept by reference: workers reach them without a DOM query, even while the app
        # takes the screen down around a query in flight.
        self.pipeline = PipelineBar(id="pipeline")
        self.table = ClientTable(self._fetcher(self.query_now()), id="clients")
        self.info_line = Static(id="list-info", markup=False)
        self._info_shown = ""
        yield self.pipeline
        yield self.table
        yield self.info_line
        yield BulkProgressPanel(id="bulk-progress")
        yield KeyBar()

    def on_mount(self) -> None:
        self.desk.store_changes.subscribe(self, lambda _: self._store_changed())
        self.desk.context_changes.subscribe(self, lambda _: self.show_context())
        self.remember_last_event()
        table = self.table
        table.phone_region = self.settings.region
        table.set_all_ids(lambda: self.store.clients.ids(self.query_now()))
        self.show_context()
        self.reload(counts=True)
        self.look_for_cut_short()

    @work(group="cut-short")
    async def look_for_cut_short(self) -> None:
        """A bulk invitation cut short (a crash, a kill) is shown to everyone until the next."""
        if self.bulk is not None:
            return
        runs = await self.store.bulk_runs.cut_short(self.preparer.firm_id)
        if runs and self.bulk is None:
            self.query_one(BulkProgressPanel).show_cut_short(runs[0])

    # -- the query ------------------------------------------------------------------------------

    def query_now(self) -> ClientQuery:
        search = self.search_box.value if self.is_mounted else ""
        return ClientQuery(
            firm_id=self.preparer.firm_id,
            tax_year=self.tax_year,
            search=search,
            status=self.status_filter,
            include_inactive=self.include_inactive,
            sort=self.sort,
            descending=self.descending,
        )

    def _fetcher(self, q: ClientQuery):
        return partial(self.store.clients.page, q)

    def reload(
        self, select_id: int | None = None, counts: bool = False, typing: bool = False,
        keep_filters: bool = False,
    ):
        """Show the list for the current query; select `select_id` if given; `counts`: the
        counts per status changed and are read again (by this reload or, if a newer one
        cancels it, by that one)."""
        if counts:
            self._counts_asked += 1
        return self._reload_worker(select_id, typing, keep_filters)

    @work(exclusive=True, group="client-list")
    async def _reload_worker(self, select_id, typing, keep_filters) -> None:
        """Only the first page is read before drawing. The row count (a scan of the firm) is
        read after the rows are on screen, and while the preparer is typing only once typing
        pauses: a newer keystroke cancels this worker, so no count is read for a term that is
        already gone.
        """
        try:
            await self._reload(select_id, typing, keep_filters)
        except NoMatches:
            if self.is_attached:
                raise
            # The app is closing: its screens lost their widgets while the rows were read.

    async def _reload(self, select_id, typing, keep_filters) -> None:
        clients = self.store.clients
        ticket = self.asked.ask()
        q = self.query_now()
        table = self.table
        moves = table.moves
        cursor = 0
        if select_id is not None:
            position = await clients.position(select_id, q)
            if position is None and keep_filters:
                position = table.cursor  # it left the filter: stay put
            cursor = position or 0
        offset = (cursor // PAGE) * PAGE
        rows = await clients.page(q, offset, PAGE)
        if keep_filters and table.moves != moves:
            # The preparer moved while this was read: their cursor wins over the one this
            # reload started from (a key is never undone by a refresh).
            cursor = table.cursor
            if not offset <= cursor < offset + PAGE:
                offset = (cursor // PAGE) * PAGE
                rows = await clients.page(q, offset, PAGE)
        if not self._answers_now(ticket, q):
            return
        table.sort, table.descending = q.sort, q.descending
        table.set_fetcher(self._fetcher(q))
        known = len(rows) < PAGE  # a short page: the total is known without counting
        total = offset + len(rows) if known else max(offset + len(rows), table.total)
        filtered = bool(q.search.strip() or q.status)
        table.empty_message = _("No clients match.") if filtered else _(
            "No clients yet. Press a to add the first one.")
        table.show(total, rows, offset=offset, cursor=cursor)
        self.pipeline.show_counts(self.counts, q.status)
        if not known:
            # New rows never sit under the last search's count: until this one is counted,
            # the line says how many are known to match ("100+ shown of 2,000").
            self._show_info(q, offset + len(rows), at_least=True)
            self.paint_now()  # the rows are what the preparer waits for: not the next frame
            if typing:
                await asyncio.sleep(COUNT_AFTER_TYPING_S)
            total = await clients.count(q)
            if not self._answers_now(ticket, q):
                return
            table.set_total(total)
        # The counts are of the clients the list covers (the inactive ones too when shown):
        # the bar's "All" and the line's "of" are one number.
        covers = (q.tax_year, q.include_inactive, self._counts_asked)
        if self._counts_of != covers:
            counted = await clients.status_counts(q.firm_id, q.tax_year, q.include_inactive)
            if not self._answers_now(ticket, q):
                return
            self.counts, self._counts_of = counted, covers
            self.pipeline.show_counts(self.counts, q.status)
        self._show_info(q, total, sum(self.counts.values()))
        self.paint_now()
        # The services start once the first list is whole, rows and counts: their imports and
        # first statements, started after the rows, held the count line back (the demo's).
        self.call_after_refresh(self.app.start_runtime)  # once: later calls do nothing

    def _answers_now(self, ticket: int, q: ClientQuery) -> bool:
        """Whether what `ticket` read is still the answer to the list on screen.

        A reload asked later, or a query that changed meanwhile (a letter typed whose own
        reload has not started yet), makes it stale: it draws nothing.
        """
        return self.asked.is_current(ticket) and q == self.query_now()

    @work(group="events")
    async def remember_last_event(self) -> None:
        self.last_event_id = await self.store.clients.last_event_id()

    def show_context(self) -> None:
        """The firm, the preparer, and who sends the mail when it is not this terminal."""
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(self.preparer.firm_name, style="bold")
        line.append("  ·  ")
        line.append(self.preparer.username)
        note = self.desk.pipeline_note
        if note:
            line.append("  ·  ")
            line.append(note, style="dim")
        self.query_one("#context", Static).update(line)
        self.relay_banner.show_state(self.desk.relay_state)

    def _show_info(self, q: ClientQuery, total: int, everyone: int | None = None, *,
                   at_least: bool = False) -> None:
        """The line under the list: how many shown of how many (`at_least`: the count is still
        on its way, `total` are known), the sort, the selection."""
        if everyone is None:
            everyone = self._everyone
        self._everyone = everyone
        shown = (_("{shown}+ shown of {total}") if at_least else ngettext(
            "{shown} shown of {total}", "{shown} shown of {total}", total))
        parts = [shown.format(shown=format_count(total), total=format_count(everyone))]
        title = {c.key: c.title for c in columns()}[q.sort]
        parts.append(_("sorted by {column} {arrow}").format(
            column=title, arrow="▼" if q.descending else "▲"))
        if q.include_inactive:
            parts.append(_("inactive clients shown"))
        selected = len(self.table.selected)
        if selected:
            parts.append(_("{n} selected: i invites them all").format(n=format_count(selected)))
        line = "  ·  ".join(parts)
        if line != self._info_shown:  # one row whatever it says: no layout, no scrollbar redrawn
            self._info_shown = line
            self.info_line.update(line, layout=False)

    # -- reacting to the controls ---------------------------------------------------------------

    @on(Input.Changed, "#search")
    def _search_changed(self) -> None:
        self.reload(typing=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "leave_search":
            return self.focused is self.query_one("#search", Input)
        return True

    def action_leave_search(self) -> None:
        """Enter in the search box: back to the list at once (keys may follow in a burst)."""
        self.set_focus(self.table)

    @on(ClientTable.SelectionChanged)
    def _selection_changed(self) -> None:
        self._show_info(self.query_now(), self.table.total)
        self.show_row_keys()

    @on(ClientTable.Highlighted)
    def show_row_keys(self) -> None:
        """The key bar, with the keys for the client on the cursor first."""
        for bar in self.query(KeyBar):  # none once the screen is being taken down
            bar.show_first(row_actions(self.table.current, bool(self.table.selected)))

    @on(PipelineBar.FilterChosen)
    def _filter_clicked(self, event: PipelineBar.FilterChosen) -> None:
        self.filter_to(event.status)

    @on(TaxYearPicker.Stepped)
    def _year_clicked(self, event: TaxYearPicker.Stepped) -> None:
        self.action_year(event.delta)

    def filter_to(self, status: str | None) -> None:
        """Show only clients in `status` (None: every status)."""
        if status != self.status_filter:
            self.status_filter = status
            self.reload()

    @on(ClientTable.SortRequested)
    def _sort_clicked(self, event: ClientTable.SortRequested) -> None:
        if event.column == self.sort:
            self.descending = not self.descending
        else:
            self.sort, self.descending = event.column, False
        self.reload()

    def key_escape(self) -> None:
        search = self.query_one("#search", Input)
        if search.has_focus and search.value:
            search.value = ""
        self.set_focus(self.table)

    def key_down(self) -> None:
        if self.query_one("#search", Input).has_focus:
            self.set_focus(self.table)

    # -- actions --------------------------------------------------------------------------------

    def action_search(self) -> None:
        self.set_focus(self.query_one("#search", Input))

    def action_cycle_filter(self) -> None:
        order = [None] + [s for s in (*STATUSES, INACTIVE)
                          if s in MAIN_STATUSES or self.counts.get(s)]
        if self.status_filter not in order:
            order.append(self.status_filter)
        self.filter_to(order[(order.index(self.status_filter) + 1) % len(order)])

    def action_cycle_sort(self) -> None:
        self.sort = SORT_ORDER[(SORT_ORDER.index(self.sort) + 1) % len(SORT_ORDER)]
        self.descending = False
        self.reload()

    def action_reverse_sort(self) -> None:
        self.descending = not self.descending
        self.reload()

    def action_year(self, delta: int) -> None:
        target = self.tax_year + delta
        if target in self.years:
            self.tax_year = target
            self.query_one(TaxYearPicker).show_year(target)
            self.reload(counts=True)

    def action_toggle_inactive(self) -> None:
        self.include_inactive = not self.include_inactive
        if self.status_filter == INACTIVE and not self.include_inactive:
            self.status_filter = None  # the inactive ones hidden: no filter on them left
        self.reload()

    def _store_changed(self) -> None:
        """Someone changed the pipeline: redraw this page, keep the selection, say who accepted.

        The first change redraws at once; more of them within CHANGE_REDRAW_S are drawn
        together at its end. A reload the preparer asked for (a key) is never cancelled by
        one: the change waits for it to finish."""
        self._changes.poke()

    def _redraw_wait(self) -> float:
        """A short wait while the list's own reload (a key) is still reading."""
        busy = any(w.group == "client-list" and w.node is self and w.is_running
                   for w in self.app.workers)
        return 0.02 if busy else 0.0

    def _redraw_for_changes(self) -> None:
        current = self.table.current
        self.reload(select_id=current.id if current else None, counts=True, keep_filters=True)
        self.announce_acceptances()

    @work(exclusive=True, group="announce")
    async def announce_acceptances(self) -> None:
        clients = self.store.clients
        events = await clients.events_after(self.last_event_id, ("invitation_accepted",))
        for event_id, _kind, _name, _client_id in events:
            self.last_event_id = max(self.last_event_id, event_id)
        self.acceptance_news.heard(self.app, [name for _id, _kind, name, _client in events])

    def action_add_client(self) -> None:
        from tui.screens.add_client import AddClientScreen

        self.app.push_screen(AddClientScreen(), self._client_added)

    def _client_added(self, client_id: int | None) -> None:
        if client_id is None:
            return
        self._show_added(client_id)

    @work(group="client-list-select")
    async def _show_added(self, client_id: int) -> None:
        """Select the new client, clearing the search or filter that would hide it."""
        q = self.query_now()
        if await self.store.clients.position(client_id, q) is None:
            with self.prevent(Input.Changed):
                self.query_one("#search", Input).value = ""
            self.status_filter = None
        self.set_focus(self.table)
        self.reload(select_id=client_id, counts=True)

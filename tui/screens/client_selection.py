"""The client list's selection and its bulk runs: choose clients, invite them all at once,
follow the run, stop it."""

from __future__ import annotations

from textual import work

from linkdesk.i18n import _, ngettext
from linkdesk.labels import bulk_counts
from tui.desk import Desk
from tui.widgets.bulk_progress import BulkProgressPanel


class ClientSelection(Desk):
    """Mixin for ClientsScreen: the selected clients and the bulk invitation under way."""

    bulk = None  # the bulk invitation under way (linkdesk.bulk.BulkInvitation)

    def action_toggle_selected(self) -> None:
        table = self.table
        row = table.current
        if row is None:
            return
        table.set_selected(table.selected ^ {row.id})
        table.action_cursor(1)
        self._show_info(self.query_now(), table.total)
        self.show_row_keys()

    @work(exclusive=True, group="select-all")
    async def action_select_all(self) -> None:
        table = self.table
        ids = set(await self.store.clients.ids(self.query_now()))
        table.set_selected(set() if ids and ids <= table.selected else ids)
        self._show_info(self.query_now(), table.total)
        self.show_row_keys()

    async def _open_bulk(self, ids: list[int], *, reinvite: bool = False,
                         title: str | None = None) -> None:
        from tui.screens.bulk_invite import BulkInviteScreen

        if self.bulk is not None:
            self.notify(_("A bulk invitation is under way: wait for it, or stop it with x."),
                        markup=False)
            return
        store = self.store
        clients = await store.clients.many_details(ids)
        statuses = await store.clients.statuses_of(ids, self.tax_year)
        self.app.push_screen(
            BulkInviteScreen(clients, statuses, self.tax_year, self.preparer.firm_name,
                             self.preparer.username, reinvite=reinvite, title=title),
            lambda chosen: self.run_bulk(chosen, reinvite) if chosen else None)

    @work(group="lifecycle")
    async def action_reinvite_stale(self) -> None:
        import datetime as dt

        from tui.screens.ask_days import AskDaysScreen

        days = await self.app.push_screen_wait(AskDaysScreen(
            _("Re-invite every client whose invitation for {year} has been pending for more "
              "than how many days?").format(year=self.tax_year)))
        if days is None:
            return
        before = self.store.clock() - dt.timedelta(days=days)
        ids = await self.store.clients.pending_since(self.preparer.firm_id, self.tax_year,
                                                         before)
        if not ids:
            self.notify(_("No invitation has been pending for more than {days} days.")
                        .format(days=days), markup=False)
            return
        await self._open_bulk(ids, reinvite=True, title=ngettext(
            "Re-invite {n} client pending for more than {days}",
            "Re-invite {n} clients pending for more than {days}", len(ids)).format(
                n=len(ids), days=ngettext("{n} day", "{n} days", days).format(n=days)))

    @work(exclusive=True, group="bulk")
    async def run_bulk(self, ids: list[int], reinvite: bool) -> None:
        from linkdesk.bulk import BulkInvitation

        runtime = self.runtime
        panel = self.query_one(BulkProgressPanel)
        self.bulk = BulkInvitation(
            self.store, self.preparer, self.settings, ids, self.tax_year,
            reinvite=reinvite, on_progress=panel.show,
            wake=runtime.wake_delivery if runtime is not None else None,
            process_id=runtime.process_id if runtime is not None else None)
        self.table.set_selected(set())
        try:
            progress = await self.bulk.run()
        finally:
            self.bulk = None
        if progress.cancelled:
            self.notify(_("Bulk invitation stopped: {counts}.").format(
                counts=bulk_counts(progress)), markup=False)
        else:
            self.notify(_("Bulk invitation finished: {counts}.").format(
                counts=bulk_counts(progress)), markup=False)
        current = self.table.current
        self.reload(select_id=current.id if current else None, counts=True, keep_filters=True)

    def action_cancel_bulk(self) -> None:
        if self.bulk is None:
            self.notify(_("No bulk invitation is under way."), markup=False)
            return
        self.bulk.cancel()
        self.notify(_("Stopping: nothing more is sent; what the relay does not have yet is "
                      "taken back."), markup=False)

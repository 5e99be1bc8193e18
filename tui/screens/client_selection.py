"""The client list's bulk invitations: invite the selected clients all at once, re-invite
the ones pending too long, stop a run. The run itself is its panel's (BulkProgressPanel); the
selection is the client table's."""

from __future__ import annotations

from textual import work
from textual.binding import Binding

from linkdesk.i18n import N_, _, ngettext
from linkdesk.labels import bulk_counts
from tui.screens.client_files import ClientFileActions
from tui.widgets.bulk_progress import BulkProgressPanel


class ClientBulkActions(ClientFileActions):
    """The part of the client list (a layer of ClientsScreen) that starts and stops bulk
    invitations."""

    BINDINGS = [
        Binding("R", "reinvite_stale", N_("Re-invite pending"), id="reinvite-stale",
                show=False, tooltip=N_("Re-invite everyone pending for more than N days")),
        Binding("x", "cancel_bulk", N_("Stop bulk"), id="cancel-bulk", show=False,
                tooltip=N_("Stop the bulk invitation: nothing more is sent, clients not "
                           "reached stay as they were")),
    ]

    @property
    def bulk_panel(self) -> BulkProgressPanel:
        return self.query_one(BulkProgressPanel)

    @property
    def bulk(self):
        """The bulk invitation under way (linkdesk.bulk.BulkInvitation), or None."""
        return self.bulk_panel.bulk

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
        self.table.set_selected(set())
        progress = await self.bulk_panel.run(ids, self.tax_year, reinvite)
        if progress.cancelled:
            self.notify(_("Bulk invitation stopped: {counts}.").format(
                counts=bulk_counts(progress)), markup=False)
        else:
            self.notify(_("Bulk invitation finished: {counts}.").format(
                counts=bulk_counts(progress)), markup=False)
        current = self.table.current
        self.reload(select_id=current.id if current else None, counts=True, keep_filters=True)

    def action_cancel_bulk(self) -> None:
        if not self.bulk_panel.stop():
            self.notify(_("No bulk invitation is under way."), markup=False)
            return
        self.notify(_("Stopping: nothing more is sent; what the relay does not have yet is "
                      "taken back."), markup=False)

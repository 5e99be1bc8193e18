"""A bulk invitation under the list: the panel runs it (start, stop) and shows its progress, a
bar and sent, waiting, failed counts."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import ProgressBar, Static

from linkdesk.bulk import BulkInvitation, BulkProgress
from linkdesk.i18n import _, fill
from linkdesk.labels import bulk_counts, number
from tui.desk import Desk


class BulkProgressPanel(Desk, Horizontal):
    """Runs one bulk invitation at a time. Hidden until one starts; stays with the final
    counts once it ends, and a stopped one's for STOPPED_SHOWN_S only."""

    bulk: BulkInvitation | None = None  # the run under way

    STOPPED_SHOWN_S = 8.0

    # Its counts wrap onto a second line rather than lose the last ones at 80 columns (a
    # run under way beside its bar, a stopped run's five counts, French).
    DEFAULT_CSS = """
    BulkProgressPanel { height: auto; max-height: 2; display: none; padding: 0 1;
                        background: $boost; }
    BulkProgressPanel ProgressBar { width: 22; }
    BulkProgressPanel #bulk-counts { width: 1fr; height: auto; padding: 0 0 0 1; }
    """

    def compose(self) -> ComposeResult:
        # Kept by reference: the run's progress reaches them without a DOM query, even while
        # the app takes the screen down around it (a query then found the bar and not the
        # counts, which were already removed).
        self._bar = ProgressBar(show_eta=False, id="bulk-bar")
        self._counts = Static("", id="bulk-counts", markup=False)
        yield self._bar
        yield self._counts

    _hide_timer = None

    async def run(self, ids: list[int], tax_year: int, reinvite: bool) -> BulkProgress:
        """Invite `ids` for `tax_year`, showing the progress here; the last progress."""
        runtime = self.runtime
        self.bulk = BulkInvitation(
            self.store, self.preparer, self.settings, ids, tax_year,
            reinvite=reinvite, on_progress=self.show,
            wake=runtime.wake_delivery if runtime is not None else None,
            process_id=runtime.process_id if runtime is not None else None)
        try:
            return await self.bulk.run()
        finally:
            self.bulk = None

    def stop(self) -> bool:
        """Send no more (what the relay does not have yet is taken back); False: no run."""
        if self.bulk is None:
            return False
        self.bulk.cancel()
        return True

    def show(self, progress: BulkProgress) -> None:
        if self._hide_timer is not None:  # a new run: the last one's line does not hide it
            self._hide_timer.stop()
            self._hide_timer = None
        self.display = True
        bar = self._bar
        bar.display = not progress.done  # the last line has the whole width for its counts
        bar.update(total=max(1, progress.total), progress=progress.sent + progress.failed
                   + progress.skipped + (progress.taken_back + progress.not_queued
                                         if progress.cancelled else 0))
        counts = bulk_counts(progress)
        if progress.done and progress.cancelled:
            counts = _("Bulk invitation stopped: {counts}").format(counts=counts)
            self._hide_timer = self.set_timer(self.STOPPED_SHOWN_S, self._hide)
        elif progress.done:
            counts = _("Bulk invitation finished: {counts}").format(counts=counts)
            if progress.reasons:  # why some were skipped while it ran (a colleague, ...)
                from linkdesk.labels import skip_reason

                counts += " (" + ", ".join(skip_reason(code, n)
                                           for code, n in progress.reasons.items()) + ")"
        elif progress.cancelled:
            counts = _("Stopping… {counts}").format(counts=counts)
        else:
            counts = _("Inviting {queued}/{total}: {counts} (x stops)").format(
                queued=number(progress.handled), total=number(progress.total), counts=counts)
        self._counts.update(counts)

    def _hide(self) -> None:
        self._hide_timer = None
        self.display = False

    def show_cut_short(self, run) -> None:
        """A bulk invitation that stopped before the end (store.bulk_runs.CutShort)."""
        self.display = True
        bar = self._bar
        bar.display = True
        bar.update(total=max(1, run.total), progress=run.queued + run.skipped)
        self._counts.update(fill(_(
            "A bulk invitation by {who} was cut short: {queued} of {total} queued, {missing} "
            "not reached (still as they were)."),
                who=run.preparer or _("a script"), queued=run.queued, total=run.total,
                missing=run.not_reached))


"""Screens that show the store redraw when it changes, however it changed (this process, the
acceptance page, another preparer, an import), at most every quarter second."""

from __future__ import annotations

from tui.messages import StoreChanged

REDRAW_S = 0.25


class LiveScreen:
    """Mixin for a Screen with a `reload()`: a StoreChanged schedules one, coalesced. A screen
    with a selection keeps it (`live_reload`)."""

    _live_timer = None

    # A named handler, not @on: Textual registers @on handlers of the class being defined
    # only (a metaclass reads its namespace), so in a mixin they were never called; named
    # handlers are looked up along the whole MRO.
    def on_store_changed(self, _message: StoreChanged) -> None:
        if not self.is_mounted or self._live_timer is not None:
            return
        self._live_timer = self.set_timer(REDRAW_S, self._live_redraw)

    def _live_redraw(self) -> None:
        self._live_timer = None
        if self.is_mounted:
            self.live_reload()

    def live_reload(self) -> None:
        """Redraw for a change made elsewhere, keeping the row the preparer is on."""
        current = getattr(self, "current", None)
        row = current() if current is not None else None
        if row is not None:
            self.reload(select_id=row.id)
        else:
            self.reload()

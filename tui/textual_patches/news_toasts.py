"""Toasts of news give way to what the preparer is doing: at 80x24 three of them (the demo's
welcome, a bulk run's end, acceptances) covered the field of the dialog just opened.

- A dialog or screen opened puts away the news toasts ("information"): the preparer has moved
  on, and what they said is in the list (its statuses, counts and history). Warnings and errors
  stay until they time out.
- At most MOST_NEWS news toasts are shown at once; a new one puts away the oldest. One: a
  news toast is one line at the top right, over the firm's name (tui.tcss), and a second
  would cover the search line.
"""

from __future__ import annotations

from tui.textual_patches.notifications import sweep_holders, take_back

# Private names (each with its signature on the pinned Textual; None: an attribute). Why:
# Textual offers no hook when a toast is posted and no way to remove one toast; the news ones
# must give way without touching a warning. Upstream: a public `App.unnotify(notification)`
# and a Notify message an App may handle publicly; to propose.
PRIVATE_NAMES = {
    "textual.app.App._on_notify": "(self, event: 'Notify') -> 'None'",
    "textual.app.App._refresh_notifications": "(self) -> 'None'",
    "textual.app.App._notifications": None,
}

MOST_NEWS = 1


class NewsToasts:
    """Part of PatchedApp (tui/textual_patches/app.py); its push_screen puts the news away."""

    def _refresh_notifications(self) -> None:
        super()._refresh_notifications()  # the racks are redrawn later (call_later): sweep then
        self.call_later(sweep_holders, self)

    def _on_notify(self, event) -> None:
        if event.notification.severity == "information":
            self._put_away_news(keep=MOST_NEWS - 1, refresh=False)  # the new one refreshes
        super()._on_notify(event)

    def _put_away_news(self, *, keep: int, refresh: bool = True) -> None:
        news = [note for note in self._notifications if note.severity == "information"]
        old = news[:max(0, len(news) - keep)]
        for note in old:
            take_back(self, note, refresh=False)
        if old and refresh:
            self._refresh_notifications()

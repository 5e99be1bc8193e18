"""One error policy for every worker and handler of the app.

- A busy database is waited for by the store (store.busy); the app shows a line meanwhile.
- Any other store fault (a locked or missing file, a lost server, a full disk) is one
  notification; the screen stays as it was, with everything typed still in it.
- Anything else is a bug: the app stops with one line naming a log file that holds the
  traceback, without local variables (they can hold a typed password or a hash).
"""

from __future__ import annotations

import datetime as dt
import os
import traceback
from pathlib import Path

from textual.notifications import Notification, Notify
from textual.worker import WorkerFailed

from linkdesk.i18n import _
from store.busy import is_store_fault
from tui.textual_patches.notifications import is_shown, take_back

CRASH_LOG = "crash.log"


def store_fault_message(error: BaseException) -> str:
    """One line for a preparer, from a store fault (its first line only, never a traceback)."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return _("The database could not do that ({reason}). Nothing typed was lost: try again.") \
        .format(reason=text[:200])


def write_crash_log(error: BaseException, directory: Path) -> Path:
    """Append the traceback (no locals) to the crash log, readable by this user only."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / CRASH_LOG
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(f"--- {dt.datetime.now().isoformat(timespec='seconds')}\n")
        handle.writelines(traceback.format_exception(error))
    return path


class ErrorPolicy:
    """The app's: store faults become notifications; a bug exits with one line, no locals."""

    def __init__(self, app, store, data_dir: Path) -> None:
        self.app = app
        self.store = store
        self.data_dir = data_dir  # where the crash log goes
        self.crash_line: str | None = None  # said on the terminal once the app has stopped
        self._busy_note: Notification | None = None

    def watch_store_busy(self) -> None:
        """Show a line while the store waits for another program's write lock."""
        self.store.busy.subscribe(self._store_waiting)

    def _store_waiting(self, waiting: int) -> None:
        if waiting and self._busy_note is None:
            note = Notification(_("Waiting for the database: another program is writing to "
                                  "it…"), "", "warning", 3600, markup=False)
            self._busy_note = note
            self.app.post_message(Notify(note))
        elif not waiting and self._busy_note is not None:
            note, self._busy_note = self._busy_note, None
            self.app.call_later(self._drop_note, note)

    def _drop_note(self, note: Notification) -> None:
        if is_shown(self.app, note):
            take_back(self.app, note)

    def uncaught_exception(self, error: Exception) -> BaseException | None:
        """A store fault is a notification and the app goes on (None); anything else is
        logged and returned: the app stops on it."""
        original = error.error if isinstance(error, WorkerFailed) else error
        if is_store_fault(original):
            self.app.notify(store_fault_message(original), severity="error", markup=False,
                            timeout=10)
            return None
        try:
            where = write_crash_log(original, self.data_dir)
        except OSError:
            where = None
        self.crash_line = (
            _("linkdesk stopped on an unexpected error ({kind}); the details are in {path}.")
            .format(kind=type(original).__name__, path=where) if where else
            _("linkdesk stopped on an unexpected error ({kind}).")
            .format(kind=type(original).__name__))
        return original  # not Textual's WorkerFailed around it

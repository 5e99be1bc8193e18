"""Every exception a handler or worker lets through goes to the app's own error policy.

Private names: `App._handle_exception` (Textual calls it with every exception a message handler
raises and every worker failure with `exit_on_error`), and what Textual's own version does to
stop the app: `App._return_code`, `App._exception` with `App._exception_event` (run_test re-raises
it, so a test sees the error), `MessagePump._close_messages_no_wait`.
Why: Textual's version prints a rich traceback *with local variables* when the app exits, and a
local can be a typed password or its hash; and a store fault (a locked file, a lost server) must
be one notification that keeps the screen and what was typed, not an exit. `tui/errors.py`
holds that policy; this module is only the hook it hangs on.
Upstream: Textual has no public hook for uncaught exceptions (`App._handle_exception` is private
as of 8.2.8; harlequin overrides it too, see its `app_base.py`). The change to propose: a public
`App.on_exception(error) -> bool` called first, returning True when the app dealt with it,
and `show_locals` as an App setting. Worker errors alone could go through
`Worker.StateChanged`, but handler errors could not, and one policy must see both.
"""

from __future__ import annotations

# Each private name used here, with its signature on the pinned Textual (None: an attribute).
PRIVATE_NAMES = {
    "textual.app.App._handle_exception": "(self, error: 'Exception') -> 'None'",
    "textual.app.App._return_code": None,
    "textual.app.App._exception": None,
    "textual.app.App._exception_event": None,
    "textual.message_pump.MessagePump._close_messages_no_wait": "(self) -> 'None'",
}


class ExceptionHook:
    """Part of PatchedApp (tui/textual_patches/app.py): an uncaught exception is handed to
    `self.uncaught_exception(error)`, which returns None when the app goes on, or the error
    the app stops on."""

    def uncaught_exception(self, error: Exception) -> BaseException | None:
        return error  # overridden by the app's policy

    def _handle_exception(self, error: Exception) -> None:
        stopping = self.uncaught_exception(error)
        if stopping is not None:
            stop_on(self, stopping)


def stop_on(app, error: BaseException, return_code: int = 1) -> None:
    """End the app with `return_code`, as Textual does on an uncaught error, without printing
    a traceback; the first error is kept for a test driving the app to see raised."""
    app._return_code = return_code
    if app._exception is None:
        app._exception = error
        app._exception_event.set()
    app._close_messages_no_wait()

"""A session's own process: the desk signed in as the preparer the door let in, or `status`.

Started by the service as `python -m linkdesk.ssh.desk MODE FD` on the session's
pseudo-terminal (MODE `desk`) or pipes (MODE `status`); its settings and the preparer come
through the pipe FD, never argv or the environment. `python -m linkdesk.ssh.desk demo` is
`linkdesk demo` on the session's terminal, with no FD: its settings are its own. The client's
TERM, COLORTERM, NO_COLOR and LANG/LC_* are in the environment; the language follows LANG/LC_*
when it names one we have.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import signal
import sys
import termios
from dataclasses import replace

from linkdesk.i18n import SUPPORTED, _, set_language
from linkdesk.ssh.handoff import decode, read_all


def client_language(default: str) -> str:
    """The language the client's locale names (LC_ALL, LC_MESSAGES, LANG), else `default`."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        code = os.environ.get(var, "").split(".")[0].split("_")[0].lower()
        if code in SUPPORTED:
            return code
    return default


async def run_desk(settings, preparer_id: int) -> int:
    """The app on this terminal, signed in as `preparer_id`, until it quits or is told to."""
    from linkdesk.runtime import SESSION, Runtime
    from store import Store
    from store.target import parse_database_url
    from tui.app import make_app

    store = await Store.open(parse_database_url(settings.database_url), pool_size=8,
                             region=settings.region)
    try:
        preparer = await store.accounts.info(preparer_id)
        if preparer is None:
            print("linkdesk: this account is gone", file=sys.stderr)
            return 1
        runtime = Runtime(settings, store, role=SESSION)
        try:
            app = make_app(settings, store, runtime, preparer)
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGHUP):  # ended by an admin, or the line dropped
                loop.add_signal_handler(sig, app.exit)
            await app.run_async()
            if app.crash_line:
                print(app.crash_line, file=sys.stderr)
            return app.return_code or 0
        finally:
            await runtime.stop()
    finally:
        await store.close()


def main() -> int:
    mode = sys.argv[1]
    if mode == "demo":  # `linkdesk demo`, its settings its own: nothing handed over
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)  # this terminal is ours: resizes reach us
        from linkdesk.cli import main as linkdesk

        return linkdesk(["demo"])
    fd = int(sys.argv[2])
    settings, given = decode(read_all(fd))
    language = client_language(settings.language)
    set_language(language)  # before the screens are imported: their key labels are in it
    settings = replace(settings, language=language)
    if mode == "desk":
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)  # this terminal is ours: resizes reach us
        return asyncio.run(run_desk(settings, given["preparer_id"]))
    if mode == "status":
        from linkdesk.cli import UsageError, run_status
        from store.target import parse_database_url

        try:
            return run_status(parse_database_url(settings.database_url),
                              given.get("tax_year"), given.get("json", False))
        except UsageError as exc:
            print(f"linkdesk: {exc}", file=sys.stderr)
            return 2
        except Exception as exc:  # one line to the client, never a traceback
            print("linkdesk: " + _("the database could not do that: {reason}").format(
                reason=type(exc).__name__), file=sys.stderr)
            return 1
    return 2


if __name__ == "__main__":
    sys.exit(main())

"""The SSH door's warm process: imports the desk once, then forks one child per session.

Started by the service (`linkdesk.ssh.warm`) as `python -m linkdesk.ssh.zygote FD REGION`, FD
one end of a socket pair, REGION the firm's (for the phone numbers it loads ahead). Each
request is JSON (the mode, the session's environment and directory) with four descriptors: the
session's stdin, stdout and stderr (its terminal thrice, or pipes) and the pipe its settings
are in (none for the demo). The child becomes what `python -m linkdesk.ssh.desk MODE [FD]`
would be on that terminal; the warm process answers with
its pid and, once it has ended, its exit status (negative: the signal that killed it).
No event loop, thread or database connection exists here before a fork.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json
import os
import selectors
import signal
import socket
import sys
import tempfile
import traceback
from os import _exit as exit_child  # (os's, not Textual's `_exit`: the fence test reads names)


def preload(region: str = "CA") -> None:
    """What every session imports and loads on its way to the client list, and what the
    services it starts then import: once, here. What the client list formats with (Babel's
    data for each language, phonenumbers' for the firm's region) is loaded too."""
    import textual.drivers.linux_driver  # noqa: F401

    import linkdesk.cli
    import linkdesk.demo
    import linkdesk.demo_activity
    import linkdesk.demo_data
    import linkdesk.runtime
    import linkdesk.ssh.desk  # noqa: F401
    import store.bulk_runs
    import store.db  # noqa: F401
    import tui.app
    import tui.screens.sign_in  # noqa: F401
    from linkdesk.i18n import SUPPORTED, set_language
    from tui.formatting import format_count, format_datetime
    from tui.warmup import warm_client_list, warm_services

    for language in SUPPORTED:
        set_language(language)
        warm_client_list(region)
        format_count(1200)
        format_datetime(dt.datetime(2025, 1, 1))
    set_language("en")  # each session sets its own
    warm_services()


def _std_streams() -> None:
    """stdin, stdout and stderr anew on fds 0-2 (the session's terminal), as Python would make
    them at start on a terminal: line-buffered UTF-8."""
    for fd, name, mode in ((0, "stdin", "r"), (1, "stdout", "w"), (2, "stderr", "w")):
        stream = open(fd, mode, buffering=1 if fd else -1, encoding="utf-8", closefd=False,
                      errors="backslashreplace" if fd == 2 else "strict")
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)


def _child(request: dict, stdin: int, stdout: int, stderr: int, handoff: int = -1) -> int:
    """In the forked child: the session's process from here on."""
    os.setsid()  # a session of its own: a terminal becomes its controlling one (desk.main)
    for fd, given in enumerate((stdin, stdout, stderr)):
        os.dup2(given, fd)
    for given in {stdin, stdout, stderr} - {0, 1, 2, handoff}:
        os.close(given)
    if request.get("cwd"):
        os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    tempfile.tempdir = None  # found again from this environment's TMPDIR (a demo's own)
    _std_streams()
    sys.argv = ["linkdesk.ssh.desk", request["mode"], *([str(handoff)] if handoff >= 0 else [])]
    from linkdesk.ssh.desk import main

    try:
        return main()
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
        return 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()


def _reap(sock: socket.socket) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        sock.send(json.dumps({"exit": pid, "code": os.waitstatus_to_exitcode(status)}).encode())


def serve(sock: socket.socket) -> int:
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_read, False)
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # only to wake the selector
    selector = selectors.DefaultSelector()
    selector.register(sock, selectors.EVENT_READ)
    selector.register(wake_read, selectors.EVENT_READ)
    sock.send(json.dumps({"ready": True}).encode())
    while True:
        for key, _events in selector.select():
            if key.fileobj == wake_read:
                with contextlib.suppress(BlockingIOError):
                    while os.read(wake_read, 4096):
                        pass
                _reap(sock)
                continue
            try:
                data, fds, _flags, _address = socket.recv_fds(sock, 65536, 4)
            except InterruptedError:
                continue
            if not data:  # the service is gone or stopping: the sessions go on alone
                return 0
            request = json.loads(data)
            if len(fds) not in (3, 4):
                for fd in fds:
                    os.close(fd)
                sock.send(json.dumps({"id": request.get("id"), "error": "fds"}).encode())
                continue
            try:
                pid = os.fork()
            except OSError as exc:
                for fd in fds:
                    os.close(fd)
                sock.send(json.dumps({"id": request["id"], "error": str(exc)}).encode())
                continue
            if pid == 0:
                selector.close()
                signal.set_wakeup_fd(-1)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                os.close(wake_read)
                os.close(wake_write)
                sock.close()
                code = 1
                try:
                    code = _child(request, *fds)
                except BaseException:  # before the desk ran: said where it would have been
                    traceback.print_exc()
                finally:
                    # No atexit, no flush of the warm process's buffers: the child ends here.
                    exit_child(code & 0xFF if code >= 0 else 1)
            for fd in fds:
                os.close(fd)
            sock.send(json.dumps({"id": request["id"], "pid": pid}).encode())


def main() -> int:
    sock = socket.socket(fileno=int(sys.argv[1]))
    preload(sys.argv[2] if len(sys.argv) > 2 else "CA")
    # What was loaded stays out of the collector's sight: a session's first collections then
    # do not write to (and so copy) every page it shares with the others.
    gc.freeze()
    try:
        return serve(sock)
    except OSError:  # the service went while we spoke to it: the sessions go on alone
        return 0


if __name__ == "__main__":
    sys.exit(main())

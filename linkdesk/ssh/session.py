"""One session's process on a pseudo-terminal sized to the client's window, wired to its channel."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import signal
import struct
import termios
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

import asyncssh

# What a terminal needs back when the program on it died without restoring it: the main
# screen, the cursor, no mouse reports, no bracketed paste, default colours.
RESET = (b"\x1b[?1049l\x1b[?25h\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?2004l"
         b"\x1b[?1004l\x1b[0m\r\n")
END_WAIT_S = 5.0  # a process asked to end has this long before it is killed


async def _ready(add, remove, fd: int) -> None:
    """Until `fd` is readable (add_reader) or writable (add_writer)."""
    ready = asyncio.get_running_loop().create_future()
    add(fd, lambda: ready.done() or ready.set_result(None))
    try:
        await ready
    finally:
        remove(fd)


def set_size(fd: int, cols: int, rows: int, width_px: int = 0, height_px: int = 0) -> None:
    """The terminal's size; the kernel tells the process on it (SIGWINCH)."""
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", max(rows, 1), max(cols, 1),
                                                    width_px, height_px))


def idle_line(idle_s: float) -> str:
    """What a client reads when its session ended idle: in minutes, or seconds under one."""
    from linkdesk.i18n import ngettext

    if idle_s < 60:
        seconds = round(idle_s)
        return ngettext("linkdesk: session ended after {n} second without a key.",
                        "linkdesk: session ended after {n} seconds without a key.",
                        seconds).format(n=seconds)
    minutes = round(idle_s / 60)
    return ngettext("linkdesk: session ended after {n} minute without a key.",
                    "linkdesk: session ended after {n} minutes without a key.",
                    minutes).format(n=minutes)


def demo_line(length_s: float) -> str:
    """What a demo's visitor reads when its time is up: in minutes, or seconds under one."""
    from linkdesk.i18n import ngettext

    if length_s < 60:
        seconds = round(length_s)
        return ngettext("linkdesk: the demo ends after {n} second.",
                        "linkdesk: the demo ends after {n} seconds.", seconds).format(n=seconds)
    minutes = round(length_s / 60)
    return ngettext("linkdesk: the demo ends after {n} minute.",
                    "linkdesk: the demo ends after {n} minutes.", minutes).format(n=minutes)


class Child(Protocol):
    """What a session uses of its program's process: asyncio's, or one the warm process forked."""

    pid: int
    returncode: int | None

    async def wait(self) -> int: ...


class PtySession:
    """Runs `argv` in a process of its own (a new session, the pty its controlling terminal) and
    copies bytes both ways: the channel's keys in, the program's output out, resizes through."""

    def __init__(self, process: asyncssh.SSHServerProcess, argv: list[str], env: dict[str, str],
                 pass_fds: tuple[int, ...] = (), idle_s: float | None = None,
                 cwd: str | None = None,
                 fork: Callable[[int], Awaitable[Child | None]] | None = None) -> None:
        self.process = process
        self.argv, self.env, self.pass_fds, self.cwd = argv, env, pass_fds, cwd
        self.fork = fork  # the program started from the terminal's fd, else None: run argv
        self.idle_s = idle_s
        self.last_input = time.monotonic()
        self.child: Child | None = None
        self.end_line = ""  # said to the client after the program has put the terminal back
        self._master: int | None = None
        self.started = asyncio.Event()

    @property
    def pid(self) -> int | None:
        return self.child.pid if self.child is not None else None

    async def run(self) -> int:
        """The program's exit status (negative: killed by that signal)."""
        cols, rows, width_px, height_px = self.process.get_terminal_size()
        master, slave = os.openpty()
        self._master = master
        try:
            set_size(slave, cols or 80, rows or 24, width_px, height_px)
            if self.fork is not None:
                self.child = await self.fork(slave)
            if self.child is None:
                self.child = await asyncio.create_subprocess_exec(
                    *self.argv, stdin=slave, stdout=slave, stderr=slave, env=self.env,
                    start_new_session=True, pass_fds=self.pass_fds, cwd=self.cwd)
        finally:
            os.close(slave)
            for fd in self.pass_fds:
                os.close(fd)
        self.started.set()
        os.set_blocking(master, False)
        output = asyncio.create_task(self._copy_out(master))
        keys = asyncio.create_task(self._copy_in(master))
        idle = asyncio.create_task(self._watch_idle()) if self.idle_s else None
        try:
            code = await self.child.wait()
            # What the program wrote last (putting the terminal back) still reaches the client.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(output), 2.0)
        finally:
            for task in (output, keys, idle):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await task
            os.close(master)
            self._master = None
        if code < 0:  # killed: the terminal was left as the program had it
            self._write(RESET)
        return code

    def _write(self, data: bytes) -> None:
        with contextlib.suppress(Exception):  # the client may be gone
            self.process.stdout.write(data)

    async def _copy_out(self, master: int) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                data = os.read(master, 65536)
            except BlockingIOError:
                await _ready(loop.add_reader, loop.remove_reader, master)
                continue
            except OSError:  # EIO: the program is gone and its terminal closed
                return
            if not data:
                return
            self.process.stdout.write(data)
            await self.process.stdout.drain()

    async def _copy_in(self, master: int) -> None:
        while True:
            try:
                data = await self.process.stdin.read(65536)
            except asyncssh.TerminalSizeChanged as change:
                set_size(master, change.width, change.height, change.pixwidth,
                         change.pixheight)
                continue
            except (asyncssh.BreakReceived, asyncssh.SignalReceived):
                continue
            except (asyncssh.Error, OSError):
                data = b""
            if not data:  # the client left: hang up, as a terminal closing does
                self.signal(signal.SIGHUP)
                return
            self.last_input = time.monotonic()
            await self._write_keys(master, data)

    async def _write_keys(self, master: int, data: bytes) -> None:
        loop = asyncio.get_running_loop()
        view = memoryview(data)
        while view:
            try:
                written = os.write(master, view)
            except BlockingIOError:
                await _ready(loop.add_writer, loop.remove_writer, master)
                continue
            view = view[written:]

    async def _watch_idle(self) -> None:
        step = min(30.0, self.idle_s / 4)
        while True:
            await asyncio.sleep(step)
            if time.monotonic() - self.last_input >= self.idle_s:
                await self.end(idle_line(self.idle_s))
                return

    def signal(self, sig: int) -> None:
        if self.child is not None and self.child.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.child.pid, sig)

    async def end(self, line: str = "") -> None:
        """End the program (it puts the terminal back), then say `line`; killed if it lingers."""
        if line and not self.end_line:
            self.end_line = line
        await self.started.wait()
        self.signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(asyncio.shield(self.child.wait()), END_WAIT_S)
        except TimeoutError:
            self.signal(signal.SIGKILL)

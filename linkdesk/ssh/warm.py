"""Sessions started as forks of one warm process that has imported the desk already: a connect
then costs a fork, not a new Python importing Textual, the store and the screens.

The warm process (`linkdesk.ssh.zygote`) is the service's child, started with no environment
but where Python is; it forks a child per session on the pseudo-terminal the door hands it (by
SCM_RIGHTS over a socket pair), reports the child's pid, and later its exit status. Should it
be gone, the next session starts another (and waits for it, as at the service's start); one
that cannot start, or fails, starts as a new process, as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import sys
import time

log = logging.getLogger("linkdesk.ssh")

READY_WAIT_S = 60.0  # what a session waits for a warm process still importing, at most
BROKEN_WAIT_S = 60.0  # after one ended before it was ready, sessions start without for this long


class WarmUnavailable(Exception):
    """No warm process to fork from: start the session as a new process."""


class WarmChild:
    """A session's process forked by the warm process: what PtySession uses of a subprocess."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._pidfd: int | None = None

    def ended(self, code: int) -> None:
        if self.returncode is None:
            self.returncode = code
            self._done.set_result(code)
        self._stop_watching()

    async def wait(self) -> int:
        return await asyncio.shield(self._done)

    def watch_alone(self) -> None:
        """The warm process is gone and cannot report this one's end: see it end (a pidfd
        becomes readable), its status unknown, read as 1."""
        if self.returncode is not None:
            return
        try:
            self._pidfd = os.pidfd_open(self.pid)
        except OSError:  # already gone
            self.ended(1)
            return
        asyncio.get_running_loop().add_reader(self._pidfd, self.ended, 1)

    def _stop_watching(self) -> None:
        if self._pidfd is not None:
            with contextlib.suppress(Exception):
                asyncio.get_running_loop().remove_reader(self._pidfd)
            os.close(self._pidfd)
            self._pidfd = None


class WarmStarter:
    """The service's side of the warm process: start it, fork sessions from it, stop it."""

    def __init__(self, env: dict[str, str], region: str = "CA") -> None:
        self.env, self.region = env, region
        self._sock: socket.socket | None = None
        self._proc: asyncio.subprocess.Process | None = None
        self._ready: asyncio.Future[None] | None = None
        self._asked: dict[int, asyncio.Future[int]] = {}
        self._children: dict[int, WarmChild] = {}
        self._ended_early: dict[int, int] = {}
        self._next = 0
        self._restarting = asyncio.Lock()
        self._broken_until = 0.0  # one that never got ready is not started again before then

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    async def start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self._proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "linkdesk.ssh.zygote", str(theirs.fileno()), self.region,
                pass_fds=(theirs.fileno(),), env=self.env, stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL, start_new_session=True)
        except OSError:
            ours.close()
            raise
        finally:
            theirs.close()
        ours.setblocking(False)
        self._sock = ours
        loop = asyncio.get_running_loop()
        self._ready = loop.create_future()
        loop.add_reader(ours.fileno(), self._read)

    async def stop(self) -> None:
        if self._sock is not None:
            self._lost()
        if self._proc is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._proc.wait(), 5)
            if self._proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    self._proc.kill()
                await self._proc.wait()
            self._proc = None

    async def spawn(self, mode: str, env: dict[str, str], std: tuple[int, int, int],
                    handoff: int | None, cwd: str | None = None) -> WarmChild:
        """A child of the warm process running the desk's `mode` with `std` as its stdin,
        stdout and stderr (a session's terminal thrice, or pipes), its settings read from
        `handoff` (None: the demo, whose settings are its own); the fds stay the caller's."""
        async with self._restarting:
            if self._sock is None:  # gone: another one, waited for as at the service's start
                if time.monotonic() < self._broken_until:
                    raise WarmUnavailable("the last warm process never got ready")
                await self.stop()
                try:
                    await self.start()
                except OSError as exc:
                    raise WarmUnavailable(f"the warm process could not start: {exc}") from exc
        try:
            await asyncio.wait_for(asyncio.shield(self._ready), READY_WAIT_S)
        except (TimeoutError, WarmUnavailable) as exc:
            raise WarmUnavailable("the warm process is not ready") from exc
        self._next += 1
        number = self._next
        asked = asyncio.get_running_loop().create_future()
        self._asked[number] = asked
        request = json.dumps({"id": number, "mode": mode, "env": env, "cwd": cwd}).encode()
        try:
            socket.send_fds(self._sock, [request], [*std] + ([] if handoff is None else [handoff]))
            pid = await asked
        except OSError as exc:
            self._lost()
            raise WarmUnavailable(str(exc)) from exc
        finally:
            self._asked.pop(number, None)
        child = WarmChild(pid)
        if pid in self._ended_early:
            child.ended(self._ended_early.pop(pid))
        elif self._sock is None:
            child.watch_alone()
        else:
            self._children[pid] = child
        return child

    def _read(self) -> None:
        while self._sock is not None:
            try:
                data = self._sock.recv(65536)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:
                self._lost()
                return
            self._heard(json.loads(data))

    def _heard(self, said: dict) -> None:
        if said.get("ready") and self._ready is not None and not self._ready.done():
            log.info("ssh: sessions start as forks of warm process %s", self.pid)
            self._ready.set_result(None)
        elif "exit" in said:
            child = self._children.pop(said["exit"], None)
            if child is not None:
                child.ended(said["code"])
            else:  # before its pid reached the session (cannot happen in order; kept safe)
                self._ended_early[said["exit"]] = said["code"]
        elif "id" in said:
            asked = self._asked.get(said["id"])
            if asked is not None and not asked.done():
                if "pid" in said:
                    asked.set_result(said["pid"])
                else:
                    asked.set_exception(WarmUnavailable(said.get("error", "")))

    def _lost(self) -> None:
        """The warm process is gone (or being stopped): what waited on it, learns so."""
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(Exception):
                asyncio.get_running_loop().remove_reader(sock.fileno())
            sock.close()
        if self._ready is not None and not self._ready.done():
            # Ended before it was ready (a broken install, say): sessions start as new
            # processes for a while rather than each waiting for another to fail.
            self._broken_until = time.monotonic() + BROKEN_WAIT_S
            self._ready.set_exception(WarmUnavailable("the warm process ended"))
            self._ready.exception()  # retrieved: nobody may be waiting
        for asked in self._asked.values():
            if not asked.done():
                asked.set_exception(WarmUnavailable("the warm process ended"))
        children, self._children = self._children, {}
        for child in children.values():
            child.watch_alone()

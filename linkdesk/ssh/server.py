"""The door itself: asyncssh listening, who may come in, and what each session is allowed to be.

asyncssh is the well-kept SSH server library for asyncio (the service's loop): it gives each
session its terminal type, size and resizes, its environment, and refuses by default what we
never offer (SFTP, scp, agent and X11 forwarding); port forwarding is refused here in words.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Callable

import asyncssh

from linkdesk.i18n import _
from linkdesk.settings import Settings
from linkdesk.ssh.command import parse_command, run_status
from linkdesk.ssh.keys import fingerprint
from linkdesk.ssh.session import PtySession, demo_line
from linkdesk.ssh.warm import WarmStarter, WarmUnavailable
from linkdesk.web.accept import FailureLimiter

log = logging.getLogger("linkdesk.ssh")

DEMO_USER = "demo"
REFUSALS_ALLOWED = 20  # refused keys or passwords per address ...
REFUSAL_WINDOW_S = 600.0  # ... in this many seconds, then the address waits
STOP_WAIT_S = 15.0  # what the service waits for its sessions' ends when it stops
HANG_UP_WAIT_S = 10.0  # the client has this long to close its side before the connection goes
ENDS_CHECKED_S = 2.0  # how often the service looks for sessions an admin ended
CLIENT_ENV = ("COLORTERM", "NO_COLOR", "LANG")  # and LC_*: what a client's terminal may say


class DoorError(OSError):
    """The door cannot open (its port taken, its host key unreadable); one line says why."""


def _said(process: asyncssh.SSHServerProcess, line: str, code: int) -> None:
    """One line on the client's stderr, then the session's exit status."""
    process.stderr.write((line + "\r\n" if process.get_terminal_type() else line + "\n")
                         .encode())
    process.exit(code)


class _Gate(asyncssh.SSHServer):
    """One connection: whose key it is (or the demo), what it was refused."""

    def __init__(self, door: Door) -> None:
        self.door = door
        self.conn: asyncssh.SSHServerConnection | None = None
        self.address = ""
        self.keys: dict[str, int] = {}
        self.preparer_id: int | None = None
        self.fingerprint = ""
        self.demo = False
        self.open = 0  # sessions open on this connection

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        peer = conn.get_extra_info("peername")
        self.address = str(peer[0]) if peer else ""
        self.door.gates[conn] = self

    def connection_lost(self, exc: Exception | None) -> None:
        self.door.gates.pop(self.conn, None)

    async def begin_auth(self, username: str) -> bool:
        if self.door.limiter.blocked(self.address):
            self.conn.disconnect(asyncssh.DISC_NO_MORE_AUTH_METHODS_AVAILABLE,
                                 "too many refused attempts from your address; try later")
            return True
        if username == DEMO_USER and self.door.settings.ssh_demo:
            self.demo = True
            return False  # the demo is anyone's: no key asked
        # The same one query for every name, an account or not: a refusal takes as long.
        self.keys = await self.door.store.ssh.keys_of(username)
        return True

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        found = fingerprint(key)
        owner = self.keys.get(found)
        if owner is None:
            self.door.refused(self.address, found, "key")
            return False
        self.preparer_id, self.fingerprint = owner, found
        return True

    def password_auth_supported(self) -> bool:
        return self.door.settings.ssh_passwords

    async def validate_password(self, username: str, password: str) -> bool:
        from store.secret import Secret

        result = await self.door.store.accounts.sign_in(username, Secret(password))
        if not result.ok:  # the sign-in screen's lockout counted it
            self.door.refused(self.address, "", "password")
            return False
        self.preparer_id = result.preparer.id
        return True

    def connection_requested(self, *_args):
        raise asyncssh.ChannelOpenError(asyncssh.OPEN_ADMINISTRATIVELY_PROHIBITED,
                                        "linkdesk opens the desk only: no port forwarding")

    unix_connection_requested = connection_requested

    def server_requested(self, *_args) -> bool:
        return False

    def unix_server_requested(self, *_args) -> bool:
        return False


class Door:
    """The SSH door of `linkdesk serve`: listens, lets preparers' keys in, runs their sessions."""

    def __init__(self, settings: Settings, store, process_id: Callable[[], int | None]) -> None:
        self.settings = settings
        self.store = store
        self.process_id = process_id
        self.limiter = FailureLimiter(REFUSALS_ALLOWED, REFUSAL_WINDOW_S)
        self.gates: dict[object, _Gate] = {}
        self.sessions: dict[int, PtySession | None] = {}  # None: a command running
        self.demos = 0
        self.fingerprint = ""
        self._server: asyncssh.SSHAcceptor | None = None
        self._tasks: set[asyncio.Task] = set()
        self._handlers: set[asyncio.Task] = set()  # one per session, asyncssh's task
        self._ends: asyncio.Task | None = None
        self.warm: WarmStarter | None = None

    @property
    def port(self) -> int:
        return self._server.get_port() if self._server is not None else 0

    @property
    def addresses(self) -> set[str]:
        """The addresses the door listens on (`ssh.host`: loopback unless told otherwise)."""
        return {a[0] for a in self._server.get_addresses()} if self._server is not None \
            else set()

    async def start(self) -> Door:
        from linkdesk.ssh.host_key import HostKeyError, load_or_make

        try:
            key = load_or_make(self.settings.host_key_path)
        except HostKeyError as exc:
            raise DoorError(str(exc)) from None
        self.fingerprint = fingerprint(key)
        try:
            self._server = await asyncssh.create_server(
                lambda: _Gate(self), self.settings.ssh_host, self.settings.ssh_port,
                server_host_keys=[key], process_factory=self._session, encoding=None,
                line_editor=False, agent_forwarding=False, x11_forwarding=False,
                allow_scp=False, sftp_factory=None, login_timeout=30, keepalive_interval=60,
                server_version="linkdesk")
        except OSError as exc:
            raise DoorError(f"{self.settings.ssh_host}:{self.settings.ssh_port}: "
                            f"{exc.strerror or exc}") from None
        self._ends = asyncio.create_task(self._follow_ends(), name="linkdesk-ssh-ends")
        if self.settings.ssh_warm:
            self.warm = WarmStarter(self._base_env(), self.settings.region)
            try:
                await self.warm.start()
            except OSError:
                log.warning("ssh: no warm process; each session starts Python", exc_info=True)
                self.warm = None
        return self

    async def stop(self) -> None:
        """Close the door, end every session (each puts its terminal back), record it."""
        if self._server is not None:
            self._server.close()
        if self._ends is not None:
            self._ends.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ends
        line = _("linkdesk: the service is stopping; connect again in a moment.")
        await asyncio.gather(*(s.end(line) for s in self.sessions.values() if s is not None),
                             return_exceptions=True)
        # Each session records its end and tells its client why (the line, the exit status)
        # before the store closes and the process exits; then its connection is closed.
        if self._handlers:
            await asyncio.wait(list(self._handlers), timeout=STOP_WAIT_S)
        while self._tasks:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._tasks.pop(), STOP_WAIT_S)
        for gate in list(self.gates.values()):
            if gate.conn is not None:
                gate.conn.close()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(gate.conn.wait_closed(), STOP_WAIT_S)
        if self.warm is not None:
            await self.warm.stop()

    def _later(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def refused(self, address: str, key_fingerprint: str, how: str) -> None:
        self.limiter.failed(address)
        log.info("ssh: refused %s %s from %s", how, key_fingerprint or "-", address)
        self._later(self._record_refusal(key_fingerprint, address, how))

    async def _record_refusal(self, key_fingerprint: str, address: str, how: str) -> None:
        try:
            await self.store.ssh.refused(key_fingerprint, address, how)
        except Exception:
            log.warning("ssh: could not record a refusal", exc_info=True)

    async def _follow_ends(self) -> None:
        while True:
            await asyncio.sleep(ENDS_CHECKED_S)
            process_id = self.process_id()
            if process_id is None:
                continue
            try:
                asked = await self.store.ssh.ends_asked(process_id)
            except Exception:
                log.warning("ssh: could not read the sessions to end", exc_info=True)
                continue
            finally:
                await self.store.release()
            for session_id, _admin in asked:
                session = self.sessions.get(session_id)
                if session is not None and not session.end_line:
                    self._later(session.end(_("linkdesk: an administrator ended this session.")))

    # -- sessions ----------------------------------------------------------------------------

    async def _session(self, process: asyncssh.SSHServerProcess) -> None:
        gate = self.gates.get(process.channel.get_connection())
        handler = asyncio.current_task()
        self._handlers.add(handler)
        if gate is not None:
            gate.open += 1
        try:
            if gate is None:
                process.exit(1)
            elif gate.demo:
                await self._demo(process, gate)
            elif process.subsystem:
                _said(process, _("linkdesk: no {name} here; the desk only.").format(
                    name=process.subsystem), 2)
            elif process.command is not None:
                await self._command(process, gate)
            else:
                await self._desk(process, gate)
        except Exception:
            log.exception("ssh: a session failed")
            with contextlib.suppress(Exception):
                _said(process, _("linkdesk: the session failed; the service goes on."), 1)
        finally:
            self._handlers.discard(handler)
            if gate is not None:
                gate.open -= 1
                if not gate.open:
                    self._later(self._hang_up(process, gate))

    async def _hang_up(self, process: asyncssh.SSHServerProcess, gate: _Gate) -> None:
        """Close a connection once its last session has closed, as sshd does. The OpenSSH
        client frees a closed session's channel just before it waits for the next packet, so
        with the connection left open it would only see that its session ended (and exit
        with its status) when something else arrived: a keepalive, a minute later."""
        with contextlib.suppress(Exception):
            await asyncio.wait_for(process.wait_closed(), HANG_UP_WAIT_S)
        if not gate.open and gate.conn is not None:
            gate.conn.close()

    def _full(self) -> bool:
        return len(self.sessions) >= self.settings.ssh_max_sessions

    @staticmethod
    def _base_env(**base: str) -> dict[str, str]:
        """Nothing of the service's own environment but where Python is."""
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", **base}
        for name in ("PYTHONPATH", "HOME"):
            if name in os.environ and name not in env:
                env[name] = os.environ[name]
        return env

    def _env(self, process: asyncssh.SSHServerProcess, **base: str) -> dict[str, str]:
        """What the session's process sees: the client's terminal and locale, nothing of the
        service's own environment but where Python is."""
        env = self._base_env(TERM=process.get_terminal_type() or "dumb", **base)
        for name, value in process.env.items():
            name = name if isinstance(name, str) else name.decode("utf-8", "replace")
            value = value if isinstance(value, str) else value.decode("utf-8", "replace")
            if (name in CLIENT_ENV or name.startswith("LC_")) and len(value) < 100 \
                    and value.isprintable():
                env[name] = value
        return env

    async def _desk(self, process: asyncssh.SSHServerProcess, gate: _Gate) -> None:
        from linkdesk.ssh.handoff import encode, pipe_with
        from store.ssh_door import DESK

        if process.get_terminal_type() is None:
            _said(process, _("linkdesk: the desk needs a terminal (ssh -t); without one, "
                             "only `status [--tax-year Y] [--json]` runs."), 2)
            return
        if self._full():
            _said(process, _("linkdesk: every session of the desk is taken; try again in a few "
                             "minutes."), 1)
            return
        session_id = await self.store.ssh.opened(gate.preparer_id, DESK, gate.fingerprint,
                                                 gate.address, self.process_id())
        log.info("ssh: session %s opened for preparer %s (key %s) from %s", session_id,
                 gate.preparer_id, gate.fingerprint or "password", gate.address)
        fd = pipe_with(encode(self.settings, preparer_id=gate.preparer_id))
        env = self._env(process)
        session = PtySession(process, [sys.executable, "-m", "linkdesk.ssh.desk", "desk",
                                       str(fd)], env, pass_fds=(fd,),
                             idle_s=self.settings.ssh_idle_minutes * 60,
                             fork=self._forker("desk", env, fd))
        self.sessions[session_id] = session
        self._later(self._note_pid(session_id, session))
        code = 1
        try:
            code = await session.run()
        finally:
            del self.sessions[session_id]
            how = "ended" if session.end_line else ("exit" if code >= 0 else f"signal {-code}")
            await self.store.ssh.closed(session_id, how)
            log.info("ssh: session %s closed (%s)", session_id, how)
        self._finish(process, session, code)

    def _forker(self, mode: str, env: dict[str, str], handoff: int | None,
                cwd: str | None = None):
        """How a session's program starts as a fork of the warm process (None: it cannot)."""
        warm = self.warm
        if warm is None:
            return None

        async def fork(terminal: int):
            try:
                return await warm.spawn(mode, env, (terminal,) * 3, handoff, cwd)
            except WarmUnavailable as exc:
                log.warning("ssh: session started as a new process (%s)", exc)
                return None

        return fork

    def _finish(self, process, session: PtySession, code: int) -> None:
        if session.end_line:
            _said(process, session.end_line, 0)
        elif code < 0:
            _said(process, _("linkdesk: the desk stopped unexpectedly; nothing else was "
                             "touched. Connect again to go on."), 1)
        else:
            process.exit(code)

    async def _note_pid(self, session_id: int, session: PtySession) -> None:
        await session.started.wait()
        await self.store.ssh.set_pid(session_id, session.pid)

    async def _command(self, process: asyncssh.SSHServerProcess, gate: _Gate) -> None:
        from linkdesk.ssh.handoff import encode, pipe_with
        from store.ssh_door import COMMAND

        allowed = _("over SSH, only `status [--tax-year Y] [--json]` runs")
        parsed = parse_command(process.command)
        if isinstance(parsed, str):
            _said(process, f"linkdesk: {allowed}; {parsed}", 2)
            return
        if self._full():
            _said(process, _("linkdesk: every session of the desk is taken; try again in a few "
                             "minutes."), 1)
            return
        session_id = await self.store.ssh.opened(gate.preparer_id, COMMAND, gate.fingerprint,
                                                 gate.address, self.process_id())
        self.sessions[session_id] = None
        try:
            fd = pipe_with(encode(self.settings, **parsed))
            try:
                out, err, code = await run_status(self.warm, self._env(process), fd)
            finally:
                os.close(fd)
        finally:
            del self.sessions[session_id]
            await self.store.ssh.closed(session_id, "status")
        process.stdout.write(out)
        process.stderr.write(err)
        process.exit(code if code >= 0 else 1)

    async def _demo(self, process: asyncssh.SSHServerProcess, gate: _Gate) -> None:
        from store.ssh_door import DEMO

        if process.get_terminal_type() is None or process.command or process.subsystem:
            _said(process, _("linkdesk: the demo needs a terminal: ssh -t demo@host"), 2)
            return
        if self._full():
            _said(process, _("linkdesk: every session of the desk is taken; try again in a few "
                             "minutes."), 1)
            return
        if self.demos >= self.settings.ssh_demo_sessions:
            _said(process, _("linkdesk: every demo is in use; try again in a few minutes."), 1)
            return
        self.demos += 1
        directory = tempfile.mkdtemp(prefix="linkdesk-ssh-demo-")
        try:
            session_id = await self.store.ssh.opened(None, DEMO, "", gate.address,
                                                     self.process_id())
            # Nothing of the firm's: no settings, an empty home, data and config of its own.
            env = self._env(process, HOME=f"{directory}/home", TMPDIR=directory,
                            XDG_DATA_HOME=f"{directory}/data",
                            XDG_CONFIG_HOME=f"{directory}/config")
            session = PtySession(process, [sys.executable, "-m", "linkdesk.ssh.desk", "demo"], env,
                                 cwd=directory, idle_s=self.settings.ssh_idle_minutes * 60,
                                 fork=self._forker("demo", env, None, directory))
            # Among the door's sessions: the service's stop and an admin can end it.
            self.sessions[session_id] = session
            self._later(self._note_pid(session_id, session))
            length_s = self.settings.ssh_demo_minutes * 60
            ends = asyncio.get_running_loop().call_later(
                length_s, lambda: self._later(session.end(demo_line(length_s))))
            code = 1
            try:
                code = await session.run()
            finally:
                ends.cancel()
                del self.sessions[session_id]
                await self.store.ssh.closed(session_id, "demo")
            self._finish(process, session, code)
        finally:
            self.demos -= 1
            shutil.rmtree(directory, ignore_errors=True)

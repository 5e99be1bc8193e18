"""The SSH door's test parts: `linkdesk serve` with its door in a child process, a firm with keys,
and the real OpenSSH client, either as a command or in tmux (a real terminal whose screen is read
as a person sees it)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from store import Store
from tests.helpers import make_preparer

LINKS = "https://portal.example.ca"  # not this machine: the page takes a free port
_MISSING = shutil.which("ssh") is None or shutil.which("tmux") is None
# Under CI=true (.ci/run installs them) a missing client fails the run; elsewhere it skips.
needs_ssh = pytest.mark.skipif(_MISSING and os.environ.get("CI") != "true",
                               reason="the OpenSSH client and tmux (.ci/run installs them)")


def make_key(path: Path, kind: str = "ed25519") -> Path:
    """A key pair made by OpenSSH's own ssh-keygen; returns the private key's path."""
    subprocess.run(["ssh-keygen", "-q", "-t", kind, "-N", "", "-C", path.name, "-f", str(path)],
                   check=True)
    return path


async def firm_with_keys(db_url: str, keys: dict[str, Path], admin: str = "marie") -> None:
    """`admin` (the firm's first account) and a preparer for each other name, each given the
    key at keys[name] through the command line's own code path."""
    from linkdesk.ssh.keys import read_key_line

    store = await Store.open(db_url)
    try:
        await make_preparer(store, admin)
        for name in keys:
            if name != admin:
                await make_preparer(store, name)
        for name, key in keys.items():
            await store.ssh.add_key(name, read_key_line(Path(f"{key}.pub").read_text()))
    finally:
        await store.close()


def firm(db_url: str, keys: dict[str, Path]) -> None:
    asyncio.run(firm_with_keys(db_url, keys))


class DoorService:
    """`linkdesk serve` with its SSH door on a free port of 127.0.0.1; its log kept."""

    def __init__(self, db_url: str, home: Path, **env: str) -> None:
        self.args = [sys.executable, "-m", "linkdesk", "serve", "--db", db_url, "--port", "0",
                     "--ssh-port", "0", "--link-base", LINKS]
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1",
                    "XDG_DATA_HOME": str(home / "data"), **env}
        self.lines: list[str] = []
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self._ready = threading.Event()

    def __enter__(self) -> DoorService:
        self.proc = subprocess.Popen(self.args, env=self.env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        threading.Thread(target=self._read, daemon=True).start()
        if not self._ready.wait(60) or not self.port:
            self.proc.kill()
            raise AssertionError("the door never opened:\n" + "".join(self.lines))
        return self

    def _read(self) -> None:
        for line in self.proc.stderr:
            self.lines.append(line)
            if found := re.search(r"ssh: the desk opens on port (\d+)", line):
                self.port = int(found.group(1))
                self._ready.set()
        self._ready.set()

    def __exit__(self, *_exc) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def log(self) -> str:
        return "".join(self.lines)

    def ssh_args(self, user: str, key: Path | None, *options: str,
                 log_level: str = "ERROR", password: bool = False) -> list[str]:
        """The real OpenSSH client, with no configuration but what is given here (the first
        value of an option is the one ssh keeps). With `password`, no key and one password
        asked of SSH_ASKPASS (see `askpass`)."""
        args = ["ssh", "-F", "/dev/null", "-p", str(self.port),
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", f"BatchMode={'no' if password else 'yes'}", "-o", f"LogLevel={log_level}",
                "-o", "IdentitiesOnly=yes",
                "-o", "ConnectTimeout=30"]
        if password:
            args += ["-o", "PubkeyAuthentication=no", "-o", "NumberOfPasswordPrompts=1",
                     "-o", "PreferredAuthentications=password"]
        elif key is None:
            args += ["-o", "PubkeyAuthentication=no"]
        else:
            args += ["-i", str(key)]
        return [*args, *options, f"{user}@127.0.0.1"]

    def run(self, user: str, key: Path | None, *command: str, options=(), password=False,
            **env: str) -> subprocess.CompletedProcess:
        return subprocess.run([*self.ssh_args(user, key, *options, password=password),
                               *command],
                              capture_output=True, text=True, timeout=120,
                              env={**os.environ, **env}, stdin=subprocess.DEVNULL)


def askpass(tmp_path: Path) -> dict[str, str]:
    """The environment that makes ssh read its password from $DOOR_PASSWORD (never argv)."""
    script = tmp_path / "askpass"
    script.write_text('#!/bin/sh\nprintf \'%s\\n\' "$DOOR_PASSWORD"\n')
    script.chmod(0o700)
    return {"SSH_ASKPASS": str(script), "SSH_ASKPASS_REQUIRE": "force", "DISPLAY": ":0"}


class Terminal:
    """A real terminal (tmux) running one command; its screen read as text."""

    def __init__(self, tmp_path: Path, name: str = "t", cols: int = 100, rows: int = 30) -> None:
        self.socket = str(tmp_path / f"tmux-{name}")
        self.status_file = tmp_path / f"status-{name}"
        self.conf = tmp_path / "tmux.conf"
        self.conf.write_text("set -g remain-on-exit on\nset -g status off\n"
                             "set -g default-terminal xterm-256color\n")
        self.cols, self.rows = cols, rows

    def _tmux(self, *args: str, **kw) -> subprocess.CompletedProcess:
        return subprocess.run(["tmux", "-S", self.socket, "-f", str(self.conf), *args],
                              capture_output=True, text=True, timeout=30, **kw)

    def start(self, argv: list[str], **env: str) -> Terminal:
        # A shell around the command writes its exit status once it has ended (written to a
        # file beside, then renamed: never read half-written).
        wrapped = ["sh", "-c", '"$@"; echo $? > "$0.part" && mv "$0.part" "$0"',
                   str(self.status_file), *argv]
        done = self._tmux("new-session", "-d", "-x", str(self.cols), "-y", str(self.rows),
                          "--", *wrapped, env={**os.environ, **env})
        assert done.returncode == 0, done.stderr
        return self

    def screen(self, escapes: bool = False) -> str:
        return self._tmux("capture-pane", "-p", *(["-e"] if escapes else []), "-t", "0").stdout

    def transcript(self) -> str:
        """The screen and what scrolled off it: once the command has ended, tmux's "Pane is
        dead" line scrolls the screen, and a client's last line may be above it."""
        return self._tmux("capture-pane", "-p", "-S", "-", "-t", "0").stdout

    def wait_for(self, text: str, timeout: float = 60.0) -> str:
        """Until `text` is on the screen; the timeout only ends a hung test."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in (screen := self.screen()):
                return screen
            time.sleep(0.05)
        raise AssertionError(f"{text!r} never appeared; the screen:\n{self.screen()}")

    def wait_gone(self, text: str, timeout: float = 60.0) -> str:
        """Until `text` has left the screen (a dialog closed)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text not in (screen := self.screen()):
                return screen
            time.sleep(0.05)
        raise AssertionError(f"{text!r} never went; the screen:\n{self.screen()}")

    def send(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", "0", *keys)

    def resize(self, cols: int, rows: int) -> None:
        self._tmux("resize-window", "-t", "0", "-x", str(cols), "-y", str(rows))

    def exit_status(self, timeout: float = 60.0) -> int:
        """The command's exit status, once it has ended, as the shell around it wrote it.
        Not tmux's #{pane_dead_status}: tmux marks a pane dead when its terminal closes, and
        at times never reaps the process (seen: the ssh client a zombie, the status empty,
        which was once read as 0)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(FileNotFoundError, ValueError):
                return int(self.status_file.read_text())
            time.sleep(0.05)
        raise AssertionError(f"still running; the screen:\n{self.screen()}")

    def close(self) -> None:
        self._tmux("kill-server")

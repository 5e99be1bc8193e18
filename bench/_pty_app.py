"""Run linkdesk in a real pseudo-terminal, type into it, and wait for text to appear on screen."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import signal
import struct
import sys
import termios
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_ANSI = re.compile(
    rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[=>()][0-9A-Za-z]?"
)


class PtyApp:
    """linkdesk on a pty of `cols`x`rows`; `started` is the moment the process was spawned."""

    def __init__(self, *args: str, cols: int = 100, rows: int = 30, env: dict | None = None,
                 python_code: str | None = None):
        self.started = time.perf_counter()
        pid, fd = pty.fork()
        if pid == 0:
            os.environ.update({"TERM": "xterm-256color", **(env or {})})
            argv = ["-c", python_code] if python_code else ["-m", "tui", *args]
            os.execv(sys.executable, [sys.executable, *argv])
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self._raw = bytearray()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            with self._lock:
                self._raw.extend(chunk)

    def text(self) -> str:
        with self._lock:
            return _ANSI.sub(b"", bytes(self._raw)).decode("utf-8", "replace")

    def mark(self) -> int:
        """A position in the output: `wait_for(..., after=mark)` looks only at what comes later."""
        with self._lock:
            return len(self._raw)

    def wait_for(self, needle: str, timeout: float = 30.0, after: int = 0) -> float:
        """Wait until `needle` is drawn; return the time it appeared (perf_counter)."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            with self._lock:
                raw = bytes(self._raw[after:])
            if needle in _ANSI.sub(b"", raw).decode("utf-8", "replace"):
                return time.perf_counter()
            time.sleep(0.002)
        raise TimeoutError(f"{needle!r} never appeared; screen text ends with: "
                           f"{self.text()[-400:]!r}")

    def send(self, data: str) -> None:
        os.write(self.fd, data.encode())

    def rss_mib(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def close(self) -> None:
        try:
            os.kill(self.pid, signal.SIGTERM)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(self.fd)


def ensure_clients_db(path: Path, count: int = 100_000) -> Path:
    """Make the benchmark database once; later runs reuse it."""
    if not path.exists():
        import subprocess

        subprocess.run([sys.executable, str(ROOT / "bench" / "make_clients.py"), "--db", str(path),
                        "--count", str(count)], check=True, stdout=subprocess.DEVNULL)
    return path


def first_row(path: Path) -> str:
    """The first client the list shows (active, in name order): what a bench waits for."""
    import sqlite3

    with sqlite3.connect(path) as db:
        (name,) = db.execute("SELECT display_name FROM client WHERE active "
                             "ORDER BY sort_key, id LIMIT 1").fetchone()
    return name[:20]  # the name column may cut a long name short


def cpu_calibration_s() -> float:
    """Seconds for a bare 3-million-step Python loop: ~0.08 s on a quiet modern core.

    The machines are shared; this says how fast this one was while the figures were taken.
    """
    started = time.perf_counter()
    for _ in range(3_000_000):
        pass
    return round(time.perf_counter() - started, 3)

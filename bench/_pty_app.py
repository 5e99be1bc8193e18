"""What the benches share: linkdesk in a real pseudo-terminal (type, wait for text on screen),
the benchmark databases, a throwaway PostgreSQL database, a discarding SMTP server, waiting for
the app to go idle, the machine's speed, and the small size.

Every bench runs at a small size when LINKDESK_BENCH_SMALL=1 (tests/test_benches.py runs each
so): the same code path over a few hundred rows instead of the figure's 100,000 or 1,000,000,
in a few seconds, its inputs made in a temporary directory, its last line still the figure."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import re
import signal
import statistics
import struct
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SMALL = os.environ.get("LINKDESK_BENCH_SMALL", "") not in ("", "0")
SMALL_CLIENTS = 2_000  # the client database of the benches that read one, at the small size


def sized(normal, small):
    """`normal`, or `small` when the bench runs at its small size (LINKDESK_BENCH_SMALL=1)."""
    return small if SMALL else normal


def patience(seconds: float) -> float:
    """How long a bench waits for the app before calling it stuck: at the small size the test
    suite runs it beside other tests on a busy machine, so six times as long."""
    return seconds * 6 if SMALL else seconds


def p95(values: list[float]) -> float:
    """The 95th percentile; with fewer than 20 values (a small run), the largest."""
    if len(values) < 20:
        return max(values)
    return statistics.quantiles(values, n=20)[18]


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


_ANSI = re.compile(
    rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[=>()][0-9A-Za-z]?"
)


class PtyApp:
    """linkdesk on a pty of `cols`x`rows`; `started` is the moment the process was spawned."""

    def __init__(self, *args: str, cols: int = 100, rows: int = 30, env: dict | None = None,
                 python_code: str | None = None, bytes_per_s: float | None = None):
        self.started = time.perf_counter()
        # A slow link: the terminal takes the app's output no faster than this (the pty's
        # buffer fills and the app's writes wait, as they do behind sshd on a slow line).
        self.bytes_per_s = bytes_per_s
        pid, fd = pty.fork()
        if pid == 0:
            # The size is set here too, before the app starts: set by the parent alone, it
            # came too late on a busy machine, and the app drew at 80x24 (the pty's default).
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            os.environ.update({"TERM": "xterm-256color", **(env or {})})
            for var in ("COLUMNS", "LINES"):
                os.environ.pop(var, None)
            argv = ["-c", python_code] if python_code else ["-m", "linkdesk", *args]
            os.execv(sys.executable, [sys.executable, *argv])
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self._raw = bytearray()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        size = 65536 if self.bytes_per_s is None else 512
        while True:
            try:
                chunk = os.read(self.fd, size)
            except OSError:
                return
            if not chunk:
                return
            with self._lock:
                self._raw.extend(chunk)
            if self.bytes_per_s is not None:
                time.sleep(len(chunk) / self.bytes_per_s)

    def text(self) -> str:
        with self._lock:
            return _ANSI.sub(b"", bytes(self._raw)).decode("utf-8", "replace")

    def raw(self, after: int = 0) -> bytes:
        """What the app wrote since `after` (a mark), escape sequences and all."""
        with self._lock:
            return bytes(self._raw[after:])

    def mark(self) -> int:
        """A position in the output: `wait_for(..., after=mark)` looks only at what comes later."""
        with self._lock:
            return len(self._raw)

    def wait_for(self, needle: str, timeout: float = 30.0, after: int = 0) -> float:
        """Wait until `needle` is drawn; return the time it appeared (perf_counter)."""
        deadline = time.perf_counter() + patience(timeout)
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

    def quiet(self, quiet_s: float, timeout: float = 15.0) -> float:
        """Wait until the app has written nothing for `quiet_s`; the time of its last byte
        (perf_counter). Raises TimeoutError if it never goes quiet."""
        deadline = time.perf_counter() + patience(timeout)
        last, since = self.mark(), time.perf_counter()
        while time.perf_counter() < deadline:
            time.sleep(0.005)
            now = self.mark()
            if now != last:
                last, since = now, time.perf_counter()
            elif time.perf_counter() - since >= quiet_s:
                return since
        raise TimeoutError("the app never went quiet")

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


@contextlib.contextmanager
def clients_db():
    """(path, count): bench/clients-100k.db, made once and kept; at the small size, a database
    of SMALL_CLIENTS made in a temporary directory and removed afterwards."""
    if not SMALL:
        yield ensure_clients_db(ROOT / "bench" / "clients-100k.db"), 100_000
        return
    with tempfile.TemporaryDirectory() as tmp:
        yield ensure_clients_db(Path(tmp) / "clients.db", SMALL_CLIENTS), SMALL_CLIENTS


def print_figure(figure: dict) -> None:
    """The bench's figure, as its last line (a JSON object)."""
    print(json.dumps({**figure, **({"small": True} if SMALL else {})}), flush=True)


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


PG_ADMIN = os.environ.get("LINKDESK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


async def pg_database() -> tuple[str, str]:
    """A new, empty PostgreSQL database for one bench run: (name, URL)."""
    import uuid

    import asyncpg

    name = f"linkdesk_bench_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(PG_ADMIN)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    return name, PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


async def pg_reachable() -> bool:
    """Whether the PostgreSQL server answers: a small run leaves that backend out when it does
    not (as the test suite skips its PostgreSQL tier), except under CI=true, which has one."""
    import asyncpg

    try:
        conn = await asyncpg.connect(PG_ADMIN, timeout=5)
    except Exception as exc:
        if os.environ.get("CI") == "true":
            raise RuntimeError(f"PostgreSQL is required under CI=true: {exc}") from exc
        return False
    await conn.close()
    return True


async def drop(name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN)
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def sink_smtp_server():
    """An aiosmtpd server that discards what it gets, in another process; yields its port."""
    import socket
    import subprocess

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l",
                               f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"])
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield port
    finally:
        server.terminate()
        server.wait()


async def idle(app) -> None:
    """Wait until no worker of the app runs (cancelled ones included)."""
    import asyncio

    await asyncio.sleep(0)
    while any(w.is_running or w.state.name == "PENDING" for w in app.workers):
        await asyncio.sleep(0.0005)


def send_key(app, key: str) -> float:
    """Hand `key` to the app as the terminal driver does (not Pilot's press, which waits for
    the whole app to go idle); returns the moment it was handed over."""
    from tui.textual_patches.keys import key_event, send_event

    event = key_event(app, key)
    started = time.perf_counter()
    send_event(app, event)
    return started


class FirstRows:
    """When a ClientTable draws its first row line after a new load: what a person sees."""

    def __init__(self, table) -> None:
        self.table = table
        self.drawn: list[float] = []
        self.past = table.loads
        render_line = table.render_line

        def timed_render_line(y: int):
            if y >= 1 and not self.drawn and table.loads > self.past:
                self.drawn.append(time.perf_counter())
            return render_line(y)

        table.render_line = timed_render_line

    def arm(self) -> None:
        self.drawn.clear()
        self.past = self.table.loads

    async def wait(self, timeout: float = 10.0) -> float | None:
        import asyncio

        deadline = time.perf_counter() + patience(timeout)
        while not self.drawn and time.perf_counter() < deadline:
            await asyncio.sleep(0.0005)
        return self.drawn[0] if self.drawn else None

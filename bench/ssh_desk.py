"""The desk through the SSH door, with the real OpenSSH client in a real pty at 80x24, against a
real `linkdesk serve` on the 100,000-client database: connect to the list drawn (median of
RUNS), bytes per arrow down and per search letter through the door beside the same steps in
the app run locally, and each session's memory (PSS: what a session adds, the pages it shares
with the other sessions and the warm process counted once between them; and RSS) with how many
sessions fit in 1 GiB. LINKDESK_BENCH_SMALL=1: 2,000 clients, 2 runs.

Where a connect's time goes, each measured on its own:
- handshake_s: ssh to the door and back with a command it refuses (key exchange, the key
  checked, a session channel opened and answered): what every connect costs before a process;
- new_python_s: a new Python importing what a session imports (`linkdesk.ssh.zygote.preload`):
  what each session paid before the warm process, and still pays with `ssh.warm = false`;
- connect_to_list_s with the warm process (the default) and cold (`ssh.warm = false`): the
  rest of the warm figure, after the handshake, is the session's own start: the store opened,
  the app built, the first page of clients queried and drawn;
- status_json_s: `ssh desk status --json` start to exit, and demo_drawn_s: `ssh demo@host`
  to the demo's firm drawn, each mode.
Memory is read with SESSIONS sessions open at once, each mode. Last line: a JSON object.

Not measured here: the same connect through the system's sshd and a shell running `linkdesk`
(bench/ssh_vs_sshd.py, which needs openssh-server).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _pty_app import PtyApp, clients_db, cpu_calibration_s, first_row, median, print_figure, sized

RUNS = sized(5, 2)
SESSIONS = sized(4, 2)
QUIET_S = 0.4


def settle(app: PtyApp) -> None:
    with contextlib.suppress(TimeoutError):
        app.quiet(QUIET_S, 15)


def step(app: PtyApp, keys: str) -> int:
    before = app.mark()
    app.send(keys)
    settle(app)
    return app.mark() - before


def keystroke_bytes(app: PtyApp) -> dict[str, int]:
    """Bytes for an arrow down (the least of five) and a search letter, on the drawn list."""
    settle(app)
    arrow = min(step(app, "\x1b[B") for _ in range(5))
    step(app, "/")
    letter = step(app, "g")
    step(app, "\x1b")
    return {"arrow_down_bytes": arrow, "search_letter_bytes": letter}


def memory_kib(pid: int) -> tuple[int, int]:
    """(PSS, RSS) of a process, in KiB."""
    values = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("Pss", "Rss"):
            values[name] = int(rest.split()[0])
    return values["Pss"], values["Rss"]


def descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            for child in (task / "children").read_text().split():
                found += [int(child), *descendants(int(child))]
    return found


def cmdline(pid: int) -> bytes:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    return b""


def warm_pid(service_pid: int) -> int | None:
    """The warm process (`linkdesk.ssh.zygote`, the service's child), if there is one."""
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{service_pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                if b"linkdesk.ssh.zygote" in cmdline(int(child)):
                    return int(child)
    return None


def session_pids(service_pid: int) -> list[int]:
    """The sessions' processes: new Pythons running the desk, or forks of the warm process."""
    warm = warm_pid(service_pid)
    return [pid for pid in descendants(service_pid)
            if pid != warm and (b"linkdesk.ssh.desk" in cmdline(pid)
                                or b"linkdesk.ssh.zygote" in cmdline(pid))]


@contextlib.contextmanager
def door(db: Path, env: dict, warm: bool):
    """`linkdesk serve` with its door; yields (its process, the door's port)."""
    service = subprocess.Popen(
        [sys.executable, "-m", "linkdesk", "serve", "--db", str(db), "--port", "0",
         "--ssh-port", "0", "--link-base", "https://portal.example.ca"],
        env={**env, "LINKDESK_SSH_WARM": "true" if warm else "false",
             "LINKDESK_SSH_MAX_SESSIONS": "64", "LINKDESK_SSH_DEMO": "true"},
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        port = None
        for line in service.stderr:
            if found := re.search(r"ssh: the desk opens on port (\d+)", line):
                port = int(found.group(1))
                break
        assert port, "the door never opened"
        if warm:  # as a preparer meets it: the warm process has imported the desk
            for line in service.stderr:
                if "sessions start as forks of warm process" in line:
                    break
        threading.Thread(target=service.stderr.read, daemon=True).start()  # never blocks it
        yield service, port
    finally:
        service.terminate()
        service.wait(60)


def ssh_argv(port: int, key: Path, *extra: str) -> list[str]:
    return ["ssh", "-F", "/dev/null", "-p", str(port), "-i", str(key),
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR", *extra, "marie@127.0.0.1"]


def handshake_s(port: int, key: Path) -> float:
    """ssh to the door and back with a command it refuses: every connect's cost before any
    process of the session starts."""
    started = time.perf_counter()
    done = subprocess.run([*ssh_argv(port, key), "nothing"], capture_output=True,
                          stdin=subprocess.DEVNULL, timeout=60)
    assert done.returncode == 2, done.stderr
    return time.perf_counter() - started


def status_s(port: int, key: Path) -> float:
    """`ssh desk status --json`, as a cron job runs it: start to exit."""
    started = time.perf_counter()
    done = subprocess.run([*ssh_argv(port, key), "status", "--json"], capture_output=True,
                          stdin=subprocess.DEVNULL, timeout=120)
    assert done.returncode == 0, done.stderr
    return time.perf_counter() - started


def demo_s(port: int, env: dict) -> float:
    """`ssh -t demo@host` to the demo's firm drawn."""
    argv = ["ssh", "-F", "/dev/null", "-p", str(port), "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "PubkeyAuthentication=no",
            "-o", "LogLevel=ERROR", "demo@127.0.0.1"]
    app = PtyApp(cols=80, rows=24, env=env, python_code=f"import os; os.execvp('ssh', {argv!r})")
    try:
        drawn = app.wait_for("A demo firm", timeout=120) - app.started
        app.send("\x11")
        with contextlib.suppress(TimeoutError):
            app.quiet(1.0, 15)
        return drawn
    finally:
        app.close()


def new_python_s() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import linkdesk.ssh.zygote as z; z.preload()"],
                   check=True)
    return time.perf_counter() - started


def connects(port: int, key: Path, env: dict, name: str, runs: int,
             keystrokes: bool = False) -> tuple[list[float], dict]:
    code = f"import os; os.execvp('ssh', {ssh_argv(port, key)!r})"
    times, door_bytes = [], {}
    for run in range(runs):
        app = PtyApp(cols=80, rows=24, env=env, python_code=code)
        try:
            times.append(app.wait_for(name, timeout=60) - app.started)
            if keystrokes and run == 0:
                door_bytes = keystroke_bytes(app)
            app.send("\x11")  # ctrl+q
            with contextlib.suppress(TimeoutError):
                app.quiet(1.0, 15)
        finally:
            app.close()
    return times, door_bytes


def memory(service_pid: int, port: int, key: Path, env: dict, name: str) -> dict:
    """PSS per session with SESSIONS open at once (the warm process's own counted apart), and
    how many sessions fit in 1 GiB beside it."""
    warm = warm_pid(service_pid)
    warm_alone = memory_kib(warm)[0] if warm else 0
    code = f"import os; os.execvp('ssh', {ssh_argv(port, key)!r})"
    apps = []
    try:
        for _ in range(SESSIONS):
            apps.append(PtyApp(cols=80, rows=24, env=env, python_code=code))
            apps[-1].wait_for(name, timeout=60)
        for app in apps:
            settle(app)
        pids = session_pids(service_pid)
        assert len(pids) == SESSIONS, pids
        values = [memory_kib(pid) for pid in pids]
        total = sum(p for p, _r in values) + (memory_kib(warm)[0] if warm else 0)
    finally:
        quit_all(apps)
    per_session = (total - warm_alone) / SESSIONS / 1024
    return {"session_pss_mib": round(per_session, 1),
            "session_rss_mib": round(median([r for _p, r in values]) / 1024, 1),
            "warm_process_pss_mib": round(warm_alone / 1024, 1),
            "sessions_per_gib": int((1024 - warm_alone / 1024) // per_session)}


def quit_all(apps: list[PtyApp]) -> None:
    """ctrl+q in every session, then each closed once it is quiet (or after 15 s)."""
    for app in apps:
        app.send("\x11")
    for app in apps:
        with contextlib.suppress(TimeoutError):
            app.quiet(1.0, 15)
        app.close()


@contextlib.contextmanager
def firm_with_key():
    """The bench's firm in a temporary home: (home, database, environment, marie's key, the
    first client's name as the list shows it at 80 columns, the number of clients)."""
    with clients_db() as (source, count), tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        db = tmp_path / "clients.db"
        shutil.copy(source, db)
        name = first_row(db)[:12]  # the name column at 80 columns cuts it short
        env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"),
               "XDG_CONFIG_HOME": str(tmp_path / "config"), "HOME": str(tmp_path),
               "PYTHONUNBUFFERED": "1", "LINKDESK_SSH_HOST": "127.0.0.1"}
        key = tmp_path / "id_marie"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)],
                       check=True)
        subprocess.run([sys.executable, "-m", "linkdesk", "--db", str(db), "user", "key", "add",
                        "marie", f"{key}.pub"], check=True, env=env, stdout=subprocess.DEVNULL)
        yield tmp_path, db, env, key, name, count


def main() -> None:
    with firm_with_key() as (_home, db, env, key, name, count):
        figures = {}
        for mode, warm in (("warm", True), ("cold", False)):
            with door(db, env, warm) as (service, port):
                handshakes = [handshake_s(port, key) for _ in range(RUNS)]
                statuses = [status_s(port, key) for _ in range(RUNS)]
                demos = [demo_s(port, env) for _ in range(RUNS)]
                times, door_bytes = connects(port, key, env, name, RUNS, keystrokes=warm)
                figures[mode] = {"connect_to_list_s": round(median(times), 3),
                                 "connect_to_list_runs_s": [round(t, 3) for t in times],
                                 "handshake_s": round(median(handshakes), 3),
                                 "status_json_s": round(median(statuses), 3),
                                 "demo_drawn_s": round(median(demos), 3),
                                 **memory(service.pid, port, key, env, name)}
                if warm:
                    figures["through_door"] = door_bytes
        local = PtyApp("--db", str(db), cols=80, rows=24, env=env)
        try:
            local.wait_for("linkdesk")
            settle(local)
            local.send("marie\r")
            settle(local)
            local.send("correct horse battery\r")
            local.wait_for(name, timeout=60)
            local_bytes = keystroke_bytes(local)
        finally:
            local.close()
    imports = median([new_python_s() for _ in range(RUNS)])
    warm, cold = figures["warm"], figures["cold"]
    print_figure({
        "clients": count,
        "connect_to_list_s": warm["connect_to_list_s"],
        "warm": warm,
        "cold": cold,
        "new_python_s": round(imports, 3),
        "where_the_time_goes_s": {
            "handshake": warm["handshake_s"],
            "session_start_store_first_page_and_frame": round(
                warm["connect_to_list_s"] - warm["handshake_s"], 3),
            "new_python_saved_by_warm": round(cold["connect_to_list_s"]
                                              - warm["connect_to_list_s"], 3)},
        "through_door": figures["through_door"],
        "local": local_bytes,
        "goals": {"connect_to_list_s": 1.5, "bytes": "through the door <= local"},
        "met": {"connect_to_list": warm["connect_to_list_s"] <= 1.5,
                "bytes": all(figures["through_door"][k] <= local_bytes[k] for k in local_bytes)},
        "cpu_calibration_s": cpu_calibration_s(),
    })


if __name__ == "__main__":
    main()

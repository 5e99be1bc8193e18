"""The desk through the SSH door, with the real OpenSSH client in a real pty at 80x24, against a
real `linkdesk serve` on the 100,000-client database: connect to the list drawn (median of
RUNS), bytes per arrow down and per search letter through the door beside the same steps in
the app run locally, and each session's memory (PSS: what a session adds, the shared pages of
Python's libraries counted once between processes; and RSS) with how many sessions fit in
1 GiB. Last line: a JSON object. LINKDESK_BENCH_SMALL=1: 2,000 clients, 2 runs.

Not measured here yet: the same connect through the system's sshd and a shell running
`linkdesk` (issue 28's ratio), which needs openssh-server installed and a sshd of its own.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _pty_app import PtyApp, clients_db, cpu_calibration_s, first_row, median, print_figure, sized

RUNS = sized(5, 2)
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


def session_pids(service_pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{service_pid}/task").iterdir():
        with contextlib.suppress(OSError):
            found += [int(p) for p in (task / "children").read_text().split()]
    return [pid for pid in found
            if b"linkdesk.ssh.desk" in Path(f"/proc/{pid}/cmdline").read_bytes()]


def main() -> None:
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
        service = subprocess.Popen(
            [sys.executable, "-m", "linkdesk", "serve", "--db", str(db), "--port", "0",
             "--ssh-port", "0", "--link-base", "https://portal.example.ca"],
            env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        try:
            port = None
            for line in service.stderr:
                if found := re.search(r"ssh: the desk opens on port (\d+)", line):
                    port = int(found.group(1))
                    break
            assert port, "the door never opened"
            ssh = ["ssh", "-F", "/dev/null", "-p", str(port), "-i", str(key),
                   "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                   "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR", "marie@127.0.0.1"]
            code = f"import os; os.execvp('ssh', {ssh!r})"
            connects, door_bytes, pss, rss = [], {}, [], []
            for run in range(RUNS):
                app = PtyApp(cols=80, rows=24, env=env, python_code=code)
                try:
                    connects.append(app.wait_for(name, timeout=60) - app.started)
                    if run == 0:
                        door_bytes = keystroke_bytes(app)
                    settle(app)
                    for pid in session_pids(service.pid):
                        p, r = memory_kib(pid)
                        pss.append(p)
                        rss.append(r)
                    app.send("\x11")  # ctrl+q
                    with contextlib.suppress(TimeoutError):
                        app.quiet(1.0, 15)
                finally:
                    app.close()
        finally:
            service.terminate()
            service.wait(60)
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
    pss_mib = median(pss) / 1024
    print_figure({
        "clients": count,
        "connect_to_list_s": round(median(connects), 3),
        "connect_to_list_runs_s": [round(c, 3) for c in connects],
        "through_door": door_bytes,
        "local": local_bytes,
        "session_pss_mib": round(pss_mib, 1),
        "session_rss_mib": round(median(rss) / 1024, 1),
        "sessions_per_gib": int(1024 // pss_mib),
        "goals": {"connect_to_list_s": 1.5, "bytes": "through the door <= local"},
        "met": {"connect_to_list": median(connects) <= 1.5,
                "bytes": all(door_bytes[k] <= local_bytes[k] for k in local_bytes)},
        "cpu_calibration_s": cpu_calibration_s(),
    })


if __name__ == "__main__":
    main()

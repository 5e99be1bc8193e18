"""The SSH door beside the system's sshd and a shell running `linkdesk`, in one run against the
same firm (the 100,000-client database; LINKDESK_BENCH_SMALL=1: 2,000 clients, 2 runs): the
real OpenSSH client in a real pty at 80x24 each way.

- key to screen: the door's client list drawn (signed in by the key) against sshd's first
  screen (the sign-in screen: through a shell account the preparer still signs in), and
  against sshd's client list once the password's Enter is sent (the typing left out);
- bytes per arrow down and per search letter, each way;
- memory per session (PSS, with SESSIONS open at once): the door's session process against
  sshd's processes for the session plus the app, and how many sessions fit in 1 GiB.

sshd is OpenSSH's own (`openssh-server`, installed for this bench only), run as this user on a
free port of 127.0.0.1 with a host key and configuration of its own in a temporary directory.
Without /usr/sbin/sshd the bench says so on its last line and measures nothing.
Last line: a JSON object.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _pty_app import PtyApp, cpu_calibration_s, median, print_figure, sized
from ssh_desk import (
    connects,
    descendants,
    door,
    firm_with_key,
    keystroke_bytes,
    memory,
    memory_kib,
    quit_all,
    settle,
)

RUNS = sized(5, 2)
SESSIONS = sized(4, 2)
SSHD = "/usr/sbin/sshd"
PASSWORD = "correct horse battery"  # the bench database's (bench/make_clients.py)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def sshd(tmp: Path, public_key: Path):
    """OpenSSH's sshd on a free port, keys only, this user allowed; yields (process, port)."""
    port = free_port()
    host_key = tmp / "sshd_host_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(host_key)],
                   check=True)
    (tmp / "authorized_keys").write_text(public_key.read_text())
    config = tmp / "sshd_config"
    config.write_text("\n".join([
        f"Port {port}", "ListenAddress 127.0.0.1", f"HostKey {host_key}",
        f"AuthorizedKeysFile {tmp / 'authorized_keys'}", f"PidFile {tmp / 'sshd.pid'}",
        "PasswordAuthentication no", "KbdInteractiveAuthentication no", "UsePAM no",
        "PermitRootLogin prohibit-password", "StrictModes no", "PrintMotd no",
        "PrintLastLog no", "AcceptEnv LANG LC_* COLORTERM NO_COLOR", ""]))
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # its privilege separation dir
    process = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            time.sleep(0.05)
        yield process, port
    finally:
        process.terminate()
        process.wait(30)


def shell_argv(port: int, key: Path, db: Path, env: dict) -> list[str]:
    """ssh to sshd, whose shell runs `linkdesk` on the same database."""
    user = subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip()
    app = Path(sys.executable).parent / "linkdesk"
    command = " ".join(["cd", shlex.quote(env["HOME"]), "&&", "exec", "env",
                        f"XDG_DATA_HOME={shlex.quote(env['XDG_DATA_HOME'])}",
                        f"XDG_CONFIG_HOME={shlex.quote(env['XDG_CONFIG_HOME'])}",
                        shlex.quote(str(app)), "--db", shlex.quote(str(db))])
    return ["ssh", "-F", "/dev/null", "-p", str(port), "-i", str(key), "-t",
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR", f"{user}@127.0.0.1", command]


def through_sshd(argv: list[str], env: dict, name: str, runs: int) -> dict:
    code = f"import os; os.execvp('ssh', {argv!r})"
    to_screen, to_list, sshd_bytes = [], [], {}
    for run in range(runs):
        app = PtyApp(cols=80, rows=24, env=env, python_code=code)
        try:
            to_screen.append(app.wait_for("Sign in to linkdesk", timeout=60) - app.started)
            settle(app)
            app.send("marie\r")
            settle(app)
            mark = app.mark()
            app.send(PASSWORD + "\r")
            sent = time.perf_counter()
            to_list.append(app.wait_for(name, timeout=60, after=mark) - sent)
            if run == 0:
                sshd_bytes = keystroke_bytes(app)
            app.send("\x11")
            with contextlib.suppress(TimeoutError):
                app.quiet(1.0, 15)
        finally:
            app.close()
    return {"key_to_sign_in_s": round(median(to_screen), 3),
            "key_to_sign_in_runs_s": [round(t, 3) for t in to_screen],
            "password_enter_to_list_s": round(median(to_list), 3),
            "key_to_list_s": round(median(to_screen) + median(to_list), 3),
            "bytes": sshd_bytes}


def sshd_memory(sshd_pid: int, argv: list[str], env: dict, name: str) -> dict:
    """PSS per session through sshd: its processes for the session (privileged monitor and
    the user's) and the app, with SESSIONS open; the listening sshd counted apart."""
    code = f"import os; os.execvp('ssh', {argv!r})"
    apps = []
    try:
        for _ in range(SESSIONS):
            apps.append(PtyApp(cols=80, rows=24, env=env, python_code=code))
            apps[-1].wait_for("Sign in to linkdesk", timeout=60)
            settle(apps[-1])
            apps[-1].send("marie\r")
            settle(apps[-1])
            apps[-1].send(PASSWORD + "\r")
            apps[-1].wait_for(name, timeout=60)
        for app in apps:
            settle(app)
        pids = descendants(sshd_pid)
        total = sum(memory_kib(pid)[0] for pid in pids)
    finally:
        quit_all(apps)
    per_session = total / SESSIONS / 1024
    return {"session_pss_mib": round(per_session, 1), "processes": len(pids),
            "sessions_per_gib": int(1024 // per_session)}


def door_figures(db: Path, env: dict, key: Path, name: str) -> dict:
    with door(db, env, True) as (service, port):
        times, door_bytes = connects(port, key, env, name, RUNS, keystrokes=True)
        mem = memory(service.pid, port, key, env, name)
    return {"key_to_list_s": round(median(times), 3),
            "key_to_list_runs_s": [round(t, 3) for t in times], "bytes": door_bytes, **mem}


def main() -> None:
    if not Path(SSHD).exists() or shutil.which("ssh") is None:
        print_figure({"measured": False, "why": f"no {SSHD}: install openssh-server"})
        return
    with firm_with_key() as (tmp_path, db, env, key, name, count):
        through_door = door_figures(db, env, key, name)
        with sshd(tmp_path, Path(f"{key}.pub")) as (daemon, port):
            argv = shell_argv(port, key, db, env)
            through_shell = through_sshd(argv, env, name, RUNS)
            through_shell.update(sshd_memory(daemon.pid, argv, env, name))
    door_s = through_door["key_to_list_s"]
    print_figure({
        "clients": count,
        "door": through_door,
        "sshd_and_shell": through_shell,
        "ratio_door_list_to_sshd_sign_in": round(door_s / through_shell["key_to_sign_in_s"], 2),
        "ratio_door_list_to_sshd_list": round(door_s / through_shell["key_to_list_s"], 2),
        "goal": "ratio <= 1.1",
        "cpu_calibration_s": cpu_calibration_s(),
    })


if __name__ == "__main__":
    main()

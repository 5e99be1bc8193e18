"""A private Postfix instance for tests: its own configuration, queue and ports on 127.0.0.1.

It accepts mail for `clients.linkdesk.example` (local delivery: an unknown user bounces with a real
DSN) and `slow.linkdesk.example` (relayed to a port where nobody listens: deferred, with a real
delay notice after a second), and hands mail for `firm.linkdesk.example` (where the bounces go) to
the bounce intake. Needs the postfix package and root, as `.ci/run` provides.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

POSTFIX = shutil.which("postfix") or "/usr/sbin/postfix"
FIRM_DOMAIN = "firm.linkdesk.example"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def need_postfix() -> None:
    """Skip without Postfix or root on a developer's machine; fail under CI, which has both."""
    missing = None
    if not Path(POSTFIX).exists():
        missing = "postfix is not installed (apt-get install postfix)"
    elif os.geteuid() != 0:
        missing = "a private Postfix instance needs root"
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(missing)
        pytest.skip(missing)


class Postfix:
    def __init__(self, intake_port: int) -> None:
        import tempfile

        # Not under pytest's tmp_path: its directories are 0700, and Postfix's own user must
        # reach its data directory.
        self.root = Path(tempfile.mkdtemp(prefix="linkdesk-postfix-"))
        self.root.chmod(0o755)
        self.port = free_port()
        self.intake_port = intake_port
        self.etc = self.root / "etc"

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([POSTFIX, "-c", str(self.etc), *args], capture_output=True,
                              text=True, timeout=60)

    def start(self) -> Postfix:
        for sub in ("etc", "spool", "data"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        shutil.chown(self.root / "data", user="postfix")
        for name in ("dynamicmaps.cf", "postfix-files"):
            if (Path("/etc/postfix") / name).exists():
                shutil.copy(Path("/etc/postfix") / name, self.etc / name)
        for name in ("dynamicmaps.cf.d", "postfix-files.d"):
            if (Path("/etc/postfix") / name).is_dir():
                shutil.copytree(Path("/etc/postfix") / name, self.etc / name, dirs_exist_ok=True)
        master = (Path("/etc/postfix") / "master.cf").read_text().splitlines()
        lines = []
        for line in master:
            fields = line.split()
            if fields and not line.startswith((" ", "\t", "#")) and len(fields) >= 8:
                if fields[0] == "smtp" and fields[1] == "inet":
                    fields[0] = f"127.0.0.1:{self.port}"
                fields[4] = "n"  # no chroot: the spool is ours
                line = " ".join(fields)
            lines.append(line)
        (self.etc / "master.cf").write_text("\n".join(lines) + "\n")
        (self.etc / "main.cf").write_text(f"""
compatibility_level = 3.6
queue_directory = {self.root / 'spool'}
data_directory = {self.root / 'data'}
maillog_file_prefixes = {self.root}
maillog_file = {self.root / 'maillog'}
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx.linkdesk.example
mydomain = linkdesk.example
myorigin = linkdesk.example
mydestination = clients.linkdesk.example
local_recipient_maps =
mynetworks = 127.0.0.0/8
relay_domains =
transport_maps = inline:{{ {FIRM_DOMAIN}=smtp:[127.0.0.1]:{self.intake_port}, \
slow.linkdesk.example=smtp:[127.0.0.1]:{free_port()} }}
smtp_host_lookup = native
disable_dns_lookups = yes
delay_warning_time = 1s
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
""")
        done = self._run("start")
        if done.returncode != 0:
            raise RuntimeError(f"postfix did not start: {done.stdout}{done.stderr}{self.log()}")
        return self

    def log(self) -> str:
        path = self.root / "maillog"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        subprocess.run(["postsuper", "-c", str(self.etc), "-d", "ALL"], capture_output=True,
                       timeout=60)
        self._run("stop")
        shutil.rmtree(self.root, ignore_errors=True)

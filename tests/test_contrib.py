"""The systemd unit the README ships is one systemd takes, hardened as a service of this kind
should be (checked by systemd's own tool where it is installed)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

UNIT = Path(__file__).resolve().parents[1] / "contrib" / "linkdesk.service"


def test_the_unit_sets_the_file_limit_and_the_hardening():
    text = UNIT.read_text()
    for line in ("LimitNOFILE=65536", "NoNewPrivileges=yes", "ProtectSystem=strict",
                 "ProtectHome=yes", "PrivateTmp=yes", "StateDirectory=linkdesk", "UMask=0077",
                 "SystemCallFilter=@system-service", "SystemCallErrorNumber=EPERM"):
        assert f"\n{line}\n" in text, line


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_takes_the_unit(tmp_path):
    unit = tmp_path / "linkdesk.service"
    # The command must exist where systemd looks; the rest is the unit as shipped.
    unit.write_text(UNIT.read_text().replace("/usr/local/bin/linkdesk", shutil.which("true")))
    verified = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True,
                              text=True, timeout=60)
    assert verified.returncode == 0 and verified.stderr == "", verified.stderr
    security = subprocess.run(["systemd-analyze", "security", "--offline=yes", str(unit)],
                              capture_output=True, text=True, timeout=60)
    exposure = float(security.stdout.rsplit("exposure level for", 1)[1].split(":")[1].split()[0])
    assert exposure <= 4.0, security.stdout[-2000:]

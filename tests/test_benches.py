"""Every bench in bench/ runs, at its small size, from this checkout alone: so that none rots.

Each script (helpers starting with `_` and the make_*.py data generators left out: the benches
call those themselves) is run once as its own process with LINKDESK_BENCH_SMALL=1, which makes
it measure a few hundred rows in a few seconds, its inputs made in a temporary directory. It must
exit 0 with its figure on its last line. The figures themselves are not checked: a shared
machine's timings say nothing about a change. A new bench is picked up by the glob.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PG_ADMIN

BENCH = Path(__file__).resolve().parents[1] / "bench"
BENCHES = sorted(p for p in BENCH.glob("*.py")
                 if not p.name.startswith("_") and not p.name.startswith("make_"))

# Benches that use the PostgreSQL server when it answers (the others run on SQLite only).
POSTGRES = {"accept_latency.py", "crash_duplicates.py"}
# The longest at the small size (a `linkdesk serve` or a pty app or two, several seconds of
# waiting for the app to go quiet): more time before they are called stuck.
SLOW = {"accept_latency.py", "bounces.py", "crash_duplicates.py", "invite_throughput.py",
        "launch.py", "ssh_desk.py", "ssh_vs_sshd.py", "terminal_bytes.py"}


def _marks(path: Path) -> list:
    marks = [pytest.mark.timeout(300 if path.name in SLOW else 180)]
    if path.name in POSTGRES:
        marks.append(pytest.mark.postgres)
    return marks


def test_the_benches_are_found():
    assert {"search_keystroke.py", "launch.py", "status_json.py", "memory.py"} <= {
        p.name for p in BENCHES}


@pytest.mark.parametrize("script", [pytest.param(p, id=p.stem, marks=_marks(p))
                                    for p in BENCHES])
def test_a_bench_runs_at_its_small_size(script: Path, tmp_path):
    # The environment is the suite's clean one (HOME and the XDG directories in tmp_path);
    # LINKDESK_TEST_PG, which that took away, is handed back for the benches that use it.
    env = {**os.environ, "LINKDESK_BENCH_SMALL": "1", "LINKDESK_TEST_PG": PG_ADMIN,
           "PYTHONUNBUFFERED": "1"}
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, f"{script.name} failed:\n{done.stderr[-3000:]}"
    lines = done.stdout.strip().splitlines()
    assert lines and lines[-1].strip(), f"{script.name} printed nothing:\n{done.stderr[-2000:]}"
    figure = json.loads(lines[-1])  # every bench prints a JSON object last
    assert isinstance(figure, dict) and figure.get("small") is True, figure

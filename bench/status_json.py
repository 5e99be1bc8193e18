"""`linkdesk status --json` on 100,000 clients: wall time of the whole command, median of runs.

Last line: a JSON object.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _pty_app import ROOT, clients_db, cpu_calibration_s, print_figure, sized

RUNS = sized(9, 2)


def main() -> None:
    with clients_db() as (db, _clients):
        walls = []
        for _ in range(RUNS):
            started = time.perf_counter()
            out = subprocess.run(
                [sys.executable, "-m", "linkdesk", "status", "--json", "--db", str(db)],
                capture_output=True, text=True, check=True, cwd=ROOT)
            walls.append(time.perf_counter() - started)
    counts = json.loads(out.stdout)
    print_figure({
        "status_json_median_s": round(statistics.median(walls), 3),
        "status_json_max_s": round(max(walls), 3),
        "total": counts["total"],
        "runs": RUNS,
        "cpu_calibration_s": cpu_calibration_s(),
    })


if __name__ == "__main__":
    main()

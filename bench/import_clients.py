"""Importing 100,000 clients from CSV (French headers, semicolons) through `linkdesk import`.

Creates a fresh database with one preparer, writes the CSV, and times the command end to end:
reading, checking every row, duplicates, and the one transaction. Last line: a JSON object.
"""

from __future__ import annotations

import csv
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _pty_app import cpu_calibration_s, print_figure, sized  # noqa: E402

from linkdesk import demo_data  # noqa: E402

N = sized(100_000, 1_000)


def main() -> None:
    rng = random.Random(5)
    with tempfile.TemporaryDirectory() as tmp:
        db, source = Path(tmp) / "import.db", Path(tmp) / "clients.csv"
        with open(source, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, delimiter=";")
            writer.writerow(["Prénom", "Nom", "Entreprise", "Courriel", "Téléphone", "Langue"])
            for i in range(N):
                c = demo_data.client(rng, i)
                writer.writerow([c.first_name, c.last_name, c.organization_name, c.email,
                                 c.phone or "", "français" if c.language == "fr" else "anglais"])
        subprocess.run([sys.executable, "-m", "linkdesk", "--db", str(db), "user", "add", "marie",
                        "--email", "m@example.com", "--firm", "Cabinet"],
                       input="correct horse battery\n", text=True, check=True,
                       capture_output=True, cwd=ROOT)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "linkdesk", "--db", str(db), "import",
                               "clients", str(source), "--yes", "--json"],
                              capture_output=True, text=True, cwd=ROOT)
        seconds = time.perf_counter() - started
        report = json.loads(done.stdout)
    print_figure({"clients": N, "added": report["added"],
                  "rows_with_errors": len(report["errors"]), "seconds": round(seconds, 1),
                  "cpu_calibration_s": cpu_calibration_s()})


if __name__ == "__main__":
    main()

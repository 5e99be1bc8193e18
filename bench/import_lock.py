"""How long other writers wait while a big import runs on SQLite.

During a 1,000,000-member `linkdesk network import` and then a 100,000-client `linkdesk import
clients`, another process writes every 50 ms (one short transaction, as the acceptance page or
the delivery worker would): the longest wait of any of its writes (goal <= 0.5 s) and each
import's own time (goal for 1M members: <= 60 s).

    python bench/import_lock.py [--members N] [--clients N]

LINKDESK_BENCH_SMALL=1: 5,000 members and 1,000 clients.

Last line: a JSON object.
"""

from __future__ import annotations

import argparse
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

WRITER = r"""
import sqlite3, sys, time, json
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=600)
db.execute("CREATE TABLE IF NOT EXISTS bench_probe (at REAL)")
waits, whole = [], []
print("ready", flush=True)
while not sys.stdin.closed:
    started = time.perf_counter()
    db.execute("BEGIN IMMEDIATE")  # the wait for the lock
    waits.append(time.perf_counter() - started)
    db.execute("INSERT INTO bench_probe VALUES (?)", (started,))
    db.execute("COMMIT")  # may run a checkpoint of what the import wrote
    whole.append(time.perf_counter() - started)
    time.sleep(0.05)
    import select
    if select.select([sys.stdin], [], [], 0)[0]:
        break
print(json.dumps({"writes": len(waits), "longest_wait_s": round(max(waits), 3),
                  "p99_wait_s": round(sorted(waits)[int(len(waits) * 0.99)], 3),
                  "longest_write_s": round(max(whole), 3)}), flush=True)
"""


def run_with_writer(db: Path, command: list[str]) -> tuple[float, dict, str]:
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "ready"
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "linkdesk", "--db", str(db), *command],
                          capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    writer.stdin.write("stop\n")
    writer.stdin.flush()
    waits = json.loads(writer.stdout.readline())
    writer.wait()
    if done.returncode != 0:
        raise SystemExit(f"import failed: {done.stderr.strip()}")
    return seconds, waits, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=sized(1_000_000, 5_000))
    parser.add_argument("--clients", type=int, default=sized(100_000, 1_000))
    args = parser.parse_args()
    rng = random.Random(9)
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "lock.db"
        subprocess.run([sys.executable, "-m", "linkdesk", "--db", str(db), "user", "add", "marie",
                        "--email", "m@example.com", "--firm", "Cabinet"],
                       input="correct horse battery\n", text=True, check=True,
                       capture_output=True, cwd=ROOT)
        members = Path(tmp) / "members.csv"
        with open(members, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(demo_data.MEMBER_COLUMNS)
            for i in range(args.members):
                writer.writerow(demo_data.member(rng, i))
        seconds, waits, _ = run_with_writer(db, ["network", "import", str(members), "--json"])
        out["members"] = {"count": args.members, "import_s": round(seconds, 1), **waits}
        print(json.dumps({"members": out["members"]}), flush=True)
        clients = Path(tmp) / "clients.csv"
        with open(clients, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, delimiter=";")
            writer.writerow(["Prénom", "Nom", "Entreprise", "Courriel", "Téléphone", "Langue"])
            for i in range(args.clients):
                c = demo_data.client(rng, i)
                writer.writerow([c.first_name, c.last_name, c.organization_name, c.email,
                                 c.phone or "", "français" if c.language == "fr" else "anglais"])
        seconds, waits, _ = run_with_writer(db, ["import", "clients", str(clients), "--yes",
                                                 "--json"])
        out["clients"] = {"count": args.clients, "import_s": round(seconds, 1), **waits}
    longest = max(out["members"]["longest_wait_s"], out["clients"]["longest_wait_s"])
    print_figure({**out, "longest_wait_s": longest, "cpu_calibration_s": cpu_calibration_s()})


if __name__ == "__main__":
    main()

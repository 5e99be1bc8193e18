"""One directory search through the store, 1 to 6 characters typed, 1,000,000 members.

    python bench/network_search.py [--db bench/network-1m.db] [--pg]

Builds the directory first if it is missing (bench/make_members.py, then `network import`,
whose time and the database size are reported). Terms are prefixes and substrings of real
names, typed one character at a time, from a member company's books. Last line: a JSON object
with the p50/p95 per backend (milliseconds). LINKDESK_BENCH_SMALL=1: 2,000 members, in a
temporary directory unless --db and --csv are given.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from _pty_app import (  # noqa: E402
    SMALL,
    cpu_calibration_s,
    drop,
    pg_database,
    print_figure,
    sized,
)

MEMBERS = sized(1_000_000, 2_000)  # small: a directory made in a temporary directory
ROUNDS = sized(3, 1)
WORDS = ("gagnon", "plomberie", "tremblay", "quebec", "boulangerie", "consulting", "cote",
         "lavoie", "renovations", "smith", "electricite", "fromagerie", "nguyen", "bakery")
SUBSTRINGS = ("agnon", "omberie", "emblay", "ulanger", "onsult", "ectric", "romager", "akery",
              "ardware", "oucher")


def build(db: str, csv_path: Path, members: int = MEMBERS) -> dict:
    if not csv_path.exists():
        subprocess.run([sys.executable, str(HERE / "make_members.py"), str(csv_path),
                        "--count", str(members)], check=True, stdout=subprocess.DEVNULL)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "linkdesk", "--db", db, "network", "import",
                           str(csv_path), "--json"], capture_output=True, text=True,
                          cwd=HERE.parent)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):  # 1: some rows were skipped (reported below)
        sys.exit(f"import failed: {done.stderr.strip()}")
    report = json.loads(done.stdout)
    return {"import_s": round(seconds, 1), "added": report["added"],
            "rows_skipped": len(report["errors"])}


def terms() -> list[str]:
    rng = random.Random(7)
    typed = []
    for word in rng.sample(WORDS, len(WORDS)) + rng.sample(SUBSTRINGS, len(SUBSTRINGS)):
        typed += [word[:n] for n in range(1, min(6, len(word)) + 1)]
    return typed


async def measure(db: str) -> list[float]:
    from store import Store
    from store.models import Company

    store = await Store.open(db)
    try:
        store.network.limiter.limit = 10**9  # the bench is not a person: no rate limit
        books = await store.scalar(Company.select(Company.id).where(
            (Company.kind == "member") & (Company.region == "CA")).limit(1))
        for term in terms()[:10]:  # warm the page cache
            await store.network.search(books, term)
        times = []
        for _round in range(ROUNDS):
            for term in terms():
                started = time.perf_counter()
                found = await store.network.search(books, term)
                times.append((time.perf_counter() - started) * 1000)
                assert len(found) <= 50
        return times
    finally:
        await store.close()


def summary(times: list[float]) -> dict:
    ordered = sorted(times)
    return {"p50_ms": round(statistics.median(ordered), 2),
            "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1], 2),
            "max_ms": round(ordered[-1], 2), "searches": len(ordered)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=None, help="default: bench/network-1m.db (small: a "
                        "temporary one)")
    parser.add_argument("--csv", default=None, help="default: bench/members-1m.csv (small: a "
                        "temporary one)")
    parser.add_argument("--pg", action="store_true", help="also on PostgreSQL (imports there)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        args.db = args.db or str(Path(tmp) / "network.db" if SMALL else HERE / "network-1m.db")
        args.csv = args.csv or str(Path(tmp) / "members.csv" if SMALL
                                   else HERE / "members-1m.csv")
        print_figure(figures(args))


def figures(args: argparse.Namespace) -> dict:
    result: dict = {}
    if not Path(args.db).exists():
        result["sqlite_import"] = build(args.db, Path(args.csv))
    result["sqlite_db_mib"] = round(sum(
        p.stat().st_size for p in Path(args.db).parent.glob(Path(args.db).name + "*")) / 2**20)
    result["sqlite"] = summary(asyncio.run(measure(args.db)))
    if args.pg:
        name, url = asyncio.run(pg_database())
        try:
            result["postgresql_import"] = build(url, Path(args.csv))
            result["postgresql"] = summary(asyncio.run(measure(url)))
        finally:
            asyncio.run(drop(name))
    result["cpu_calibration_s"] = cpu_calibration_s()
    return result


if __name__ == "__main__":
    main()

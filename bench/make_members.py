"""Write a directory CSV of N network members (English and French names) for `network import`.

    python bench/make_members.py bench/members-1m.csv --count 1000000

About 90 % in CA, the rest in US and FR; about 8 % hidden. Last line: a JSON object.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from linkdesk.demo_data import MEMBER_COLUMNS, member


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    started = time.perf_counter()
    with open(args.path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(MEMBER_COLUMNS)
        for i in range(args.count):
            writer.writerow(member(rng, i))
    print(json.dumps({"members": args.count, "bytes": args.path.stat().st_size,
                      "seconds": round(time.perf_counter() - started, 1)}))


if __name__ == "__main__":
    main()

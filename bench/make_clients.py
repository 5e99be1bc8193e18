"""Fill a database with N realistic clients (English and French names) spread over every status.

    python bench/make_clients.py --db bench/clients-100k.db --count 100000

Prints a JSON object on its last line: clients written and seconds taken.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from linkdesk import demo_data
from store import ACCEPTED, PENDING, Store
from store.clients import search_key
from store.models import Client, ClientYearStatus
from store.text import fold
from store.validate import email_key


async def fill(db: str, count: int, year: int, seed: int = 7) -> float:
    rng = random.Random(seed)
    started = time.perf_counter()
    store = await Store.open(db)
    try:
        if await store.accounts.count() == 0:
            await store.accounts.create("marie", "marie@example.com", "correct horse battery",
                                        "Cabinet Tremblay")
        firm_id = await store.firm_id()
        now = store.clock()
        batch, statuses = [], []
        first_id = (await store.scalar(Client.select(Client.id).order_by(Client.id.desc())
                                       .limit(1))) or 0
        for i in range(count):
            c = demo_data.client(rng, i)
            batch.append({
                "firm": firm_id, "kind": c.kind, "first_name": c.first_name or None,
                "last_name": c.last_name or None,
                "organization_name": c.organization_name or None,
                "display_name": c.display_name, "sort_key": fold(c.display_name),
                "search_key": search_key(c), "email": c.email, "email_key": email_key(c.email),
                "phone": c.phone, "language": c.language, "active": rng.random() > 0.03,
                "created_at": now, "updated_at": now,
            })
            roll = rng.random()
            if roll < 0.33:
                statuses.append((first_id + i + 1, PENDING if roll < 0.2 else ACCEPTED))
        async with store.write():
            for start in range(0, len(batch), 2000):
                await store.execute(Client.insert_many(batch[start:start + 2000]))
            rows = [{"client": cid, "tax_year": year, "status": s, "updated_at": now}
                    for cid, s in statuses]
            for start in range(0, len(rows), 5000):
                await store.execute(ClientYearStatus.insert_many(rows[start:start + 5000]))
        if store.target.is_sqlite:
            await store.db.aexecute_sql("ANALYZE")
    finally:
        await store.close()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="bench/clients-100k.db")
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--tax-year", type=int, default=2025)
    args = parser.parse_args()
    seconds = asyncio.run(fill(args.db, args.count, args.tax_year))
    print(json.dumps({"clients": args.count, "seconds": round(seconds, 2), "db": args.db}))


if __name__ == "__main__":
    main()

"""CPU a record of the relay's answers costs, by how many answers one transaction holds (SQLite).

A connection sends nothing more before its last answer is recorded (issue 25, item 6), so a
fast relay makes at least one record transaction per round of the connections: what each costs
whatever it holds is what recording sooner costs in throughput. N invitations are queued and
claimed, then recorded as sent K at a time (`Invitations.record`, as the delivery worker does);
CPU time of the process (its SQLite thread included) per transaction and per message, the best
of 3. Last line: a JSON object; `fixed_cpu_ms` is the cost of a transaction beyond its messages
(from K = 1 and the largest K), `per_message_cpu_ms` the cost of each message in it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _pty_app import print_figure, sized

N = sized(1024, 64)
SIZES = (1, 8, 64) if N >= 64 else (1, 8)
ROUNDS = 3


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def measure(per_transaction: int) -> tuple[float, float]:
    """CPU ms and wall ms per record transaction of `per_transaction` answers."""
    from linkdesk.mail.outgoing import invitation_builder
    from store import ClientDraft, Store, check_draft
    from store.invitations import DeliveryResult, InviteRequest

    with tempfile.TemporaryDirectory() as tmp:
        store = await Store.open(str(Path(tmp) / "record.db"))
        try:
            preparer = await store.accounts.create("marie", "m@example.com",
                                                   "correct horse battery", "Firm")
            cleans = [check_draft(ClientDraft(kind="organization", organization_name=f"Client {i}",
                                              email=f"c{i}@example.com")) for i in range(N)]
            ids = await store.clients.add_many(preparer.firm_id, cleans, preparer.id)
            requests = [InviteRequest(client_id, 2025, f"c{i}@example.com", "en",
                                      invitation_builder(
                                          firm_name="Firm", sender_address="firm@example.com",
                                          recipient_name=f"Client {i}",
                                          recipient_address=f"c{i}@example.com",
                                          subject="Invitation", body="Hello", language="en"))
                        for i, client_id in enumerate(ids)]
            await store.invitations.invite_many(requests, preparer.id, "https://portal.example")
            jobs = await store.invitations.claim_many(N, lease=dt.timedelta(minutes=10))
            assert len(jobs) == N
            await store.release()
            cpu_before, wall_before = cpu_s(), time.perf_counter()
            for first in range(0, N, per_transaction):
                await store.invitations.record(
                    [DeliveryResult(job, answer="250 2.0.0 OK")
                     for job in jobs[first:first + per_transaction]])
            cpu_after, wall_after = cpu_s(), time.perf_counter()
            await store.release()
        finally:
            await store.close()
    transactions = -(-N // per_transaction)
    return ((cpu_after - cpu_before) * 1000 / transactions,
            (wall_after - wall_before) * 1000 / transactions)


async def main() -> None:
    figures = {}
    for size in SIZES:
        cpu_ms, wall_ms = min([await measure(size) for _ in range(ROUNDS)])
        figures[size] = cpu_ms
        print(f"{size} a transaction: {cpu_ms:.2f} ms of CPU ({cpu_ms / size:.3f} a message), "
              f"{wall_ms:.2f} ms", flush=True)
    small, large = SIZES[0], SIZES[-1]
    per_message = (figures[large] - figures[small]) / (large - small)
    print_figure({"cpu_ms_per_transaction": {str(k): round(v, 2) for k, v in figures.items()},
                  "fixed_cpu_ms": round(figures[small] - per_message * small, 2),
                  "per_message_cpu_ms": round(per_message, 3), "invitations": N})


if __name__ == "__main__":
    asyncio.run(main())

"""Messages sent twice after a kill -9 of `linkdesk serve` mid-delivery, on SQLite and PostgreSQL.

N invitations are queued; a real `linkdesk serve` (8 relay connections) delivers them to a real
SMTP server in another process (aiosmtpd, answering each message in 100 ms, bench/_slow_relay.py).
KILLS times: the service is started, left to deliver for a random moment once messages flow,
and killed with SIGKILL. A last service sends what is left (the dead ones' claims are taken over
once their heartbeat is stale). Every message the relay receives is counted per recipient, from
the moment its data has arrived: a message in flight when the sender dies counts as received.

Per kill, the duplicates it makes: the messages the relay has and the store does not know were
sent (each is sent again), counted right after the kill; and of those, how many the relay had
not answered yet (on the wire, at most one per connection: no sender can record those). At
the end, each invitation must have reached the relay at least once (lost: 0), always with the
outbox's Message-ID, and the duplicates found then must equal the sum of the per-kill figures.

LINKDESK_BENCH_SMALL=1: 150 invitations, 3 kills, PostgreSQL left out when it does not answer.
Last line: a JSON object; the figure is `max_per_kill` of each backend (issue 25, item 6: at most
the number of connections).
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _pty_app import (
    ROOT,
    SMALL,
    drop,
    free_port,
    patience,
    pg_database,
    pg_reachable,
    print_figure,
    sized,
)

N = sized(2000, 150)
KILLS = sized(15, 3)
CONNECTIONS = 8
RELAY_DELAY_S = 0.1
CHUNK = 500  # invitations queued per transaction
YEAR = 2025


class Relay:
    """bench/_slow_relay.py in its own process; what it received, per recipient."""

    def __init__(self) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "_slow_relay.py"), str(self.port),
             str(RELAY_DELAY_S)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "ready"
        self.received: Counter[str] = Counter()
        self.unanswered: set[str] = set()  # the last message to each, the relay has not answered
        self.message_ids: dict[str, set[str]] = {}
        self.total = 0
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            first, rest = line.split(" ", 1)
            if first == "answered":
                with self._lock:
                    self.unanswered.discard(rest.strip())
                continue
            recipient, message_id = first, rest
            with self._lock:
                self.received[recipient] += 1
                self.unanswered.add(recipient)
                self.message_ids.setdefault(recipient, set()).add(message_id.strip())
                self.total += 1

    def snapshot(self) -> tuple[int, Counter[str], dict[str, set[str]]]:
        with self._lock:
            return self.total, Counter(self.received), {k: set(v) for k, v in
                                                        self.message_ids.items()}

    def on_wire(self) -> set[str]:
        with self._lock:
            return set(self.unanswered)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(10)


async def _queue_invitations(db: str) -> None:
    from linkdesk.mail.outgoing import invitation_builder
    from store import ClientDraft, Store, check_draft
    from store.invitations import InviteRequest

    store = await Store.open(db)
    try:
        preparer = await store.accounts.create("marie", "m@example.com", "correct horse battery",
                                               "Firm")
        cleans = [check_draft(ClientDraft(kind="organization", organization_name=f"Client {i}",
                                          email=f"c{i}@example.com")) for i in range(N)]
        ids = await store.clients.add_many(preparer.firm_id, cleans, preparer.id)
        for first in range(0, N, CHUNK):
            requests = [InviteRequest(client_id, YEAR, f"c{i}@example.com", "en",
                                      invitation_builder(
                                          firm_name="Firm", sender_address="firm@example.com",
                                          recipient_name=f"Client {i}",
                                          recipient_address=f"c{i}@example.com",
                                          subject="Invitation", body="Hello", language="en"))
                        for i, client_id in enumerate(ids[first:first + CHUNK], first)]
            outcome = await store.invitations.invite_many(requests, preparer.id,
                                                          "https://portal.example")
            assert len(outcome.invited) == len(requests), outcome.refused
    finally:
        await store.close()


async def _outbox(store) -> dict[str, tuple[str, str]]:
    """Each recipient's outbox state and Message-ID, as the store has them now."""
    from store.models import Outbox

    rows = await store.list(Outbox.select(Outbox.envelope_to, Outbox.state,
                                          Outbox.message_id).tuples())
    await store.release()
    return {to: (state, message_id) for to, state, message_id in rows}


def _owed(received: Counter[str], outbox: dict[str, tuple[str, str]]) -> int:
    """Sends beyond one per message, made or still to come: a message the relay has but the
    store does not call sent will be sent again."""
    return sum(max(0, count - (outbox[to][0] == "sent")) for to, count in received.items())


async def _serve(db: str, relay: Relay, data_dir: Path) -> asyncio.subprocess.Process:
    service = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "linkdesk", "serve", "--db", db, "--port", "0",
        "--smtp", f"smtp://127.0.0.1:{relay.port}", "--link-base", "https://portal.example",
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "LINKDESK_SMTP_CONNECTIONS": str(CONNECTIONS),
             "XDG_DATA_HOME": str(data_dir), "XDG_CONFIG_HOME": str(data_dir),
             "PYTHONUNBUFFERED": "1"},
        cwd=str(ROOT))
    return service


async def _until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + patience(timeout)
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        await asyncio.sleep(0.01)


async def measure(db: str, data_dir: Path, rng: random.Random) -> dict:
    from store import Store

    await _queue_invitations(db)
    relay = Relay()
    store = await Store.open(db)
    per_kill: list[int] = []
    on_wire: list[int] = []  # of which the relay had not answered yet when the kill came
    owed_before = 0
    received_before: Counter[str] = Counter()
    try:
        for kill in range(KILLS):
            service = await _serve(db, relay, data_dir)
            at_start = relay.snapshot()[0]
            # Mid-delivery: messages are flowing, then a moment chosen at random.
            await _until(lambda s=at_start: relay.snapshot()[0] >= s + CONNECTIONS, 60,
                         "the service sends nothing")
            await asyncio.sleep(rng.uniform(0.0, 1.0))
            service.send_signal(signal.SIGKILL)
            await service.wait()
            await asyncio.sleep(0.3)  # the relay's last lines reach us
            _total, received, _ids = relay.snapshot()
            unanswered = relay.on_wire()
            outbox = await _outbox(store)
            owed = _owed(received, outbox)
            per_kill.append(owed - owed_before)
            owed_before = owed
            on_wire.append(sum(1 for to, count in received.items()
                               if count > received_before[to] and outbox[to][0] != "sent"
                               and to in unanswered))
            received_before = received
            print(f"{store.target.backend} kill {kill + 1}: {per_kill[-1]} to be sent again, "
                  f"{on_wire[-1]} of them unanswered on the wire "
                  f"({sum(received.values())} received so far)", flush=True)
        service = await _serve(db, relay, data_dir)
        try:
            while True:  # the last service sends the rest, the dead ones' claims included
                outbox = await _outbox(store)
                if all(state == "sent" for state, _id in outbox.values()):
                    break
                await asyncio.sleep(0.2)
            await asyncio.sleep(0.3)
        finally:
            service.send_signal(signal.SIGTERM)
            await service.wait()
        _total, received, message_ids = relay.snapshot()
        outbox = await _outbox(store)
    finally:
        await store.close()
        relay.close()
    duplicates = sum(count - 1 for count in received.values() if count > 1)
    lost = sum(1 for to in outbox if received[to] == 0)
    same_id = all(message_ids.get(to, {mid}) == {mid} for to, (_state, mid) in outbox.items())
    return {"per_kill": per_kill, "on_wire_per_kill": on_wire, "max_per_kill": max(per_kill),
            "mean_per_kill": round(sum(per_kill) / len(per_kill), 1),
            "duplicates": duplicates, "counted_per_kill": sum(per_kill), "lost": lost,
            "same_message_id": same_id, "invitations": len(outbox)}


async def main() -> None:
    rng = random.Random(int(os.environ.get("LINKDESK_BENCH_SEED", "25")))
    result: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        result["sqlite"] = await measure(str(Path(tmp) / "crash.db"), Path(tmp) / "data", rng)
        if not SMALL or await pg_reachable():
            name, url = await pg_database()
            try:
                result["postgresql"] = await measure(url, Path(tmp) / "data-pg", rng)
            finally:
                await drop(name)
        else:
            result["postgresql"] = "left out: the server does not answer"
    for backend in ("sqlite", "postgresql"):
        if isinstance(result[backend], dict):
            figures = result[backend]
            print(f"{backend}: per kill {figures['per_kill']}, max {figures['max_per_kill']}, "
                  f"lost {figures['lost']}", flush=True)
    print_figure({**result, "kills": KILLS, "connections": CONNECTIONS,
                  "relay_answer_ms": int(RELAY_DELAY_S * 1000)})


if __name__ == "__main__":
    asyncio.run(main())

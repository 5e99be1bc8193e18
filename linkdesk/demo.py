"""`linkdesk demo`: a throwaway firm whose pipeline moves on screen, removed when it quits.

A temporary directory holds an SQLite database with about 300 clients in every status (made
through the store's own operations: invitations queued, delivered, refused, expired, accepted),
20,000 network members, the built-in mail capture and the acceptance page. Simulated clients
read the captured mail and press Confirm on the page a few seconds after their invitation
arrives, and a first bulk invitation goes out at start, so the list moves within seconds.

What moves is what someone watching sees: the first screen of the list (by name, as it opens)
holds clients not invited yet, a couple of them in the first wave and the others invited one
every other move of the colleague for a few minutes; they accept a few seconds after their
mail lands. Its pending clients are the first whose reminders fall due, and accept them.
In French the firm and its clients are a Québec firm's.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import random
import re
import shutil
import signal
import socket
import tempfile
from email.utils import parseaddr
from pathlib import Path

from linkdesk import demo_data
from linkdesk.i18n import _, current_language
from linkdesk.mail.compose import new_message_id
from store import Store
from store.clients import ClientQuery
from store.invitations import DeliveryResult, Envelope, InviteRequest
from store.text import fold

CLIENTS = 300
MEMBERS = 20_000
USERNAME = "demo"
FIRM = "Cabinet Démo & Associés"
FIRMS = {"fr": "Cabinet Tremblay & Associés"}  # the firm's name in the demo's language
ACCEPT_SHARE = 0.6  # of the invitations sent during the demo, how many get accepted
REMINDED = 30  # pending invitations whose reminders fall due while the demo runs
REMIND_EVERY = 75  # seconds between two of them falling due
FIRST_WAVE = 40  # clients invited in one bulk at start, so that the list moves at once
FIRST_SCREEN = 16  # rows of the list at 80x24: what someone watching the demo looks at
SHOWN_IN_FIRST_WAVE = 2  # of them, invited at start; the others one every other move


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _fake_message(client_id: int, email: str):
    """For the seeded history only: what the outbox keeps, without composing a real email."""

    def build(link: str) -> Envelope:
        return Envelope(new_message_id("demo@demo.example.com"), "demo@demo.example.com", email,
                        f"Subject: seed\r\n\r\n{link}\r\n".encode())

    return build


async def seed(store: Store, tax_year: int, rng: random.Random, language: str = "en"
               ) -> tuple[object, list[int]]:
    """Fill the store but for the network's members (`seed_members`, once the desk shows);
    return the preparer and the clients left Not invited."""

    preparer = await store.accounts.create(USERNAME, "demo@demo.example.com",
                                           "demo password 2025", FIRMS.get(language, FIRM))
    cleans = [demo_data.client(rng, i, language) for i in range(CLIENTS)]
    ids = await store.clients.add_many(preparer.firm_id, cleans, preparer.id)  # one transaction
    names = {client_id: fold(clean.display_name)
             for client_id, clean in zip(ids, cleans, strict=True)}
    rng.shuffle(ids)
    # Through the real operations: 90 invited, of which some delivered, refused, expired,
    # accepted; a few made inactive; the rest Not invited for the demo's own invitations.
    invited, rest = ids[:90], ids[90:]
    old = store.clock
    store.clock = lambda: old() - dt.timedelta(days=40)  # these left 40 days ago
    links, requests = {}, []
    for details in await store.clients.many_details(invited):  # one batch, not 90

        def build(link, client_id=details["id"], email=details["email"]):
            links[client_id] = link
            return _fake_message(client_id, email)(link)

        requests.append(InviteRequest(details["id"], tax_year, details["email"],
                                      details["language"], build))
    await store.invitations.invite_many(requests, preparer.id, "http://127.0.0.1:8765")
    tokens = {client_id: link.rsplit("/", 1)[1] for client_id, link in links.items()}
    jobs = await store.invitations.claim_many(len(invited))
    refused = {job.invitation_id for job in jobs[:6]}
    await store.invitations.record([
        DeliveryResult(job, error="550 5.1.1 Mailbox unavailable", permanent=True)
        if job.invitation_id in refused else DeliveryResult(job, answer="250 OK (demo)")
        for job in jobs])
    store.clock = old
    await store.invitations.expire()  # sent 40 days ago: past their 30 days
    # In bulk from here (one operation for many clients, as a firm's bulk run does): one by
    # one, the rest of the seed was some 1,900 statements, most of the demo's start.
    resent = invited[6:16]  # these were re-sent recently: pending
    await store.invitations.invite_many(
        [InviteRequest(d["id"], tax_year, d["email"], d["language"],
                       _fake_message(d["id"], d["email"]))
         for d in await store.clients.many_details(resent)],
        preparer.id, "http://127.0.0.1:8765", reinvite=True)
    await store.invitations.record([DeliveryResult(job, answer="250 OK (demo)")
                                    for job in await store.invitations.claim_many(100)])
    store.clock = lambda: old() - dt.timedelta(days=35)  # accepted in time (links valid then)
    await store.invitations.accept_many([tokens[c] for c in invited[16:60]])
    store.clock = old
    for client_id in rest[:8]:
        await store.invitations.set_active(client_id, False, preparer.id)
    # The list opens sorted by name: its first screen's pending clients are reminded first.
    by_name = sorted((c for c in ids if c not in rest[:8]), key=lambda c: (names[c], c))
    first_screen = set(by_name[:FIRST_SCREEN])
    reminded = sorted(rest[8:8 + REMINDED], key=lambda c: c not in first_screen)
    await _reminders_falling_due(store, preparer, tax_year, reminded)
    return preparer, rest[8 + REMINDED:]


def member_rows(rng: random.Random, language: str) -> list:
    """The network's made-up members, checked as an imported directory file's rows are."""
    from store.directory_import import check_row

    rows = [check_row(i + 2, dict(zip(demo_data.MEMBER_COLUMNS,
                                      demo_data.member(rng, i, language), strict=True)))
            for i in range(MEMBERS)]
    return [r for r in rows if not hasattr(r, "reason")]


async def seed_members(store: Store, rng: random.Random, language: str = "en") -> None:
    """The 20,000 network members: made in a thread (seconds of CPU the screen must not
    wait for), written in short transactions, switched on together at the end."""
    from store.directory_import import load_members

    await load_members(store, await asyncio.to_thread(member_rows, rng, language))


async def _reminders_falling_due(store: Store, preparer, tax_year: int, client_ids: list[int]
                                 ) -> None:
    """Reminders on (after 7 days), and invitations sent just under 7 days ago, one falling
    due every REMIND_EVERY seconds: the pipeline's own sweep sends their reminders while the
    demo runs, as it would for a firm."""
    from store.reminders import ReminderSettings

    await store.reminders.configure(preparer.firm_id, ReminderSettings(on=True, days=7, most=1))
    old = store.clock
    try:
        # Queued together, then each delivered at its own moment: the moment it was sent is
        # what its reminder counts from.
        store.clock = lambda: old() - dt.timedelta(days=7)
        invited = (await store.invitations.invite_many(
            [InviteRequest(d["id"], tax_year, d["email"], d["language"],
                           _fake_message(d["id"], d["email"]))
             for d in await store.clients.many_details(client_ids)],
            preparer.id, "http://127.0.0.1:8765")).invited
        jobs = {job.invitation_id: job
                for job in await store.invitations.claim_many(len(client_ids))}
        for n, client_id in enumerate(client_ids, 1):
            sent = old() - dt.timedelta(days=7) + dt.timedelta(seconds=n * REMIND_EVERY)
            store.clock = lambda sent=sent: sent
            await store.invitations.record([DeliveryResult(jobs[invited[client_id]],
                                                           answer="250 OK (demo)")])
    finally:
        store.clock = old


class SimulatedClients:
    """People who read their mail and accept: they press Confirm a few seconds after it lands.

    Those at `eager` addresses (the first screen's) always accept: whoever watches the demo
    sees the rows they look at go from pending to accepted."""

    def __init__(self, maildir: Path, rng: random.Random, eager: frozenset[str] = frozenset()
                 ) -> None:
        self.maildir = maildir
        self.rng = rng
        self.eager = eager
        self.seen: set[str] = set()
        self.accepted = 0

    async def run(self) -> None:
        import aiohttp

        from linkdesk.mail.capture import read_captured

        async with aiohttp.ClientSession() as http:
            while True:
                await asyncio.sleep(0.5)
                mails = await asyncio.to_thread(read_captured, self.maildir)
                for mail in mails:
                    if mail.key in self.seen:
                        continue
                    self.seen.add(mail.key)
                    link = re.search(r"http://127\.0\.0\.1:\d+/i/[\w-]+", mail.text)
                    eager = parseaddr(mail.recipient)[1].lower() in self.eager
                    if link and (self.rng.random() < ACCEPT_SHARE or eager):
                        asyncio.get_running_loop().create_task(
                            self._accept_later(http, link.group(0)))

    async def _accept_later(self, http, link: str) -> None:
        await asyncio.sleep(self.rng.uniform(1.5, 6.0))
        with contextlib.suppress(Exception):  # the demo may be quitting
            async with http.get(link) as page:  # they open the link first...
                await page.read()
            async with http.post(link) as done:  # ...then press Confirm
                if done.status == 200:
                    self.accepted += 1


class Demo:
    """Everything the demo made, to start and to remove."""

    def __init__(self, settings_base, seed_value: int = 2025, language: str | None = None
                 ) -> None:
        self.base = settings_base
        self.language = language or current_language()  # of the made-up firm and clients
        self.rng = random.Random(seed_value)  # noqa: S311 - made-up data, not secrets
        self.member_rng = random.Random(seed_value + 1)  # noqa: S311 - its own: in a thread
        self.members_loaded: asyncio.Task | None = None
        self.directory = Path(tempfile.mkdtemp(prefix="linkdesk-demo-"))
        self.store: Store | None = None
        self.settings = None
        self.preparer = None
        self.not_invited: list[int] = []  # in the order the demo invites them
        self.shown: list[int] = []  # of them, those on the list's first screen
        self.eager: frozenset[str] = frozenset()  # the first screen's who accept their mail
        self.clients: SimulatedClients | None = None
        self.activity = None  # linkdesk.demo_activity.KeepMoving, once started
        self._tasks: list[asyncio.Task] = []

    async def prepare(self) -> Demo:
        from dataclasses import replace

        port = _free_port()
        self.settings = replace(
            self.base, db_url=str(self.directory / "demo.db"), smtp_url="",
            data_dir=self.directory / "data", link_base=f"http://127.0.0.1:{port}",
            sender_address="portail@demo.example.com",
            hooks_url="", hooks_secret="")  # made-up clients never reach the firm's systems
        self.store = await Store.open(self.settings.db_url, pool_size=8,
                                      region=self.settings.region)
        self.preparer, not_invited = await seed(self.store, self.settings.tax_year, self.rng,
                                                self.language)
        # The list as it opens (by name): its not-invited rows are the demo's show.
        rows = await self.store.clients.page(
            ClientQuery(self.preparer.firm_id, self.settings.tax_year), 0, FIRST_SCREEN)
        waiting = set(not_invited)
        first_screen = [row for row in rows if row.id in waiting]
        self.shown = [row.id for row in first_screen]
        # They accept, and so do the pending ones there when their reminder comes.
        self.eager = frozenset(row.email.lower() for row in rows
                               if row.id in waiting or row.status == "pending")
        # A couple first in the first wave; the rest of the wave from further down the list.
        shown = set(self.shown)
        self.not_invited = [*self.shown[:SHOWN_IN_FIRST_WAVE],
                            *(c for c in not_invited if c not in shown)]
        await self.store.release()
        return self

    def start_clients(self, runtime=None) -> None:
        """The simulated clients, and a colleague who keeps inviting after the first wave."""
        loop = asyncio.get_running_loop()
        self.clients = SimulatedClients(self.settings.maildir, self.rng, self.eager)
        self.activity = self.colleague(runtime)
        self.members_loaded = loop.create_task(
            seed_members(self.store, self.member_rng, self.language))
        self._tasks = [loop.create_task(self.clients.run()), loop.create_task(self.activity.run()),
                       self.members_loaded]

    def colleague(self, runtime=None, **options):
        """Who keeps inviting after the first wave: one of the first screen's clients every
        other move (`options` go to KeepMoving: a test's sleep)."""
        from linkdesk.demo_activity import KeepMoving

        later = self.not_invited[FIRST_WAVE:]
        return KeepMoving(
            self.store, self.preparer, self.settings, later, self.rng,
            shown=self.shown[SHOWN_IN_FIRST_WAVE:],
            wake=runtime.wake_delivery if runtime is not None else None,
            process_id=runtime.process_id if runtime is not None else None, **options)

    def first_invitations(self) -> list[int]:
        """Who the demo invites at start: enough for the list to move at once."""
        return self.not_invited[:FIRST_WAVE]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.store is not None:
            await self.store.close()
        # Work handed to a thread before a cancel (a bulk write) can still be finishing and
        # write a file back: remove until nothing is left, for up to two seconds.
        for _attempt in range(20):
            shutil.rmtree(self.directory, ignore_errors=True)
            if not self.directory.exists():
                break
            await asyncio.sleep(0.1)


def _load_desk(region: str) -> None:
    """Import the app and what the client list draws with (phone numbers, Babel's data)."""
    from tui.app import preload_client_list

    preload_client_list(region)


async def run_demo(base_settings) -> int:
    """Prepare, run the app signed in as the demo preparer, remove everything at the end."""
    demo = Demo(base_settings)
    loop = asyncio.get_running_loop()
    main = asyncio.current_task()
    running_app = []

    def stop() -> None:
        """A closed terminal (SIGHUP) or SIGTERM, at any moment: while preparing, stop
        preparing; once the app runs, quit it. Either way the directory goes."""
        if running_app:
            running_app[0].exit()
        elif main is not None:
            main.cancel()

    for sig in (signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(sig, stop)
    try:
        print(_("Preparing the demo in {directory} …").format(directory=demo.directory),
              flush=True)
        # The desk's code is loaded in a thread while the firm is made: the seeding mostly
        # waits on the database's thread, and the two took turns before (3 s of 6 under load).
        desk_loaded = asyncio.ensure_future(asyncio.to_thread(_load_desk, base_settings.region))
        await demo.prepare()
        await desk_loaded
        from linkdesk.runtime import Runtime
        from tui.app import make_app

        runtime = Runtime(demo.settings, demo.store)
        app = make_app(demo.settings, demo.store, runtime, demo=demo)
        running_app.append(app)
        try:
            return await app.run_async() or 0
        finally:
            await runtime.stop()
    except asyncio.CancelledError:
        return 129  # ended by a signal while preparing (128 + SIGHUP's number)
    finally:
        for sig in (signal.SIGTERM, signal.SIGHUP):
            loop.remove_signal_handler(sig)
        await demo.close()

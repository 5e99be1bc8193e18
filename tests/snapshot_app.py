"""Every screen of the desk drawn as an SVG, in one look and any languages: `python -m
tests.snapshot_app LANG[,LANG...] LOOK DIR [CASE...]` writes DIR/<lang>/<case>.svg for each
language and case named, or for all of them (tests/test_snapshots.py compares them with the
ones committed). The languages are drawn one after the other in the one process: every string,
key descriptions included, is translated when shown. LOOK is `colour`, `no_color` (NO_COLOR
set, as Textual reads it when an app starts) or `linux` (the Linux console's 16 colours,
TERM=linux: what the terminal is sent after Rich's downgrade).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

NOW = dt.datetime(2026, 3, 2, 9, 0, 0)
TAX_YEAR = 2025
SMALL, LARGE = (80, 24), (120, 40)

# name: (terminal size, keys after signing in, the screen then on top). "*" marks the clients
# of the list: each case starts on a fresh database with the same clients.
CASES: dict[str, tuple[tuple[int, int], tuple[str, ...], str]] = {
    "first_run": (SMALL, (), "CreateAccountScreen"),
    "sign_in": (SMALL, (), "SignInScreen"),
    "clients": (SMALL, (), "ClientsScreen"),
    "clients_120x40": (LARGE, (), "ClientsScreen"),
    "clients_pending_row": (SMALL, ("down", "down"), "ClientsScreen"),
    "add_client": (SMALL, ("a",), "AddClientScreen"),
    "add_client_refused": (SMALL, ("a", "ctrl+s"), "AddClientScreen"),
    "edit_client": (SMALL, ("d",), "EditClientScreen"),
    "change_email": (SMALL, ("e",), "ChangeEmailScreen"),
    "invite": (SMALL, ("i",), "InviteScreen"),
    "cancel_confirm": (SMALL, ("down", "down", "c"), "ConfirmScreen"),
    "history": (SMALL, ("down", "down", "t"), "TimelineScreen"),
    "help": (SMALL, ("question_mark",), "HelpScreen"),
    "bulk_invite": (SMALL, ("asterisk", "i"), "BulkInviteScreen"),
    "reminders": (SMALL, ("w",), "RemindersScreen"),
    "import_clients": (SMALL, ("I",), "ImportClientsScreen"),
    "export_clients": (SMALL, ("X",), "ExportClientsScreen"),
    "sent_mail": (SMALL, ("o",), "SentMailScreen"),
    "books": (SMALL, ("end", "b"), "BooksScreen"),
    "books_vendors": (SMALL, ("end", "b", "2"), "BooksScreen"),
    "company_profile": (SMALL, ("end", "b", "p"), "CompanyProfileScreen"),
    "network_search": (SMALL, ("end", "b", "n"), "NetworkSearchScreen"),
    "new_customer": (SMALL, ("end", "b", "c"), "ContactFormScreen"),
    "invoices": (SMALL, ("end", "b", "i"), "InvoicesScreen"),
    "invoice_form": (SMALL, ("end", "b", "i", "n"), "InvoiceFormScreen"),
    "bills": (SMALL, ("end", "b", "b"), "BillsScreen"),
    "payment_schedule": (SMALL, ("end", "b", "b", "s"), "PaymentScheduleScreen"),
    # Appended, so that the cases above keep their part (and their pictures' names).
    "reinvite_days": (SMALL, ("R",), "AskDaysScreen"),
    "bill_review": (SMALL, ("end", "b", "b", "enter"), "BillReviewScreen"),
    "bill_paid": (SMALL, ("end", "b", "b", "m"), "BillPaidScreen"),
    "bill_import": (SMALL, ("end", "b", "b", "I"), "BillImportScreen"),
    # Empty states: a firm with no clients yet, and a search that matches none.
    "clients_empty": (SMALL, (), "ClientsScreen"),
    "clients_no_match": (SMALL, ("slash", *"zzzzq"), "ClientsScreen"),
    # The desk over SSH: the keys (an admin's view), adding one, who is connected.
    "ssh_keys": (SMALL, ("k",), "SshKeysScreen"),
    "add_ssh_key": (SMALL, ("k", "a"), "AddSshKeyScreen"),
    "ssh_sessions": (SMALL, ("k", "s"), "SshSessionsScreen"),
    # The webhooks sent to the firm's systems: delivered, waiting, failed.
    "hook_events": (SMALL, ("W",), "HookEventsScreen"),
}

NO_CLIENTS = {"clients_empty"}  # a firm and its preparer, and nothing else
SSH_CASES = {"ssh_keys", "add_ssh_key", "ssh_sessions"}  # keys, and sessions open
HOOK_CASES = {"hook_events"}  # three webhook events, one in each state a person acts on
SSH_KEYS = {  # made once by ssh-keygen; only their public halves, as the store keeps them
    "marie": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILqa2zXVHBRPEiCorUY6dBOPus+3dqZ89FrtBSzzX4Sg "
             "marie@laptop",
    "luc": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICL8vU2LJrndYN508d6jQzLu8Mtw7HlOCJRqj6RYzcmw "
           "luc@bureau",
}
LOOKS = ("colour", "no_color", "linux")

CLIENTS = [  # (kind, name(s), email, phone, status)
    ("individual", ("Émilie", "Gagnon"), "emilie@example.com", "514 555 0199", None),
    ("individual", ("Luc", "Roy"), "luc.roy@example.com", "", "failed"),
    ("organization", "Plomberie Gagnon & Fils", "info@gagnon.ca", "418 555 0100", "pending"),
    ("individual", ("Anne-Marie", "Côté-Lévesque"), "am.cote@example.com", "", "expired"),
    ("organization", "Toiture Fortin inc.", "t@fortin.ca", "", "sending"),
    ("individual", ("Jean", "Tremblay"), "jean@example.com", "819 555 0123", None),
    ("organization", "Zinc & Zèbre ltée", "zz@example.com", "", "accepted"),
]


def fixed_clock() -> dt.datetime:
    return NOW


BILL_CASES = {"bill_review": "waiting", "bill_paid": "approved"}  # a bill in the books


async def with_hooks(store) -> None:
    """A paid bill the receiver refused (failed), an acceptance delivered, an approval waiting
    after a dead port: as the worker records them, set here at the fixed clock."""
    from store.hooks import REFUSALS
    from store.models import HookEvent

    async with store.write():
        failed, sent, waiting = [
            (await store.hooks.queue(kind, [{"n": 1}]))[0]
            for kind in ("bill.paid", "invitation.accepted", "bill.approved")]
    for number, (event_id, changes) in enumerate((
            (failed, dict(state="failed", attempts=REFUSALS, refusals=REFUSALS, last_status=401,
                          last_error="HTTP 401", last_at=NOW)),
            (sent, dict(state="sent", attempts=1, last_status=204, last_at=NOW, sent_at=NOW)),
            (waiting, dict(state="queued", attempts=1,
                           last_error="cannot connect: connection refused", last_at=NOW)))):
        await store.execute(HookEvent.update(event_id=f"evt_{number:024d}", **changes)
                            .where(HookEvent.event_id == event_id))  # the same in every picture


async def with_ssh(store) -> None:
    """A colleague, a key each, and two sessions open through a living service: luc's and a
    demo's."""
    from linkdesk.ssh.keys import read_key_line
    from store.pipeline import SERVICE
    from store.ssh_door import DEMO, DESK
    from tests.helpers import make_preparer

    luc = await make_preparer(store, "luc")
    for name, line in SSH_KEYS.items():
        await store.ssh.add_key(name, read_key_line(line))
    service = await store.pipeline.register(SERVICE, runs_pipeline=True)
    luc_key = read_key_line(SSH_KEYS["luc"]).fingerprint
    await store.ssh.opened(luc.id, DESK, luc_key, "192.0.2.7", service)
    await store.ssh.opened(None, DEMO, "", "198.51.100.4", service)


async def populate(store, empty: bool, bill: str | None = None, *,
                   clients: bool = True) -> None:
    from store import ClientDraft, check_draft
    from tests.helpers import make_preparer, set_status

    if empty:
        return
    firm = await make_preparer(store)
    if not clients:
        return
    books = None
    for kind, name, email, phone, status in CLIENTS:
        fields = ({"organization_name": name} if kind == "organization"
                  else {"first_name": name[0], "last_name": name[1]})
        clean = check_draft(ClientDraft(kind=kind, email=email, phone=phone, **fields))
        client_id = await store.clients.add(firm.firm_id, clean, firm.id)
        if status is not None:
            await set_status(store, client_id, TAX_YEAR, status)
            if status == "accepted":
                books = await store.network.ensure_books(client_id)
    if bill is not None:
        await _a_bill(store, firm, books, approved=bill == "approved")


async def _a_bill(store, firm, books: int, *, approved: bool) -> None:
    """A member's invoice to these books, arrived as a bill (and approved, when asked)."""
    from decimal import Decimal

    from store.invoices import LineDraft
    from store.validate import Details
    from tests.helpers import member_bill

    pay_on = store.today() + dt.timedelta(days=10)
    await member_bill(
        store, firm, books, Details("Zinc & Zèbre ltée", "zz@example.com", "", "", "", ""),
        [LineDraft("Réparation d'une fuite", Decimal("2"), Decimal("95.00"), "GST+QST")],
        due=pay_on)
    if approved:
        (row,) = await store.bills.list(books)
        view = await store.bills.get(row.id)
        (category, *_others) = await store.bills.categories(books)
        await store.bills.approve(row.id, categories=[category[0]] * len(view.categories),
                                  pay_on=pay_on, preparer_id=firm.id, create_vendor=True)


async def quiet(app, *, timers: bool = False) -> None:
    """Until no key waits its turn and the screen on top and its widgets have had nothing left
    to read for a few looks in a row (a worker a key starts may not have started at the first
    look, on a loaded machine); with `timers`, also the timers a screen sets before the
    picture, such as a count after typing."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    still, busy = 0, []
    while still < 3:
        if loop.time() > deadline:
            raise TimeoutError(f"the screen never went quiet: {busy}")
        await asyncio.sleep(0.02)
        screen = app.screen
        busy = [w for w in app.workers if (w.is_running or w.state.name == "PENDING")
                and w.node is not app and getattr(w.node, "screen", None) is screen]
        still = 0 if busy or app.keys_pending else still + 1
    if timers:
        await asyncio.sleep(0.15)  # a count after typing waits 0.12 s


class LinuxConsoleColours:
    """What TERM=linux shows: Rich sends a 16-colour terminal each colour's nearest of the
    standard palette (ColorSystem.STANDARD), so the picture is drawn with those colours."""

    enabled = True

    def apply(self, segments, background):
        from rich.color import ColorSystem
        from rich.segment import Segment
        from rich.style import Style

        def down(color):
            return None if color is None else color.downgrade(ColorSystem.STANDARD)

        return [Segment(text, None if style is None else style + Style.from_color(
                    down(style.color), down(style.bgcolor)), control)
                for text, style, control in segments]


async def shoot(name: str, out: Path, look: str = "colour") -> None:
    from textual.widgets import Input

    from linkdesk.settings import Settings
    from store import Store
    from tests.harness import burst
    from tests.helpers import PASSWORD
    from tui.app import make_app

    size, keys, expected = CASES[name]
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        store = await Store.open(str(Path(tmp) / "snap.db"), clock=fixed_clock)
        try:
            await populate(store, empty=name == "first_run", bill=BILL_CASES.get(name),
                           clients=name not in NO_CLIENTS)
            if name in SSH_CASES:
                await with_ssh(store)
            if name in HOOK_CASES:
                await with_hooks(store)
            settings = Settings(db_url="(given store)", tax_year=TAX_YEAR,
                                data_dir=Path(tmp))
            app = make_app(settings, store)
            assert app.no_color == (look == "no_color"), "NO_COLOR is read from the environment"
            if look == "linux":
                filters = app.get_line_filters
                app.get_line_filters = lambda: [*filters(), LinuxConsoleColours()]
            os.chdir("/")  # the e-invoice import starts from here: the same on every machine
            async with app.run_test(size=size) as pilot:
                await quiet(app)
                if name not in ("first_run", "sign_in"):
                    burst(pilot, *"marie", "enter", *PASSWORD, "enter")  # a typist's burst
                    await quiet(app)
                for key in keys:
                    await pilot.press(key)
                    await quiet(app)
                for _ in range(100):
                    if type(app.screen).__name__ == expected:
                        break
                    await asyncio.sleep(0.05)
                assert type(app.screen).__name__ == expected, (name, app.screen)
                await quiet(app, timers=True)
                for field in app.screen.query(Input):  # a still cursor, not a blink
                    field.cursor_blink = False
                await pilot.pause()
                svg = app.export_screenshot(title="linkdesk")
        finally:
            os.chdir(here)
            await store.close()
    (out / f"{name}.svg").write_text(svg, encoding="utf-8")


async def main(languages: list[str], look: str, out: Path, names: list[str]) -> None:
    from linkdesk.i18n import set_language

    for language in languages:
        set_language(language)  # the screens are imported already: they translate as they draw
        (out / language).mkdir(parents=True, exist_ok=True)
        for name in names or CASES:
            await shoot(name, out / language, look)


if __name__ == "__main__":
    from argon2 import PasswordHasher, Type

    from store import accounts

    # Passwords are not what these pictures show: the cheapest hash (as tests/conftest.py).
    accounts.HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, type=Type.ID)
    assert sys.argv[2] in LOOKS, f"a look is one of {LOOKS}"
    asyncio.run(main(sys.argv[1].split(","), sys.argv[2], Path(sys.argv[3]), sys.argv[4:]))

"""What the list and the searches draw answers what the box holds now, whatever order the
database's answers come back in."""

from __future__ import annotations

import asyncio
import random

from textual.widgets import Input, Static

from store.directory_import import load_members, member_row
from tests.harness import (
    TAX_YEAR,
    answered_even_if_cancelled,
    burst,
    on_sqlite,
    running,
    settle,
    sign_in,
    table,
)
from tests.helpers import PASSWORD, add_client, make_preparer, set_status
from tui.screens.clients import ClientsScreen
from tui.screens.network_search import NetworkSearchScreen
from tui.widgets.member_matches import MemberMatches

pytestmark = on_sqlite

NAMES = ["Tremblay", "Tremblay-Roy", "Trépanier", "Tran", "Roy", "Martin", "Gagnon"]


def slowed(method, rng: random.Random):
    """The real store method, answering after a random delay, and finishing even when the
    worker that asked is cancelled (as a query already handed to the database thread does)."""

    async def call(*args, **kwargs):
        # The cancel is swallowed: the answer still comes back, late.
        return await answered_even_if_cancelled(
            _late(method, rng.uniform(0, 0.06), args, kwargs))

    return call


async def type_in_reads(pilot, term: str, rng: random.Random) -> None:
    """Type `term` as a terminal delivers it over a slow link: in a few reads of one burst
    each, a few milliseconds apart (typing pace, not a wait for the app)."""
    cuts = sorted(rng.sample(range(1, len(term)), min(2, len(term) - 1)))
    for start, end in zip([0, *cuts], [*cuts, len(term)], strict=True):
        burst(pilot, *term[start:end])
        await asyncio.sleep(rng.uniform(0.005, 0.04))


async def _late(method, delay, args, kwargs):
    await asyncio.sleep(delay)
    return await method(*args, **kwargs)


async def test_a_term_typed_in_one_burst_shows_its_own_rows(store, monkeypatch):
    firm = await make_preparer(store)
    for name in NAMES:
        await add_client(store, firm.firm_id, organization_name=name, email=f"x@{name}.ca")
    rng = random.Random(7)
    for name in ("page", "count", "position"):
        monkeypatch.setattr(store.clients, name, slowed(getattr(store.clients, name), rng))
    async with running(store) as pilot:
        await sign_in(pilot, "marie", PASSWORD)
        screen = pilot.app.screen
        assert isinstance(screen, ClientsScreen)
        for term in ("tremblay", "tr", "tremblay-", "roy", "gagnon") * 4:
            box = screen.query_one("#search", Input)
            box.focus()
            await settle(pilot)
            box.value = ""
            await settle(pilot)
            await type_in_reads(pilot, term, rng)
            await settle(pilot)
            expected = sorted(n for n in NAMES if term in n.lower()
                              or any(w.startswith(term) for w in n.lower().split("-")))
            shown = sorted(r.display_name for r in table(pilot.app).loaded_rows())
            assert box.value == term
            assert shown == expected, term
            info = str(screen.query_one("#list-info", Static).render())
            assert info.startswith(f"{len(expected)} shown"), (term, info)


async def test_network_search_typed_in_one_burst_shows_its_own_matches(store, monkeypatch):
    firm = await make_preparer(store)
    client_id = await add_client(store, firm.firm_id, organization_name="Toiture Fortin",
                                 email="info@fortin.ca")
    await set_status(store, client_id, TAX_YEAR, "accepted")
    async with store.write():
        await store.network.open_books_for(client_id)
    await load_members(store, [member_row(f"M{n}", name, city="Lévis") for n, name in
                               enumerate(["Plomberie Gagnon", "Gagnon Électrique",
                                          "Garage Gauthier", "Boulangerie Roy"])])
    rng = random.Random(3)
    network = store.network
    monkeypatch.setattr(network, "search", slowed(network.search, rng))
    async with running(store) as pilot:
        await sign_in(pilot, "marie", PASSWORD)
        burst(pilot, "b", "n")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, NetworkSearchScreen)
        for term in ("gagnon", "gag", "garage", "gauthier") * 3:
            box = screen.query_one("#term", Input)
            box.value = ""
            await settle(pilot)
            await type_in_reads(pilot, term, rng)
            await settle(pilot)
            shown = [c.name for c in screen.query_one(MemberMatches).cards]
            expected = await store.network.search(screen.company_id, term)
            assert shown == [c.name for c in expected], term


async def test_a_burst_of_changes_from_elsewhere_is_drawn_together_and_ends_current(store):
    """A thousand bounces a minute must not redraw the list a thousand times a minute, nor
    cancel the reload a key asked for; the last change is always drawn."""
    firm = await make_preparer(store)
    ids = [await add_client(store, firm.firm_id, organization_name=f"Org {i}",
                            email=f"o{i}@x.ca") for i in range(30)]
    async with running(store) as pilot:
        await sign_in(pilot, "marie", PASSWORD)
        screen = pilot.app.screen
        assert isinstance(screen, ClientsScreen)
        asked = []
        page = store.clients.page

        async def counted(*args, **kwargs):
            asked.append(1)
            return await page(*args, **kwargs)

        store.clients.page = counted
        # 50 change notices in a moment, the last after the last change. Each lets the app
        # run (sleep(0)), but none waits on the clock: on a loaded machine 50 short sleeps
        # outlasted the redraw window and the count below measured the machine's load.
        for i in range(50):
            if i == 49:
                await set_status(store, ids[0], TAX_YEAR, "failed")
            pilot.app.store_changed()
            await asyncio.sleep(0)
        await asyncio.sleep(0.4)
        await settle(pilot)
        assert len(asked) <= 3  # one redraw at once, one at the end of the window
        assert screen.counts["failed"] == 1  # the last change is on screen

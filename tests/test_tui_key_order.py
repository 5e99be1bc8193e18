"""Keys typed ahead in one burst (a paste, a slow SSH link) end exactly as if typed slowly."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from store.directory_import import load_members, member_row
from tests.harness import TAX_YEAR, burst, on_sqlite, open_list, running, settle, table
from tests.helpers import add_client, make_preparer, set_status
from tui.screens.books import BooksScreen
from tui.screens.clients import ClientsScreen
from tui.screens.invite import InviteScreen
from tui.screens.network_search import NetworkSearchScreen
from tui.widgets.member_matches import MemberMatches

pytestmark = on_sqlite


@pytest.fixture
async def firm(store):
    return await make_preparer(store)


async def test_slash_then_a_term_types_the_term_into_the_search_box(store, firm):
    for name in ("Tremblay", "Roy", "Martin"):
        await add_client(store, firm.firm_id, organization_name=name, email=f"{name}@x.ca")
    async with running(store) as pilot:
        await open_list(pilot)
        for _ in range(5):
            burst(pilot, "/", *"tremblay")
            await settle(pilot)
            screen = pilot.app.screen
            assert isinstance(screen, ClientsScreen)
            assert screen.query_one("#search", Input).value == "tremblay"
            assert [r.display_name for r in table(pilot.app).loaded_rows()] == ["Tremblay"]
            assert screen.sort == "name" and not screen.descending
            burst(pilot, "escape", "escape")
            await settle(pilot)
            assert screen.query_one("#search", Input).value == ""


async def test_a_then_the_whole_form_in_one_burst(store, firm):
    async with running(store) as pilot:
        await open_list(pilot)
        burst(pilot, "a", *"Sophie", "enter", *"Roy", "enter", *"sophie@example.ca", "ctrl+s")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ClientsScreen)
        assert table(pilot.app).current.display_name == "Roy, Sophie"
        assert table(pilot.app).current.email == "sophie@example.ca"


async def test_i_then_ctrl_s_sends_the_invitation(store, firm):
    await add_client(store, firm.firm_id, first_name="Émilie", last_name="Gagnon",
                     email="emilie@example.com")
    async with running(store) as pilot:
        await open_list(pilot)
        burst(pilot, "i", "ctrl+s")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, InviteScreen)
        assert isinstance(pilot.app.screen, ClientsScreen)
        assert table(pilot.app).current.status != "not_invited"


async def test_b_then_n_then_a_term_lands_in_the_network_search(store, firm):
    client_id = await add_client(store, firm.firm_id, organization_name="Toiture Fortin",
                                 email="info@fortin.ca")
    await set_status(store, client_id, TAX_YEAR, "accepted")
    async with store.write():
        await store.network.open_books_for(client_id)
    await load_members(store, [member_row("M1", "Plomberie Gagnon", city="Lévis")])
    async with running(store) as pilot:
        await open_list(pilot)
        burst(pilot, "b", "n", *"Gagnon")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, NetworkSearchScreen)
        assert isinstance(pilot.app.screen_stack[-2], BooksScreen)
        assert screen.query_one("#term", Input).value == "Gagnon"
        assert [c.name for c in screen.query_one(MemberMatches).cards] == ["Plomberie Gagnon"]


async def test_150_spaces_select_150_clients_across_pages(store, firm):
    for n in range(260):
        await add_client(store, firm.firm_id, organization_name=f"Client {n:03}",
                         email=f"c{n}@x.ca")
    async with running(store) as pilot:
        await open_list(pilot)
        burst(pilot, *(["space"] * 150))
        await settle(pilot)
        assert len(table(pilot.app).selected) == 150
        assert table(pilot.app).cursor == 150


async def test_a_key_that_arrives_when_no_screen_is_left_is_dropped(store, firm):
    # run_test closes the screens while the App still reads its queue, so a key of a burst
    # that bubbles back after that met an empty stack and stopped the app ("No screens on
    # stack", seen in CI). The same App, before any screen is pushed, is that state.
    from tests.harness import settings
    from tui.app import make_app
    from tui.textual_patches.keys import key_event

    app = make_app(settings(), store)
    assert not app.screen_stack
    await app.on_event(key_event(app, "space"))
    assert not app.keys_pending


async def test_star_then_i_in_one_burst_invites_every_client(store, firm):
    # `*` reads every id of the list in a worker: the `i` typed after it waits for it, and
    # the bulk invitation offered is for all of them, not for an empty selection.
    from tui.screens.bulk_invite import BulkInviteScreen

    for n in range(3):
        await add_client(store, firm.firm_id, organization_name=f"Client {n}",
                         email=f"c{n}@x.ca")
    async with running(store) as pilot:
        await open_list(pilot)
        burst(pilot, "asterisk", "i")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, BulkInviteScreen)
        assert len(screen.reached) == 3

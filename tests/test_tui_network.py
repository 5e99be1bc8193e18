"""The business network on screen, from the keyboard: books, search, forms filled from members."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Static, Switch

from store.directory_import import load_members, member_row
from store.models import Company
from tests.harness import on_sqlite, running, settle, sign_in, table, type_text
from tests.helpers import PASSWORD, add_client, make_preparer
from tui.screens.books import BooksScreen
from tui.screens.clients import ClientsScreen
from tui.screens.company_profile import CompanyProfileScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.contact_form import ContactFormScreen
from tui.screens.network_search import NetworkSearchScreen
from tui.widgets.member_matches import MemberMatches

pytestmark = on_sqlite


@pytest.fixture
async def firm(store):
    return await make_preparer(store)


@pytest.fixture
async def client_books(store, firm):
    """An Organization client that accepted its invitation: it has books, it is a member."""
    client_id = await add_client(store, firm.firm_id, organization_name="Toiture Fortin",
                                 email="info@fortin.ca")
    async with store.write():
        books = await store.network.open_books_for(client_id)
    await load_members(store, [
        member_row("M1", "Plomberie Gagnon & Fils", email="info@gagnon.ca",
                   phone="418-555-0100", city="Lévis", website="gagnon.ca"),
        member_row("M2", "Boulangerie Québec", city="Québec"),
        member_row("M3", "Gagnon Caché", visible=False),
        member_row("M4", "Gagnon Boston", region="US"),
    ])
    return books


async def member_id(store, key):
    return await store.scalar(Company.select(Company.id).where(Company.member_key == key))


async def open_books(pilot, key="b"):
    await sign_in(pilot, "marie", PASSWORD)
    assert isinstance(pilot.app.screen, ClientsScreen)
    await pilot.press(key)
    await settle(pilot)
    assert isinstance(pilot.app.screen, BooksScreen)


def matches_shown(screen) -> list[str]:
    return [card.name for card in screen.query_one(MemberMatches).cards]


async def test_search_screen_finds_only_what_the_rules_allow(store, firm, client_books):
    async with running(store) as pilot:
        await open_books(pilot)
        await pilot.press("n")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, NetworkSearchScreen)
        await type_text(pilot, "gagnon")
        await settle(pilot)
        assert matches_shown(screen) == ["Plomberie Gagnon & Fils"]
        detail = str(screen.query_one("#member-detail", Static).render())
        assert "info@gagnon.ca" in detail and "Lévis" in detail
        assert "not verified" in str(screen.query_one("#unverified", Static).render())
        await pilot.press(*["backspace"] * 6)
        await type_text(pilot, "QUEB")  # case and accents do not matter
        await settle(pilot)
        assert matches_shown(screen) == ["Boulangerie Québec"]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, BooksScreen)


async def test_new_vendor_filled_from_a_match_stays_linked(store, firm, client_books):
    async with running(store) as pilot:
        await open_books(pilot)
        # An empty tab says which keys fill it; it goes once the tab has a row.
        assert pilot.app.screen.query_one("#empty-vendor").display
        await pilot.press("v")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, ContactFormScreen)
        await type_text(pilot, "plomb")
        await settle(pilot)
        assert matches_shown(form) == ["Plomberie Gagnon & Fils"]
        await pilot.press("down", "enter")  # into the matches, choose the first
        await settle(pilot)
        assert form.query_one("#input-email").value == "info@gagnon.ca"
        assert form.query_one("#input-website").value == "https://gagnon.ca"
        assert pilot.app.focused.id == "input-email"
        await pilot.press("ctrl+s")
        await settle(pilot)
        books = pilot.app.screen
        assert isinstance(books, BooksScreen) and books.role == "vendor"
        (row,) = books.rows["vendor"]
        assert row.linked and row.details.city == "Lévis"
        assert books.query_one("#table-vendor", DataTable).row_count == 1
        assert not books.query_one("#empty-vendor").display
    # The member changes its details: the vendor follows.
    from store.validate import Details

    member = await member_id(store, "M1")
    await store.network.update_profile(member, Details(
        "Plomberie Gagnon & Fils", "compta@gagnon.ca", "", "https://gagnon.ca", "", "Lévis"))
    (row,) = await store.network.contacts(client_books, "vendor")
    assert row.details.email == "compta@gagnon.ca"


async def test_a_held_change_is_reviewed_from_the_books(store, firm, client_books):
    from store.validate import Details

    member = await member_id(store, "M2")
    card = (await store.network.search(client_books, "boulangerie"))[0]
    contact = await store.network.add_contact(client_books, "customer", card.details, member)
    await store.network.edit_contact(contact, Details("Boulangerie Québec (Lévis)"))
    await store.network.update_profile(member, Details("Boulangerie Québec Inc.",
                                                       phone="+14185550123", city="Québec"))
    async with running(store) as pilot:
        await open_books(pilot)
        books = pilot.app.screen
        assert books.query_one("#table-customer", DataTable).get_row_at(0)[0] == "●"
        await pilot.press("u")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConfirmScreen)
        assert "Boulangerie Québec Inc." in pilot.app.screen.question
        assert "(418) 555-0123" in pilot.app.screen.question  # as the list writes phones
        await pilot.press("y")
        await settle(pilot)
    row = await store.network.contact(contact)
    assert row.details.name == "Boulangerie Québec Inc." and row.pending is None


async def test_hiding_a_company_asks_first_and_spells_out_the_consequences(
        store, firm, client_books):
    async with running(store) as pilot:
        await open_books(pilot)
        await pilot.press("p")
        await settle(pilot)
        profile = pilot.app.screen
        assert isinstance(profile, CompanyProfileScreen)
        profile.query_one("#visible", Switch).value = False
        await settle(pilot)
        confirm = pilot.app.screen
        assert isinstance(confirm, ConfirmScreen)
        assert "no more updates" in confirm.question
        await pilot.press("y")
        await settle(pilot)
        assert not (await store.network.company(client_books)).visible
        # The profile's details are checked as the client form checks them.
        await pilot.press("tab", "tab")  # name → email → phone
        await type_text(pilot, "12")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Not a valid phone number." in str(
            profile.query_one("#error-phone", Static).render())


async def test_firm_books_have_no_network(store, firm, client_books):
    async with running(store) as pilot:
        await open_books(pilot, key="B")
        books = pilot.app.screen
        assert books.info.is_firm_books
        await pilot.press("n")
        await settle(pilot)
        assert pilot.app.screen is books  # no network search here
        await pilot.press("c")
        await settle(pilot)
        await type_text(pilot, "gagnon")
        await settle(pilot)
        assert not pilot.app.screen.query_one(MemberMatches).display


async def test_add_organization_client_filled_from_the_network(store, firm, client_books):
    async with running(store) as pilot:
        await sign_in(pilot, "marie", PASSWORD)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("shift+tab", "right", "enter", "tab")
        await settle(pilot)
        await type_text(pilot, "gagnon")
        await settle(pilot)
        assert matches_shown(pilot.app.screen) == ["Plomberie Gagnon & Fils"]
        await pilot.press("down", "enter")
        await settle(pilot)
        screen = pilot.app.screen
        assert screen.query_one("#input-email").value == "info@gagnon.ca"
        assert screen.query_one("#input-phone").value == "(418) 555-0100"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert table(pilot.app).current.display_name == "Plomberie Gagnon & Fils"


async def test_books_only_for_organizations_that_accepted(store, firm):
    await add_client(store, firm.firm_id, organization_name="Pas encore", email="p@x.ca")
    async with running(store) as pilot:
        await sign_in(pilot, "marie", PASSWORD)
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ClientsScreen)


async def test_the_vendors_tab_has_its_own_key(store, firm, client_books):
    from textual.widgets import TabbedContent

    async with running(store) as pilot:
        await open_books(pilot)
        screen = pilot.app.screen
        await pilot.press("2")
        await settle(pilot)
        assert screen.query_one(TabbedContent).active == "tab-vendor"
        assert screen.focused is screen.query_one("#table-vendor")
        await pilot.press("1")
        await settle(pilot)
        assert screen.query_one(TabbedContent).active == "tab-customer"


async def test_a_vendors_gst_number_is_checked_as_typed_and_kept(store, firm, client_books):
    async with running(store, size=(80, 24)) as pilot:
        await open_books(pilot)
        await pilot.press("v")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, ContactFormScreen)
        await type_text(pilot, "Fournitures Roy")
        form.set_focus(form.query_one("#input-business_number"))
        await type_text(pilot, "123 456 789")  # a bad check digit
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is form
        field = form.query_one("#field-business_number")
        assert "business number" in field.error_text
        assert pilot.app.focused.id == "input-business_number"
        assert form.query_one("#input-business_number").value == "123 456 789"  # kept
        await pilot.press("backspace", "2")  # 123 456 782: the error goes as it is typed
        await settle(pilot)
        assert field.error_text == ""
        await type_text(pilot, " rt 0001")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(pilot.app.screen, BooksScreen)
    (row,) = await store.network.contacts(client_books, "vendor")
    assert row.business_number == "123456782RT0001"


async def test_save_stays_in_sight_while_matches_open_at_80_by_24(store, firm, client_books):
    """Matches under the name pushed Save below the 24th row: the fields scroll, the buttons
    stay."""
    await load_members(store, [member_row(f"G{i}", f"Gagnon Rénovation {i}", city="Lévis",
                                          phone="418-555-0100", website=f"gagnon{i}.ca")
                               for i in range(8)])
    async with running(store, size=(80, 24)) as pilot:
        await open_books(pilot)
        await pilot.press("c")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, ContactFormScreen)
        await type_text(pilot, "gagnon")
        await settle(pilot)
        assert len(matches_shown(form)) > 5
        matches = form.query_one(MemberMatches)  # a match is a line: they took two or three
        assert matches.virtual_size.height == matches.option_count
        save = form.query_one("#save-button").region
        assert save.height == 1 and save.bottom <= 23, save  # above the key line

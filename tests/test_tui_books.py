"""The books and their dialogs at 80x24: columns that fit, a read-only profile that says so,
a visibility switch in words, feedback kept inside the profile, counts that tell the truth."""

from __future__ import annotations

import pytest
from textual.widgets import Button, DataTable, Static, Switch

from store.validate import Details
from tests import test_tui_network as network_tests
from tests.harness import on_sqlite, running, settle, sign_in
from tests.helpers import PASSWORD, add_client
from tests.test_tui_network import open_books
from tui.screens.books import BooksScreen
from tui.screens.company_profile import CompanyProfileScreen
from tui.screens.confirm import ConfirmScreen
from tui.textual_patches.notifications import shown_toasts

pytestmark = on_sqlite

firm = network_tests.firm  # the network tests' fixtures: a firm, a member client's books
client_books = network_tests.client_books

SMALL = (80, 24)
LONG_NAME = ("Entreprise de construction et de rénovation résidentielle Tremblay-Lapointe "
             "et associés inc.")


def table_lines(table: DataTable) -> list[str]:
    return ["".join(s.text for s in table.render_line(y))
            for y in range(table.scrollable_content_region.height)]


async def open_profile(pilot, username="marie"):
    await sign_in(pilot, username, PASSWORD)
    await pilot.press("b")
    await settle(pilot)
    assert isinstance(pilot.app.screen, BooksScreen)
    await pilot.press("p")
    await settle(pilot)
    profile = pilot.app.screen
    assert isinstance(profile, CompanyProfileScreen)
    return profile


async def test_a_long_name_leaves_email_phone_and_city_on_screen(store, firm, client_books):
    await store.network.add_contact(client_books, "customer", Details(
        LONG_NAME, "compta@tremblay-lapointe.ca", "+14185550199", "", "", "Rivière-du-Loup"))
    async with running(store, size=SMALL) as pilot:
        await open_books(pilot)
        table = pilot.app.screen.query_one("#table-customer", DataTable)
        assert table.virtual_size.width <= table.scrollable_content_region.width
        header, row = table_lines(table)[:2]
        assert "City" in header and "Phone" in header and "Email" in header
        assert "Rivière-du-Loup" in row and "(418) 555-0199" in row
        assert "compta@tremblay" in row  # a long email is cut too, past its cap
        assert "…" in row and LONG_NAME not in row  # the name is what is cut
        await pilot.resize_terminal(120, 30)
        await settle(pilot)
        row = table_lines(table)[1]
        assert "Rivière-du-Loup" in row and "Entreprise de construction et de" in row


async def test_read_only_profile_has_no_save_and_says_why(store, firm, client_books):
    await store.accounts.create("luc", "luc@example.com", PASSWORD, role="preparer")
    async with running(store, size=SMALL) as pilot:
        profile = await open_profile(pilot, "luc")
        assert not profile.query("#save-button")
        assert profile.query_one("#cancel-button", Button).label.plain == "Close"
        assert not [b for b in profile.active_bindings.values()
                    if b.binding.action == "save" and b.enabled]
        assert "only an admin" in str(profile.query_one("#admin-only", Static).render())
        assert profile.query_one("#admin-only").region.bottom <= 24
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is profile  # does not close silently


async def test_visibility_switch_says_its_state_in_words(store, firm, client_books):
    async with running(store, size=SMALL) as pilot:
        profile = await open_profile(pilot)
        state = profile.query_one("#visible-state", Static)
        assert str(state.render()) == "Visible on the network"
        profile.query_one("#visible", Switch).value = False
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConfirmScreen)
        await pilot.press("n")  # kept: the switch and its words go back
        await settle(pilot)
        assert profile.query_one("#visible", Switch).value
        assert str(state.render()) == "Visible on the network"
        profile.query_one("#visible", Switch).value = False
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert str(state.render()) == "Hidden from the network"


async def test_profile_feedback_stays_in_the_dialog_not_a_toast(store, firm, client_books):
    async with running(store, size=SMALL) as pilot:
        profile = await open_profile(pilot)
        profile.query_one("#visible", Switch).value = False
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert pilot.app.screen is profile
        assert not list(shown_toasts(pilot.app))  # no toast over the buttons
        assert "Hidden from the business network." in str(
            profile.query_one("#form-message", Static).render())
        buttons = profile.query_one("#cancel-button")
        assert buttons.region.bottom <= 23


@pytest.fixture
async def linked_twice(store, firm, client_books):
    """Another client's books with two vendors linked to client_books, one edited by hand."""
    other = await add_client(store, firm.firm_id, organization_name="Vitrerie Roy",
                             email="info@roy.ca")  # after Toiture Fortin in the list
    async with store.write():
        books = await store.network.open_books_for(other)
    info = await store.network.company(client_books)
    await store.network.add_contact(books, "vendor", info.details, client_books)
    edited = await store.network.add_contact(books, "vendor", info.details, client_books)
    await store.network.edit_contact(edited, Details("Toiture Fortin (Lévis)"))
    return books


async def test_update_profile_counts_updated_and_held_apart(store, firm, client_books,
                                                           linked_twice):
    sync = await store.network.update_profile(client_books, Details("Toiture Fortin inc.",
                                                                    "info@fortin.ca"))
    assert (sync.updated, sync.held) == (1, 1)


def test_the_count_message_is_true_and_plural(db_url):
    from linkdesk.labels import linked_sync_message

    assert linked_sync_message(1, 1) == ("1 linked customer or vendor updated; 1 holds the "
                                         "change for review.")
    assert linked_sync_message(2, 0) == "2 linked customers or vendors updated."
    assert linked_sync_message(0, 3) == ("3 linked customers or vendors hold the change for "
                                         "review (edited by hand).")
    assert linked_sync_message(0, 0) == ""


async def test_saving_the_profile_says_what_happened_to_linked_records(
        store, firm, client_books, linked_twice):
    async with running(store, size=SMALL) as pilot:
        profile = await open_profile(pilot)
        profile.query_one("#input-name").value = "Toiture Fortin inc."
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(pilot.app.screen, BooksScreen)
        messages = [n.message for n in shown_toasts(pilot.app)]
        assert messages == ["1 linked customer or vendor updated; 1 holds the change for "
                            "review."]



async def test_a_customers_invoice_language_is_chosen_in_its_form(store, firm, client_books):
    """The customer's invoices by email are in its language: the company's unless chosen
    (ctrl+l in the form, said in the form's title line: no row is added at 80x24)."""
    from tui.screens.contact_form import ContactFormScreen

    async with running(store, size=SMALL) as pilot:
        await open_books(pilot)
        await pilot.press("c")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, ContactFormScreen)
        title = form.query_one("#contact-title", Static)
        assert "invoice language: the company's" in str(title.render())
        await pilot.press(*"Café Lévesque", "ctrl+l", "ctrl+l")
        assert "invoice language: French" in str(title.render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, ContactFormScreen)
    (customer,) = await store.network.contacts(client_books, "customer")
    assert customer.language == "fr"
    assert await store.network.contact_language(customer.id) == "fr"

"""Editing a client's details: the store (both backends) and the dialog from the list."""

from __future__ import annotations

import pytest
from textual.widgets import Select, Static

from store import ClientDraft, ClientQuery, check_draft
from store.versions import ChangedMeanwhile
from tests.harness import (
    TAX_YEAR,
    on_sqlite,
    open_list,
    running,
    settle,
    table,
    type_text,
    visible_lines,
    wait_for,
)
from tests.helpers import add_client, make_preparer
from tui.screens.clients import ClientsScreen
from tui.screens.edit_client import EditClientScreen
from tui.screens.timeline import TimelineScreen


@pytest.fixture
async def firm(store):
    return await make_preparer(store)


def clean(**fields):
    draft = dict(kind="individual", email="emilie@example.com", first_name="Émilie",
                 last_name="Gagnon", phone="", language="en")
    draft.update(fields)
    return check_draft(ClientDraft(**draft))


async def test_each_changed_detail_is_an_event_and_the_search_follows(store, firm):
    client_id = await add_client(store, firm.firm_id, first_name="Émilie", last_name="Gagnon",
                                 email="emilie@example.com", language="fr")
    version = (await store.clients.details(client_id))["version"]
    changed = await store.clients.update_details(
        client_id, clean(last_name="Tremblay", phone="514 555 0199", language="en"), firm.id,
        version)
    assert changed == ["name", "phone", "language"]
    details = await store.clients.details(client_id)
    assert (details["display_name"], details["phone"], details["language"]) == (
        "Tremblay, Émilie", "+15145550199", "en")
    assert details["email"] == "emilie@example.com" and details["version"] == version + 1
    events = [(kind, detail, who) for kind, detail, _at, who in
              await store.clients.events(client_id) if kind == "details_changed"]
    assert events == [
        ("details_changed", {"field": "name", "from": "Gagnon, Émilie",
                             "to": "Tremblay, Émilie"}, firm.id),
        ("details_changed", {"field": "phone", "from": "", "to": "+15145550199"}, firm.id),
        ("details_changed", {"field": "language", "from": "fr", "to": "en"}, firm.id),
    ]
    found = await store.clients.page(ClientQuery(firm_id=firm.firm_id, tax_year=TAX_YEAR,
                                                 search="tremblay"), 0, 10)
    assert [r.id for r in found] == [client_id]
    assert await store.clients.page(ClientQuery(firm_id=firm.firm_id, tax_year=TAX_YEAR,
                                                search="gagnon"), 0, 10) == []
    # The same details again: nothing changed, nothing in the history.
    assert await store.clients.update_details(
        client_id, clean(last_name="Tremblay", phone="514 555 0199", language="en"),
        firm.id) == []
    assert len(await store.clients.events(client_id)) == 4


async def test_a_change_saved_meanwhile_is_never_overwritten_unknowingly(store, firm):
    client_id = await add_client(store, firm.firm_id, first_name="Émilie", last_name="Gagnon",
                                 email="emilie@example.com")
    read = (await store.clients.details(client_id))["version"]
    await store.clients.update_details(client_id, clean(first_name="Émy"), firm.id, read)
    with pytest.raises(ChangedMeanwhile) as raised:
        await store.clients.update_details(client_id, clean(first_name="Em"), firm.id, read)
    assert raised.value.now["display_name"] == "Gagnon, Émy"
    assert raised.value.by == firm.username
    assert (await store.clients.details(client_id))["first_name"] == "Émy"


async def test_the_kind_and_email_stay(store, firm):
    client_id = await add_client(store, firm.firm_id, organization_name="Acme",
                                 email="a@x.ca")
    with pytest.raises(ValueError):
        await store.clients.update_details(client_id, clean(), firm.id)
    organization = check_draft(ClientDraft(kind="organization", organization_name="Acme Inc.",
                                           email="other@x.ca"))
    await store.clients.update_details(client_id, organization, firm.id)
    details = await store.clients.details(client_id)
    assert (details["display_name"], details["email"]) == ("Acme Inc.", "a@x.ca")


def error_of(screen, field):
    return str(screen.query_one(f"#error-{field}", Static).render())


@on_sqlite
async def test_details_from_the_list_with_the_keyboard(store, firm):
    client_id = await add_client(store, firm.firm_id, first_name="Émilie", last_name="Gagnon",
                                 email="emilie@example.com", language="fr")
    async with running(store, size=(80, 24)) as pilot:
        await open_list(pilot)
        await pilot.press("d")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, EditClientScreen)
        assert pilot.app.focused.id == "input-first_name"
        assert pilot.app.focused.value == "Émilie"
        assert "emilie@example.com" in str(screen.query_one("#email", Static).render())
        # A bad value: refused with its reason, the text kept, the reason gone once corrected.
        await pilot.press("tab", "tab")
        await type_text(pilot, "12")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert error_of(screen, "phone") == "Not a valid phone number."
        assert pilot.app.focused.id == "input-phone" and pilot.app.focused.value == "12"
        await pilot.press("backspace", "backspace")
        await settle(pilot)
        assert error_of(screen, "phone") == ""
        await type_text(pilot, "514 555 0199")
        # Enter goes through every field, Language included, before it saves.
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, EditClientScreen)
        assert pilot.app.focused.id == "language"
        pilot.app.focused.value = "en"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ClientsScreen)
        assert "(514) 555-0199" in visible_lines(table(pilot.app))[1]
        await pilot.press("t")
        await wait_for(lambda: isinstance(pilot.app.screen, TimelineScreen))
        await pilot.pause()
        text = "\n".join(str(s.render()) for s in pilot.app.screen.query(Static))
        assert "Details changed  phone: — → (514) 555-0199 · by marie" in text
        assert "language: French → English" in text
    details = await store.clients.details(client_id)
    assert (details["phone"], details["language"]) == ("+15145550199", "en")


@on_sqlite
async def test_escape_saves_nothing(store, firm):
    client_id = await add_client(store, firm.firm_id, organization_name="Acme", email="a@x.ca")
    async with running(store) as pilot:
        await open_list(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(pilot.app.screen, EditClientScreen)
        assert pilot.app.screen.query_one("#language", Select).value == "en"
        await type_text(pilot, " Inc.")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ClientsScreen)
    assert (await store.clients.details(client_id))["display_name"] == "Acme"

"""Two preparers, one record: a save over a change made meanwhile says so, and who made it."""

from __future__ import annotations

import dataclasses

import pytest

from store.reminders import ReminderSettings
from store.versions import ChangedMeanwhile
from tests.harness import on_sqlite
from tests.helpers import PASSWORD, add_client, make_preparer


@pytest.fixture
async def two(store):
    marie = await make_preparer(store)
    luc = await store.accounts.create("luc", "luc@example.com", PASSWORD, "", role="admin")
    return marie, luc


async def test_reminder_settings_saved_over_a_colleagues_change_are_refused(store, two):
    marie, luc = two
    reminders = store.reminders
    await reminders.configure(marie.firm_id, ReminderSettings(True, 7, 1), marie.id)
    seen_by_marie = await reminders.settings(marie.firm_id)
    seen_by_luc = await reminders.settings(marie.firm_id)
    await reminders.configure(marie.firm_id, dataclasses.replace(seen_by_luc, on=False), luc.id)
    with pytest.raises(ChangedMeanwhile) as caught:
        await reminders.configure(marie.firm_id, dataclasses.replace(seen_by_marie, days=10),
                                  marie.id)
    assert caught.value.by == "luc" and caught.value.now.on is False
    assert (await reminders.settings(marie.firm_id)).on is False  # nothing was saved
    # Marie chooses to save hers over it, knowing.
    mine = dataclasses.replace(seen_by_marie, days=10, version=caught.value.version)
    await reminders.configure(marie.firm_id, mine, marie.id)
    now = await reminders.settings(marie.firm_id)
    assert (now.on, now.days) == (True, 10)


async def test_two_email_changes_at_once_the_second_is_told(store, two):
    marie, luc = two
    client_id = await add_client(store, marie.firm_id, first_name="Émilie", last_name="Gagnon",
                                 email="emilie@example.com")
    read_by_marie = await store.clients.details(client_id)
    read_by_luc = await store.clients.details(client_id)
    await store.invitations.change_email(client_id, "e.gagnon@example.com", luc.id,
                                         read_by_luc["version"])
    with pytest.raises(ChangedMeanwhile) as caught:
        await store.invitations.change_email(client_id, "emilie@gagnon.ca", marie.id,
                                             read_by_marie["version"])
    assert caught.value.by == "luc" and caught.value.now == "e.gagnon@example.com"
    assert (await store.clients.details(client_id))["email"] == "e.gagnon@example.com"


@on_sqlite
@pytest.mark.parametrize("answer", ["n", "y"])
async def test_reminders_screen_asks_before_saving_over_a_colleagues_change(
        store, two, db_url, answer):
    from textual.widgets import Input, Switch

    from store import Store
    from tests.harness import burst, running, settle, sign_in
    from tui.screens.confirm import ConfirmScreen
    from tui.screens.reminders import RemindersScreen

    marie, luc = two
    await store.reminders.configure(marie.firm_id, ReminderSettings(True, 7, 1), marie.id)
    async with running(store) as pilot:
        await sign_in(pilot, "marie", PASSWORD)
        burst(pilot, "w")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, RemindersScreen)
        colleague = await Store.open(db_url, clock=store.clock)  # luc, on another machine
        try:
            await colleague.reminders.configure(marie.firm_id, ReminderSettings(False, 7, 1),
                                                luc.id)
        finally:
            await colleague.close()
        screen.query_one("#reminder-days", Input).value = "10"
        burst(pilot, "ctrl+s")
        await settle_until_confirm(pilot)
        assert isinstance(pilot.app.screen, ConfirmScreen)
        assert "luc" in pilot.app.screen.question and "off" in pilot.app.screen.question
        burst(pilot, answer)
        await settle(pilot)
        now = await store.reminders.settings(marie.firm_id)
        if answer == "n":
            assert (now.on, now.days) == (False, 7)
            assert screen.query_one("#reminders-on", Switch).value is False
            assert screen.query_one("#reminder-days", Input).value == "7"
        else:
            assert (now.on, now.days) == (True, 10)


async def settle_until_confirm(pilot):
    import asyncio

    from tui.screens.confirm import ConfirmScreen

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while not isinstance(pilot.app.screen, ConfirmScreen):
        assert loop.time() < deadline, pilot.app.screen
        await pilot.pause(0.02)


async def test_a_company_profile_saved_over_a_change_made_meanwhile_is_refused(store, two):
    from store.validate import Details

    marie, _luc = two
    client_id = await add_client(store, marie.firm_id, organization_name="Toiture Fortin",
                                 email="info@fortin.ca")
    async with store.write():
        books = await store.network.open_books_for(client_id)
    read = await store.network.company(books)
    theirs = Details("Toiture Fortin Inc.", "ventes@fortin.ca", "", "", "", "Lévis")
    await store.network.update_profile(books, theirs, read.version)
    mine = Details("Toitures Fortin", "info@fortin.ca", "", "", "", "Québec")
    with pytest.raises(ChangedMeanwhile) as caught:
        await store.network.update_profile(books, mine, read.version)
    assert caught.value.now == theirs
    assert (await store.network.company(books)).details == theirs
    await store.network.update_profile(books, mine, caught.value.version)
    assert (await store.network.company(books)).details == mine

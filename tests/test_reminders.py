"""Reminders with an injected clock: off by default, after N days, at most M, never to the wrong
clients, each one an event with a new link."""

from __future__ import annotations

from linkdesk.mail.outgoing import request_for
from linkdesk.mail.reminders import send_due_reminders
from store.reminders import ReminderSettings
from tests.harness import on_sqlite, running, settle, sign_in
from tests.helpers import PASSWORD, add_client, make_preparer
from tui.screens.reminders import RemindersScreen

YEAR = 2025
BASE = "http://127.0.0.1:8765"


async def invite_and_deliver(store, firm, client_ids):
    for client_id in client_ids:
        client = await store.clients.details(client_id)
        await store.invitations.invite_many(
            [request_for(client, YEAR, firm_name="Cabinet", preparer_name="marie",
                         sender_address="p@cabinet.ca")], firm.id, BASE)
    for job in await store.invitations.claim_many(100):
        await store.invitations.delivered(job, "250 OK")


async def test_reminders_follow_the_setting_and_the_rules(store, clock):
    firm = await make_preparer(store)
    names = ("Émilie", "Jean", "Luc", "Anne")
    ids = [await add_client(store, firm.firm_id, first_name=n, last_name="Roy",
                            email=f"{i}@example.com", language="fr" if i else "en")
           for i, n in enumerate(names)]
    await invite_and_deliver(store, firm, ids)
    await store.invitations.set_active(ids[1], False, firm.id)  # inactive: never
    await store.invitations.cancel(ids[2], YEAR, firm.id)  # cancelled: never
    clock.advance(days=8)
    assert (await store.reminders.settings(firm.firm_id)).on is False
    assert await send_due_reminders(store, "p@cabinet.ca", BASE) == 0  # off by default
    upcoming = await store.reminders.upcoming(firm.firm_id)
    assert [r.client_id for r in upcoming] == [ids[0], ids[3]]  # the screen shows them anyway

    await store.reminders.configure(firm.firm_id, ReminderSettings(on=True, days=7, most=2))
    # Anne accepts before the sweep: accepted clients are never reminded.
    from store.models import Invitation

    await store.execute(Invitation.update(state="accepted").where(Invitation.client == ids[3]))
    from tests.helpers import set_status

    await set_status(store, ids[3], YEAR, "accepted")
    assert await send_due_reminders(store, "p@cabinet.ca", BASE) == 1
    kinds = [e[0] for e in await store.clients.events(ids[0])]
    assert kinds[-1] == "invitation_reminded"
    (job,) = await store.invitations.claim_many(10)
    assert b"Reminder" in job.raw or b"Rappel" in job.raw
    await store.invitations.delivered(job, "250 OK")
    assert await send_due_reminders(store, "p@cabinet.ca", BASE) == 0  # not due again yet
    clock.advance(days=6, hours=23)
    assert await send_due_reminders(store, "p@cabinet.ca", BASE) == 0
    clock.advance(hours=2)
    assert await send_due_reminders(store, "p@cabinet.ca", BASE) == 1  # the second and last
    for job in await store.invitations.claim_many(10):
        await store.invitations.delivered(job, "250 OK")
    clock.advance(days=20)
    assert await send_due_reminders(store, "p@cabinet.ca", BASE) == 0  # at most two
    assert await store.reminders.upcoming(firm.firm_id) == []
    statuses = await store.clients.statuses_of(ids, YEAR)
    assert statuses[ids[0]] == "pending"


@on_sqlite
async def test_reminders_screen_lists_and_saves(store, clock):
    firm = await make_preparer(store)
    client = await add_client(store, firm.firm_id, organization_name="Acme Ltée",
                              email="a@acme.ca")
    long = await add_client(store, firm.firm_id, organization_name="Entreprise Tremblay et fils",
                            email="comptabilite@tremblay.ca")
    await invite_and_deliver(store, firm, [client, long])
    async with running(store) as pilot:
        await sign_in(pilot, "marie", PASSWORD)
        await pilot.press("w")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, RemindersScreen)
        table = screen.query_one("#upcoming")
        assert table.row_count == 2 and "Acme Ltée" in str(table.get_row_at(0)[0])
        # Cut to fit 80 columns, and said to be cut: the history has the rest.
        assert [str(cell) for cell in table.get_row_at(1)[:2]] == [
            "Entreprise Tremblay…", "comptabilite@trembl…"]
        assert "Would be reminded" in str(screen.query_one("#next-title").render())
        state = screen.query_one("#reminders-state")
        assert str(state.render()) == "Off"  # in words: under NO_COLOR the knob alone told
        await pilot.click("#reminders-on")
        await pilot.pause()
        assert str(state.render()) == "On"
        screen.query_one("#reminder-days").value = "3"
        await pilot.press("ctrl+s")
        await settle(pilot)
    settings = await store.reminders.settings(firm.firm_id)
    assert (settings.on, settings.days, settings.most) == (True, 3, 1)


@on_sqlite
async def test_the_reminders_screen_follows_a_colleagues_change_but_keeps_what_is_typed(
        store, clock):
    from store.reminders import ReminderSettings

    firm = await make_preparer(store)
    client = await add_client(store, firm.firm_id, organization_name="Acme Ltée",
                              email="a@acme.ca")
    async with running(store) as pilot:
        await sign_in(pilot, "marie", PASSWORD)
        await pilot.press("w")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, RemindersScreen)
        assert screen.query_one("#upcoming-empty").display  # nothing pending yet
        # A colleague turns reminders on and a client's invitation goes out.
        await store.reminders.configure(firm.firm_id, ReminderSettings(True, 10, 2))
        await invite_and_deliver(store, firm, [client])
        pilot.app.store_changed()  # what the runtime's change watcher calls
        await pilot.pause(0.4)
        await settle(pilot)
        assert screen.query_one("#reminders-on").value is True
        assert screen.query_one("#reminder-days").value == "10"
        assert screen.query_one("#upcoming").row_count == 1
        # The preparer types; a colleague's next change does not overwrite it.
        screen.query_one("#reminder-days").value = "4"
        await store.reminders.configure(firm.firm_id, ReminderSettings(True, 12, 2))
        pilot.app.store_changed()
        await pilot.pause(0.4)
        await settle(pilot)
        assert screen.query_one("#reminder-days").value == "4"


@on_sqlite
async def test_the_reminders_screen_shows_what_the_settings_typed_would_do(store, clock):
    """Space on the switch and new days or limits changed nothing below: the list and its
    "would be reminded" line followed only what was saved. They follow what is typed."""
    firm = await make_preparer(store)
    client = await add_client(store, firm.firm_id, organization_name="Acme Ltée",
                              email="a@acme.ca")
    await invite_and_deliver(store, firm, [client])
    sent = clock()
    async with running(store) as pilot:
        await sign_in(pilot, "marie", PASSWORD)
        await pilot.press("w")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, RemindersScreen)
        title = screen.query_one("#next-title")
        table = screen.query_one("#upcoming")
        assert str(title.render()) == "Would be reminded if reminders were on (1)"
        screen.query_one("#reminders-on").focus()
        await pilot.press("space")
        await settle(pilot)
        assert str(screen.query_one("#reminders-state").render()) == "On"
        assert str(title.render()) == "Next to be reminded (1)"
        days = screen.query_one("#reminder-days")
        days.focus()
        days.value = ""
        await pilot.press("3")
        await settle(pilot)
        from linkdesk.labels import when

        due = when((sent + __import__("datetime").timedelta(days=3)).date().isoformat())
        assert str(table.get_row_at(0)[3]) == due
        most = screen.query_one("#reminder-max")
        most.focus()
        most.value = ""
        await pilot.press("1")  # the one reminder it may get: it already... has none
        await settle(pilot)
        assert table.row_count == 1
    settings = await store.reminders.settings(firm.firm_id)
    assert settings.on is False  # nothing saved without ctrl+s


async def test_a_client_stops_the_reminders_in_one_click(store, clock):
    """RFC 8058: the reminder says it is automatic and carries a one-click stop link that the
    service answers; then the client gets no more reminders, its history and the list say so,
    and the preparer can still invite it by hand."""
    from email import message_from_bytes
    from email.policy import default

    import aiohttp

    from linkdesk.web.accept import make_web_app, start_site
    from store import ClientQuery
    from store.validate import Details

    firm = await make_preparer(store, firm="Cabinet Tremblay")
    books = await store.network.firm_books(firm.firm_id)
    await store.network.update_profile(books, Details("Cabinet Tremblay", "bonjour@tremblay.ca"),
                                       by=firm.id)
    site = await start_site(make_web_app(store), "127.0.0.1", 0)
    base = f"http://127.0.0.1:{site.addresses[0][1]}"
    try:
        client_id = await add_client(store, firm.firm_id, first_name="Émilie",
                                     last_name="Gagnon", email="emilie@example.com",
                                     language="fr")
        await invite_and_deliver(store, firm, [client_id])
        await store.reminders.configure(firm.firm_id, ReminderSettings(on=True, days=7, most=3))
        clock.advance(days=8)
        assert await send_due_reminders(store, "p@cabinet.ca", base) == 1
        (job,) = await store.invitations.claim_many(10)
        await store.invitations.delivered(job, "250 OK")
        reminder = message_from_bytes(job.raw, policy=default)
        assert reminder["Auto-Submitted"] == "auto-generated"
        assert reminder["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert reminder["Reply-To"].addresses[0].addr_spec == "bonjour@tremblay.ca"
        stop = str(reminder["List-Unsubscribe"]).strip().strip("<>")
        assert stop.startswith(base + "/u/")
        assert stop in reminder.get_body(("plain",)).get_content()

        async with aiohttp.ClientSession() as http:
            async with http.get(stop) as asked:  # a mail scanner opening it stops nothing
                assert asked.status == 200 and "Ne plus recevoir" in await asked.text()
            assert (await store.clients.details(client_id)) is not None
            assert "reminders_stopped" not in [e[0] for e in await store.clients.events(
                client_id)]
            async with http.post(stop, data="List-Unsubscribe=One-Click", headers={
                    "Content-Type": "application/x-www-form-urlencoded"}) as done:
                assert done.status == 200
                assert "Cabinet Tremblay</strong> ne vous enverra plus de rappels" in \
                    await done.text()
            async with http.post(stop) as again:  # the button pressed twice: said once
                assert again.status == 200
            async with http.post(base + "/u/not-a-token") as unknown:
                assert unknown.status == 404
        events = [e[0] for e in await store.clients.events(client_id)]
        assert events.count("reminders_stopped") == 1

        clock.advance(days=8)
        assert await send_due_reminders(store, "p@cabinet.ca", base) == 0
        assert await store.reminders.upcoming(firm.firm_id) == []
        rows = await store.clients.page(ClientQuery(firm_id=firm.firm_id, tax_year=YEAR), 0, 10)
        assert [r.reminders_stopped for r in rows] == [True]

        # The preparer still invites by hand.
        client = await store.clients.details(client_id)
        outcome = await store.invitations.invite_many(
            [request_for(client, YEAR, firm_name="Cabinet Tremblay", preparer_name="marie",
                         sender_address="p@cabinet.ca")], firm.id, base, reinvite=True)
        assert list(outcome.invited) == [client_id]
    finally:
        await site.cleanup()


def test_the_list_and_the_history_say_the_reminders_were_stopped():
    from store.clients import ClientRow
    from tui.screens.timeline import describe
    from tui.widgets.client_table import _status_cell

    row = ClientRow(1, "individual", "Gagnon, Émilie", "e@x.ca", None, "fr", True, "pending",
                    reminders_stopped=True)
    assert _status_cell(row, 40) == "Invitation pending, no reminders"
    assert "stopped the reminders" in describe("reminders_stopped", {}).plain

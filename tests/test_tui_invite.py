"""Inviting from the client list, end to end on real servers, seen from the screen."""

from __future__ import annotations

import re

import aiohttp
import pytest

from linkdesk.mail.capture import read_captured
from linkdesk.runtime import Runtime
from linkdesk.settings import Settings
from linkdesk.web.accept import make_web_app, start_site
from tests.harness import on_sqlite, settle, sign_in, table, wait_for
from tests.helpers import PASSWORD, add_client, make_preparer
from tui.app import make_app
from tui.screens.clients import ClientsScreen
from tui.screens.invite import InviteScreen
from tui.textual_patches.notifications import shown_toasts

pytestmark = on_sqlite


@pytest.fixture
async def site(store):
    holder = {}
    runner = await start_site(
        make_web_app(store, lambda: holder["app"].store_changed() if "app" in holder else None),
        "127.0.0.1", 0)
    yield f"http://127.0.0.1:{runner.addresses[0][1]}", holder
    await runner.cleanup()


async def test_invite_from_the_list_then_acceptance_appears_by_itself(store, tmp_path, site):
    base, holder = site
    firm = await make_preparer(store)
    client_id = await add_client(store, firm.firm_id, first_name="Émilie", last_name="Gagnon",
                                 email="emilie@example.com", language="fr")
    settings = Settings(db_url="(given store)", tax_year=2025, link_base=base,
                        data_dir=tmp_path / "data", sender_address="portail@tremblay.ca")
    runtime = Runtime(settings, store)
    app = make_app(settings, store, runtime)
    holder["app"] = app
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await sign_in(pilot, "marie", PASSWORD)
            assert isinstance(app.screen, ClientsScreen)
            await wait_for(lambda: runtime.started)
            await pilot.press("i")
            await settle(pilot)
            assert isinstance(app.screen, InviteScreen)
            assert app.screen.query_one("#input-recipient").value == "emilie@example.com"
            assert app.screen.query_one("#input-subject").value.startswith(
                "Cabinet Tremblay vous invite")
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, ClientsScreen)
            await wait_for(lambda: table(app).current.status == "pending")

            (mail,) = read_captured(settings.maildir)
            assert str(mail.message["From"]) == "Cabinet Tremblay <portail@tremblay.ca>"
            link = re.search(r"http://127\.0\.0\.1:\d+/i/[\w-]+", mail.text).group(0)
            async with aiohttp.ClientSession() as http:
                async with http.get(link) as page:
                    assert page.status == 200
                await pilot.pause(0.3)
                assert table(app).current.status == "pending"
                async with http.post(link) as done:
                    assert done.status == 200
            await wait_for(lambda: table(app).current.status == "accepted", timeout=3)
            await wait_for(lambda: "Invitation accepted 1" in str(
                app.screen.query_one("#pipeline").render()), timeout=3)

            await wait_for(lambda: "Gagnon, Émilie accepted the invitation." in [
                str(n.message) for n in shown_toasts(app)], timeout=3)

            await pilot.press("i")  # an accepted client cannot be invited again
            await settle(pilot)
            assert isinstance(app.screen, ClientsScreen)
    finally:
        await runtime.stop()
    events = await store.clients.events(client_id)
    kinds = [e[0] for e in events]
    assert kinds == ["client_added", "invitation_queued", "invitation_sent",
                     "invitation_accepted"]
    # No relay is set: the history says the message was kept here, not that a relay took it.
    from tui.screens.timeline import describe

    sent = describe("invitation_sent", events[2][1]).plain
    assert "not delivered" in sent and "relay took" not in sent, (sent, events[2][1])
    relayed = describe("invitation_sent", {"relay": "250 2.0.0 Ok: queued as 4F2"}).plain
    assert "relay took the message" in relayed, relayed


async def test_lifecycle_keys_confirm_and_record(store, tmp_path):
    from tests.harness import running, shown_names, visible_lines
    from tui.screens.change_email import ChangeEmailScreen
    from tui.screens.confirm import ConfirmScreen
    from tui.screens.timeline import TimelineScreen

    firm = await make_preparer(store)
    client_id = await add_client(store, firm.firm_id, organization_name="Acme Ltée",
                                 email="info@acme.ca")
    await store.invitations.invite(
        client_id, 2025, firm.id, "http://127.0.0.1:8765", "info@acme.ca", "en",
        lambda link: __import__("store.invitations", fromlist=["Envelope"]).Envelope(
            "<m@acme.ca>", "f@x.ca", "info@acme.ca", f"Subject: x\r\n\r\n{link}\r\n".encode()))
    async with running(store) as pilot:
        await sign_in(pilot, "marie", PASSWORD)
        assert table(pilot.app).current.status == "sending"

        async def answer(key: str, dialog) -> None:
            # The action's worker waits on the dialog, so wait for the dialog, not for idle.
            await wait_for(lambda: isinstance(pilot.app.screen, dialog))
            await pilot.press(key)
            await wait_for(lambda: not isinstance(pilot.app.screen, dialog))
            await settle(pilot)

        await pilot.press("c")
        await answer("n", ConfirmScreen)  # keep as is
        assert table(pilot.app).current.status == "sending"
        await pilot.press("c")
        await answer("y", ConfirmScreen)
        assert table(pilot.app).current.status == "not_invited"

        await pilot.press("e")
        await wait_for(lambda: isinstance(pilot.app.screen, ChangeEmailScreen))
        await pilot.pause()
        pilot.app.screen.query_one("#input-email").value = ""
        await pilot.press(*"compta@acme.ca")
        await answer("enter", ChangeEmailScreen)
        await wait_for(lambda: table(pilot.app).current.email == "compta@acme.ca")

        await pilot.press("t")
        await answer("escape", TimelineScreen)

        await pilot.press("m")
        await answer("y", ConfirmScreen)
        assert shown_names(pilot.app) == []
        await pilot.press("h")
        await settle(pilot)
        assert "Inactive" in visible_lines(table(pilot.app))[1]
    kinds = [e[0] for e in await store.clients.events(client_id)]
    assert kinds == ["client_added", "invitation_queued", "invitation_cancelled",
                     "email_changed", "client_deactivated"]


async def test_i_on_an_accepted_client_says_it_accepted(store):
    from tests.harness import running
    from tests.helpers import set_status

    firm = await make_preparer(store)
    client_id = await add_client(store, firm.firm_id, organization_name="Acme Ltée",
                                 email="info@acme.ca")
    await set_status(store, client_id, 2025, "accepted")
    async with running(store) as pilot:
        await sign_in(pilot, "marie", PASSWORD)
        await pilot.press("i")
        await settle(pilot)
        said = [str(n.message) for n in shown_toasts(pilot.app)]
        assert any("already accepted" in s for s in said), said
        assert not any("under way" in s for s in said)


async def test_the_history_names_who_did_it_and_says_an_email_change_withdrew_the_invitation(
        store):
    from tests.harness import running
    from tui.screens.timeline import TimelineScreen

    firm = await make_preparer(store)
    client_id = await add_client(store, firm.firm_id, firm.id, organization_name="Acme Ltée",
                                 email="info@acme.ca")
    await store.invitations.invite(
        client_id, 2025, firm.id, "http://127.0.0.1:8765", "info@acme.ca", "en",
        lambda link: __import__("store.invitations", fromlist=["Envelope"]).Envelope(
            "<m@acme.ca>", "f@x.ca", "info@acme.ca", f"Subject: x\r\n\r\n{link}\r\n".encode()))
    await store.invitations.change_email(client_id, "compta@acme.ca", firm.id)
    async with running(store) as pilot:
        await sign_in(pilot, "marie", PASSWORD)
        await pilot.press("t")
        await wait_for(lambda: isinstance(pilot.app.screen, TimelineScreen))  # it waits on it
        await pilot.pause()
        text = "\n".join(str(s.render()) for s in pilot.app.screen.query("Static"))
        assert "by marie" in text
        assert "the invitation for 2025 was withdrawn" in text


async def test_a_burst_of_acceptances_is_one_toast_that_counts_them(store):
    """At 8 a.m. clients accept one after another: one small toast that counts them and names
    the latest, not a stack of toasts over the list."""
    from tests.harness import running
    from tests.test_invitation_flow import invite, link_in

    firm = await make_preparer(store)
    ids = [await add_client(store, firm.firm_id, organization_name=f"Client {i}",
                            email=f"c{i}@example.com") for i in range(6)]
    for client_id in ids:
        await invite(store, firm, client_id, "http://127.0.0.1:8765")
    tokens = [link_in(job.raw).rsplit("/", 1)[1] for job in await store.invitations.claim_many(10)]

    def toasts(app) -> list[str]:
        return [str(n.message) for n in shown_toasts(app)]

    async with running(store) as pilot:
        await sign_in(pilot, "marie", PASSWORD)
        await settle(pilot)
        for token in tokens[:4]:
            await store.invitations.accept(token)
        pilot.app.store_changed()  # what the runtime's change watcher calls
        await wait_for(lambda: toasts(pilot.app) != [], timeout=5)
        await settle(pilot)
        assert toasts(pilot.app) == [
            "4 acceptances; the latest: Client 3."]
        await store.invitations.accept(tokens[4])
        pilot.app.store_changed()
        await wait_for(lambda: "5 acceptances" in " ".join(toasts(pilot.app)), timeout=5)
        await settle(pilot)
        assert toasts(pilot.app) == [
            "5 acceptances; the latest: Client 4."]


async def test_changing_to_another_clients_email_warns_first(store):
    from textual.widgets import Static

    from tests.harness import running
    from tui.screens.change_email import ChangeEmailScreen

    firm = await make_preparer(store)
    await add_client(store, firm.firm_id, organization_name="Acme Ltée", email="info@acme.ca")
    await add_client(store, firm.firm_id, organization_name="Zinc inc.", email="z@zinc.ca")
    async with running(store) as pilot:
        await sign_in(pilot, "marie", PASSWORD)
        assert table(pilot.app).current.email == "info@acme.ca"
        await pilot.press("e")
        await wait_for(lambda: isinstance(pilot.app.screen, ChangeEmailScreen))
        await pilot.pause()
        pilot.app.screen.query_one("#input-email").value = "Z@zinc.ca"
        await pilot.press("enter")
        screen = pilot.app.screen
        warning = screen.query_one("#duplicate-warning", Static)
        await wait_for(lambda: str(warning.render()) or not screen.is_attached)
        assert pilot.app.screen is screen, "saved without a word"
        assert str(screen.query_one("#duplicate-warning", Static).render()) == (
            "Another client already uses this email (Zinc inc.). Press Save to use it anyway.")
        await pilot.press("ctrl+s")  # again, as Save does from any field: they mean it
        await wait_for(lambda: not isinstance(pilot.app.screen, ChangeEmailScreen))
        await settle(pilot)
        assert table(pilot.app).current.email == "Z@zinc.ca"


@pytest.mark.parametrize("answer", ["y", "n"])
async def test_switching_language_after_editing_the_message_asks(store, answer):
    from textual.widgets import Select, TextArea

    from tests.harness import running
    from tui.screens.confirm import ConfirmScreen
    from tui.screens.invite import InviteScreen

    firm = await make_preparer(store)
    await add_client(store, firm.firm_id, organization_name="Acme Ltée", email="info@acme.ca")
    async with running(store) as pilot:
        await sign_in(pilot, "marie", PASSWORD)
        await pilot.press("i")
        await wait_for(lambda: isinstance(pilot.app.screen, InviteScreen))
        await pilot.pause()
        invite = pilot.app.screen
        message = invite.query_one("#invite-message", TextArea)
        message.text = "Mes propres mots."
        invite.query_one("#invite-language", Select).value = "fr"
        await wait_for(lambda: isinstance(pilot.app.screen, ConfirmScreen))
        await pilot.press(answer)
        await wait_for(lambda: pilot.app.screen is invite)
        await pilot.pause()
        if answer == "y":
            assert message.text.startswith("Bonjour")
            assert "Cabinet Tremblay" in invite.query_one("#input-subject").value
        else:
            assert message.text == "Mes propres mots."


async def test_a_client_invited_out_of_the_filter_leaves_the_cursor_on_that_row(store):
    """Under a status filter the invited client leaves the list: the cursor jumped to the first
    row, and the next key ('t') showed the history of someone else, far from there."""
    from tests.harness import running
    from tui.screens.invite import InviteScreen

    firm = await make_preparer(store)
    for name in ("Alpha", "Bravo", "Charlie", "Delta"):
        await add_client(store, firm.firm_id, organization_name=name,
                         email=f"{name.lower()}@example.com")
    async with running(store) as pilot:
        await sign_in(pilot, "marie", PASSWORD)
        await pilot.press("f")  # Not invited
        await settle(pilot)
        await pilot.press("down", "down")
        await settle(pilot)
        assert table(pilot.app).current.display_name == "Charlie"
        await pilot.press("i")
        await wait_for(lambda: isinstance(pilot.app.screen, InviteScreen))
        await pilot.press("ctrl+s")
        await wait_for(lambda: not isinstance(pilot.app.screen, InviteScreen))
        await settle(pilot)
        assert table(pilot.app).total == 3  # Charlie left the Not invited list
        assert table(pilot.app).current.display_name == "Delta"


@pytest.mark.parametrize("edited", [True, False])
async def test_the_subject_shows_its_start_after_the_language_changes_it(store, edited):
    """After editing the message then switching Language, the new subject was scrolled to its
    end: its start, the firm's name, was hidden at 80 columns."""
    from textual.widgets import Input, Select

    from tests.harness import running, visible_lines
    from tui.screens.confirm import ConfirmScreen
    from tui.screens.invite import InviteScreen

    firm = await make_preparer(store)
    await add_client(store, firm.firm_id, organization_name="Acme Ltée", email="info@acme.ca")
    async with running(store, size=(80, 24)) as pilot:
        await sign_in(pilot, "marie", PASSWORD)
        await pilot.press("i")
        await wait_for(lambda: isinstance(pilot.app.screen, InviteScreen))
        await pilot.pause()
        invite = pilot.app.screen
        await pilot.press("tab", "tab", "tab")  # through the subject, to the message
        assert invite.focused.id == "invite-message"
        if edited:
            await pilot.press("end", *" Merci.")
        await pilot.press("shift+tab")
        language = invite.query_one("#invite-language", Select)
        assert invite.focused is language
        language.value = "fr"
        if edited:
            await wait_for(lambda: isinstance(pilot.app.screen, ConfirmScreen))
            await pilot.press("y")
            await wait_for(lambda: pilot.app.screen is invite)
        await pilot.pause()
        subject = invite.query_one("#input-subject", Input)
        assert len(subject.value) > subject.content_size.width  # longer than the field
        assert subject.scroll_offset.x == 0
        assert visible_lines(subject)[0].strip().startswith(subject.value[:20])

"""Sign-in and account creation through the keyboard."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from store import AccountError
from store.accounts import LOCK_AFTER
from tests.harness import burst, on_sqlite, running, settle, sign_in, type_text
from tests.helpers import PASSWORD, make_preparer
from tui.screens.clients import ClientsScreen
from tui.screens.create_account import CreateAccountScreen
from tui.screens.sign_in import SignInScreen

pytestmark = on_sqlite


async def test_first_run_creates_the_firm_and_its_first_account(store):
    async with running(store) as pilot:
        assert isinstance(pilot.app.screen, CreateAccountScreen)
        # The firm's email and phone for clients are left for later: Enter past them.
        for text in ("Cabinet Tremblay", "marie", "marie@example.com", PASSWORD, PASSWORD, "",
                     ""):
            await type_text(pilot, text)
            await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ClientsScreen)
        assert pilot.app.preparer.username == "marie"
    assert await store.accounts.count() == 1
    assert (await store.accounts.sign_in("marie", PASSWORD)).ok


async def test_first_run_asks_how_clients_reach_the_firm(store):
    async with running(store) as pilot:
        for text in ("Cabinet Tremblay", "marie", "marie@example.com", PASSWORD, PASSWORD,
                     "bonjour@", "418 555 0100"):
            await type_text(pilot, text)
            await pilot.press("enter")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, CreateAccountScreen)  # a bad address keeps the form open
        assert str(screen.query_one("#error-firm_email", Static).render()) == (
            "Not a valid email address.")
        assert screen.focused is screen.query_one("#input-firm_email")
        await type_text(pilot, "bonjour@tremblay.ca")  # the field's text is selected: replaced
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ClientsScreen)
    firm = (await store.accounts.sign_in("marie", PASSWORD)).preparer
    profile = await store.network.company(await store.network.firm_books(firm.firm_id))
    assert (profile.details.email, profile.details.phone) == (
        "bonjour@tremblay.ca", "+14185550100")


async def test_account_creation_shows_each_problem_beside_its_field(store):
    async with running(store) as pilot:
        # Every problem at once (they came one by one, a press each).
        for text in ("Firm", "bad name", "not-an-email", "short", "different", "bonjour@",
                     ""):
            await type_text(pilot, text)
            await pilot.press("enter")
        await settle(pilot)
        screen = pilot.app.screen
        errors = {k: str(screen.query_one(f"#error-{k}", Static).render())
                  for k in ("username", "email", "password", "firm_email")}
        assert errors == {
            "username": "2 to 64 letters, digits, dots, dashes, @ or underscores.",
            "email": "Not a valid email address.",
            "password": "At least 10 characters.",
            "firm_email": "Not a valid email address.",
        }
        assert screen.focused is screen.query_one("#input-username")  # the first of them
        screen.query_one("#input-password").value = "correct horse battery"
        screen.query_one("#input-username").value = "marie"
        screen.query_one("#input-email").value = "marie@example.com"
        screen.query_one("#input-firm_email").value = ""
        screen.set_focus(screen.query_one("#input-firm_phone"))
        await pilot.press("enter")
        await settle(pilot)
        assert str(screen.query_one("#error-password2", Static).render()) == (
            "The two passwords differ.")
    assert await store.accounts.count() == 0


async def test_sign_in_with_wrong_then_right_password(store):
    await make_preparer(store)
    async with running(store) as pilot:
        assert isinstance(pilot.app.screen, SignInScreen)
        assert str(pilot.app.screen.query_one("#firm-name", Static).render()) == (
            "Cabinet Tremblay")
        await sign_in(pilot, "marie", "not the password", key_by_key=True)
        message = pilot.app.screen.query_one("#sign-in-message", Static)
        assert str(message.render()) == "Unknown username or wrong password."
        assert pilot.app.focused.id == "input-password"
        await pilot.press("shift+tab", "ctrl+u")
        await sign_in(pilot, "nobody", "not the password", key_by_key=True)
        assert str(message.render()) == "Unknown username or wrong password."
        await pilot.press("shift+tab", "ctrl+u")
        await sign_in(pilot, "marie", PASSWORD, key_by_key=True)
        assert isinstance(pilot.app.screen, ClientsScreen)


async def test_lockout_message_after_five_failures(store):
    await make_preparer(store)
    async with running(store) as pilot:
        await type_text(pilot, "marie")
        await pilot.press("enter")
        for _ in range(LOCK_AFTER):
            await type_text(pilot, "wrong password")
            await pilot.press("enter")
            await settle(pilot)
        await type_text(pilot, PASSWORD)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, SignInScreen)
        message = pilot.app.screen.query_one("#sign-in-message", Static)
        assert "Too many failed attempts" in str(message.render())


async def test_nobody_makes_an_account_from_sign_in_once_the_firm_has_one(store):
    """Whoever reaches the sign-in screen (a terminal left open, the SSH door with passwords)
    must not make an account and land in the firm's client list: an admin adds preparers."""
    await make_preparer(store)
    async with running(store) as pilot:
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert isinstance(pilot.app.screen, SignInScreen)
        assert not pilot.app.screen.query("#create-account-button")
        assert "admin" in " ".join(str(s.render()) for s in pilot.app.screen.query(Static))
    with pytest.raises(AccountError) as refused:
        await store.accounts.create("mallory", "m@example.com", "long enough password",
                                    only_first=True)
    assert refused.value.by_field == {"username": "firm_has_accounts"}
    assert await store.accounts.count() == 1


async def test_keys_arriving_in_one_burst_land_in_the_right_fields(store):
    """Over a slow SSH link a whole line of typing can arrive in one read."""
    await make_preparer(store)
    async with running(store) as pilot:
        burst(pilot, *"marie", "enter", *PASSWORD, "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ClientsScreen)


async def test_the_cursor_stops_blinking_when_nobody_types(store, monkeypatch):
    """A blinking cursor redraws its field twice a second for as long as it has focus: over a
    slow link, on a screen left open, that is all the link carries. It blinks again at a key."""
    from textual.widgets import Input

    from tui import idle_cursor

    monkeypatch.setattr(idle_cursor, "BLINK_FOR_S", 0.2)
    monkeypatch.setattr(idle_cursor, "CHECK_EVERY_S", 0.05)
    await make_preparer(store)
    async with running(store) as pilot:
        field = pilot.app.focused
        assert isinstance(field, Input)
        for _ in range(100):
            if not field.cursor_blink:
                break
            await pilot.pause(0.02)
        assert not field.cursor_blink
        monkeypatch.setattr(idle_cursor, "BLINK_FOR_S", 60.0)  # no machine is that slow
        await pilot.press("m")
        assert field.cursor_blink

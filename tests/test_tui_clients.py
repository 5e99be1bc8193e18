"""The client list and the add-client form, driven from the keyboard."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Static

from store import ACCEPTED, PENDING, ClientQuery, Store
from tests.harness import (
    TAX_YEAR,
    burst,
    on_sqlite,
    open_list,
    running,
    settle,
    shown_names,
    table,
    type_text,
    visible_lines,
)
from tests.helpers import add_client, make_preparer, set_status
from tui.screens.add_client import AddClientScreen
from tui.screens.clients import ClientsScreen
from tui.widgets.pipeline_bar import PipelineBar
from tui.widgets.tax_year_picker import TaxYearPicker

pytestmark = on_sqlite


@pytest.fixture
async def firm(store):
    return await make_preparer(store)


async def all_clients(store, firm):
    q = ClientQuery(firm_id=firm.firm_id, tax_year=TAX_YEAR, include_inactive=True)
    return await store.clients.page(q, 0, 1000)


def error_of(screen, field):
    return str(screen.query_one(f"#error-{field}", Static).render())


async def test_add_individual_with_the_keyboard_only(store, firm):
    async with running(store) as pilot:
        await open_list(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(pilot.app.screen, AddClientScreen)
        for text in ("Émilie", "Gagnon", "emilie@example.com", "514 555 0199"):
            await type_text(pilot, text)
            await pilot.press("enter")
        await settle(pilot)
        # Enter moved on to Language (the app's language by default), not past it.
        assert isinstance(pilot.app.screen, AddClientScreen)
        assert pilot.app.focused.id == "language" and pilot.app.focused.value == "en"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ClientsScreen)
        current = table(pilot.app).current
        assert current.display_name == "Gagnon, Émilie"
        assert current.phone == "+15145550199" and current.status == "not_invited"
        assert "(514) 555-0199" in visible_lines(table(pilot.app))[1]
        assert "Not invited" in visible_lines(table(pilot.app))[1]
    (row,) = await all_clients(store, firm)
    assert row.kind == "individual" and row.email == "emilie@example.com"


async def test_add_organization_with_the_keyboard_only(store, firm):
    await add_client(store, firm.firm_id, organization_name="Zed Ltd", email="z@x.ca")
    await add_client(store, firm.firm_id, organization_name="Alpha", email="a@x.ca")
    async with running(store) as pilot:
        await open_list(pilot)
        await pilot.press("a")
        await settle(pilot)
        # From the first field back to the kind, across to Organization, and select it.
        await pilot.press("shift+tab", "right", "enter", "tab")
        await settle(pilot)
        assert pilot.app.focused.id == "input-organization_name"
        for text in ("Plomberie Gagnon & Fils", "info@gagnon.ca", "418-555-0100"):
            await type_text(pilot, text)
            await pilot.press("enter")
        await pilot.press("enter")  # past Language
        await settle(pilot)
        current = table(pilot.app).current
        assert current.display_name == "Plomberie Gagnon & Fils"
        assert current.kind == "organization" and table(pilot.app).cursor == 1
    names = sorted(r.display_name for r in await all_clients(store, firm))
    assert names == ["Alpha", "Plomberie Gagnon & Fils", "Zed Ltd"]


async def test_every_validation_message_and_nothing_added(store, firm):
    async with running(store) as pilot:
        await open_list(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        screen = pilot.app.screen
        assert error_of(screen, "first_name") == "Required."
        assert error_of(screen, "last_name") == "Required."
        assert error_of(screen, "email") == "Required."
        assert error_of(screen, "phone") == ""
        assert pilot.app.focused.id == "input-first_name"
        await type_text(pilot, "Jean")
        await pilot.press("tab")
        await type_text(pilot, "Roy")
        await pilot.press("tab")
        await type_text(pilot, "jean@@roy")
        await pilot.press("tab")
        await type_text(pilot, "12")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert error_of(screen, "first_name") == ""
        assert error_of(screen, "email") == "Not a valid email address."
        assert error_of(screen, "phone") == "Not a valid phone number."
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ClientsScreen)
    assert await all_clients(store, firm) == []


async def test_organization_name_required(store, firm):
    async with running(store) as pilot:
        await open_list(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("shift+tab", "right", "enter")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert error_of(pilot.app.screen, "organization_name") == "Required."
        assert error_of(pilot.app.screen, "first_name") == ""


async def test_escape_cancels_and_adds_nothing(store, firm):
    async with running(store) as pilot:
        await open_list(pilot)
        await pilot.press("a")
        await settle(pilot)
        await type_text(pilot, "Half")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ClientsScreen)
        assert table(pilot.app).total == 0
    assert await all_clients(store, firm) == []


async def test_duplicate_email_is_flagged_before_adding(store, firm):
    await add_client(store, firm.firm_id, first_name="Anne", last_name="[b]Morin",
                     email="famille@morin.ca")
    async with running(store) as pilot:
        await open_list(pilot)
        await pilot.press("a")
        await settle(pilot)
        for text in ("Paul", "Morin", "FAMILLE@morin.ca"):
            await type_text(pilot, text)
            await pilot.press("enter")
        await settle(pilot)
        warning = str(pilot.app.screen.query_one("#duplicate-warning", Static).render())
        assert "[b]Morin, Anne" in warning and "anyway" in warning
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ClientsScreen)
        assert table(pilot.app).current.display_name == "Morin, Paul"
    assert len(await all_clients(store, firm)) == 2


async def test_duplicate_flagged_on_ok_when_never_left_the_field(store, firm):
    await add_client(store, firm.firm_id, organization_name="Acme", email="info@acme.ca")
    async with running(store) as pilot:
        await open_list(pilot)
        await pilot.press("a")
        await settle(pilot)
        screen = pilot.app.screen
        screen.query_one("#input-first_name", Input).value = "Ann"
        screen.query_one("#input-last_name", Input).value = "Lee"
        screen.query_one("#input-email", Input).value = "info@acme.ca"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(pilot.app.screen, AddClientScreen)
        assert "Acme" in str(screen.query_one("#duplicate-warning", Static).render())
    assert len(await all_clients(store, firm)) == 1


async def test_list_after_a_restart_on_the_same_file(db_url, clock):
    first = await Store.open(db_url, clock=clock)
    await make_preparer(first)
    async with running(first) as pilot:
        await open_list(pilot)
        await pilot.press("a")
        await settle(pilot)
        for text in ("Kept", "Client", "kept@example.com", ""):
            await type_text(pilot, text)
            await pilot.press("enter")
        await pilot.press("enter")  # past Language
        await settle(pilot)
    await first.close()
    again = await Store.open(db_url, clock=clock)
    try:
        async with running(again) as pilot:
            await open_list(pilot)
            assert shown_names(pilot.app) == ["Client, Kept"]
    finally:
        await again.close()


@pytest.fixture
async def populated(store, firm):
    f = firm.firm_id
    ids = {}
    for name, email in [("Québec Inc.", "qc@quebec.ca"), ("Plomberie Gagnon & Fils", "p@pgf.ca"),
                        ("Alpha", "alpha@x.ca"), ("Beta", "beta@x.ca")]:
        ids[name] = await add_client(store, f, organization_name=name, email=email)
    ids["Gagnon, Émilie"] = await add_client(store, f, first_name="Émilie", last_name="Gagnon",
                                             email="eg@example.com")
    await set_status(store, ids["Alpha"], TAX_YEAR, PENDING)
    await set_status(store, ids["Beta"], TAX_YEAR, ACCEPTED)
    await set_status(store, ids["Beta"], TAX_YEAR - 1, PENDING)
    return ids


async def test_search_as_you_type(store, populated):
    async with running(store) as pilot:
        await open_list(pilot)
        assert table(pilot.app).total == 5
        await pilot.press("slash")
        await type_text(pilot, "gagnon")
        await settle(pilot)
        assert shown_names(pilot.app) == ["Gagnon, Émilie", "Plomberie Gagnon & Fils"]
        await pilot.press(*["backspace"] * len("gagnon"))
        await settle(pilot)
        assert table(pilot.app).total == 5
        await type_text(pilot, "quebec")
        await settle(pilot)
        assert shown_names(pilot.app) == ["Québec Inc."]
        await pilot.press("escape")
        await settle(pilot)
        assert table(pilot.app).total == 5
        assert pilot.app.focused is table(pilot.app)


async def test_status_filter_counts_and_tax_year(store, populated):
    async with running(store) as pilot:
        await open_list(pilot)
        bar = str(pilot.app.screen.query_one(PipelineBar).render())
        assert bar == "All 5 · Not invited 3 · Invitation pending 1 · Invitation accepted 1"
        await pilot.press("f")
        await settle(pilot)
        assert sorted(shown_names(pilot.app)) == [
            "Gagnon, Émilie", "Plomberie Gagnon & Fils", "Québec Inc."]
        await pilot.press("f")
        await settle(pilot)
        assert shown_names(pilot.app) == ["Alpha"]
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert "◂ 2024 ▸" in str(pilot.app.screen.query_one(TaxYearPicker).render())
        assert shown_names(pilot.app) == ["Beta"]
        bar = str(pilot.app.screen.query_one(PipelineBar).render())
        assert bar == "All 5 · Not invited 4 · Invitation pending 1 · Invitation accepted 0"


async def test_clicking_a_status_in_the_pipeline_filters(store, populated):
    async with running(store) as pilot:
        await open_list(pilot)
        bar = pilot.app.screen.query_one(PipelineBar)
        x = str(bar.render()).index("Invitation accepted") + 2
        await pilot.click(PipelineBar, offset=(x, 0))
        await settle(pilot)
        assert shown_names(pilot.app) == ["Beta"]
        await pilot.click(PipelineBar, offset=(2, 0))
        await settle(pilot)
        assert table(pilot.app).total == 5


async def test_sort_by_column_and_reverse(store, populated):
    async with running(store) as pilot:
        await open_list(pilot)
        assert shown_names(pilot.app)[0] == "Alpha"
        await pilot.press("r")
        await settle(pilot)
        assert shown_names(pilot.app)[0] == "Québec Inc."
        await pilot.press("s")  # by kind: the individual first
        await settle(pilot)
        assert shown_names(pilot.app)[0] == "Gagnon, Émilie"
        assert "Kind ▲" in visible_lines(table(pilot.app))[0]


async def test_hostile_names_stay_text_and_run_nothing(store, firm):
    hostile = ["[bold]Smith[/bold]", "Dupont [link=x", "[@click=app.quit]Acme[/]"]
    for name in hostile:
        await add_client(store, firm.firm_id, organization_name=name, email="h@x.ca")
    async with running(store) as pilot:
        await open_list(pilot)
        lines = "\n".join(visible_lines(table(pilot.app)))
        for name in hostile:
            assert name in lines
        for row in range(1, 4):
            await pilot.click(table(pilot.app).__class__, offset=(3, row))
        await settle(pilot)
        assert pilot.app.is_running
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("shift+tab", "right", "enter", "tab")
        await type_text(pilot, "Other")
        await pilot.press("tab")
        await type_text(pilot, "h@x.ca")
        await pilot.press("tab")
        await settle(pilot)
        warning = str(pilot.app.screen.query_one("#duplicate-warning", Static).render())
        assert "[bold]Smith[/bold]" in warning and "Dupont [link=x" in warning


async def test_control_characters_are_stripped_at_input(store, firm):
    async with running(store) as pilot:
        await open_list(pilot)
        await pilot.press("a")
        await settle(pilot)
        screen = pilot.app.screen
        screen.query_one("#input-first_name", Input).value = "\x1b[31mRed\x9b2J"
        screen.query_one("#input-last_name", Input).value = "Bell\x07"
        screen.query_one("#input-email", Input).value = "red@example.com"
        await pilot.press("ctrl+s")
        await settle(pilot)
        lines = "\n".join(visible_lines(table(pilot.app)))
        assert "\x1b" not in lines and "\x9b" not in lines and "\x07" not in lines
    (row,) = await all_clients(store, firm)
    assert row.display_name == "Bell, [31mRed 2J"


async def test_usable_at_80_by_24(store, firm):
    async with running(store, size=(80, 24)) as pilot:
        await open_list(pilot)
        await pilot.press("a")
        await settle(pilot)
        screen = pilot.app.screen
        for widget_id in ("#input-first_name", "#input-email", "#input-phone", "#ok-button"):
            region = screen.query_one(widget_id).region
            assert region.width > 0 and region.bottom <= 24, widget_id


async def test_inactive_clients_shown_on_request(store, firm):
    from store.models import Client

    await add_client(store, firm.firm_id, organization_name="Kept", email="k@x.ca")
    gone = await add_client(store, firm.firm_id, organization_name="Gone", email="g@x.ca")
    await store.execute(Client.update(active=False).where(Client.id == gone))
    async with running(store) as pilot:
        await open_list(pilot)
        assert shown_names(pilot.app) == ["Kept"]
        await pilot.press("h")
        await settle(pilot)
        assert shown_names(pilot.app) == ["Gone", "Kept"]
        assert "Inactive" in visible_lines(table(pilot.app))[1]
        info = str(pilot.app.screen.query_one("#list-info", Static).render())
        assert "inactive clients shown" in info
        assert info.startswith("2 shown of 2")  # not "2 shown of 1": the inactive one counts
        await pilot.press("h")
        await settle(pilot)
        info = str(pilot.app.screen.query_one("#list-info", Static).render())
        assert info.startswith("1 shown of 1")


async def test_add_form_typed_in_one_burst(store, firm):
    async with running(store) as pilot:
        await open_list(pilot)
        await pilot.press("a")
        await settle(pilot)
        burst(pilot, *"Sophie", "enter", *"Roy", "enter", *"sophie@example.ca", "enter", "enter",
              "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ClientsScreen)
        assert table(pilot.app).current.display_name == "Roy, Sophie"


async def test_a_new_client_speaks_the_apps_language_by_default(store, firm):
    from linkdesk.i18n import set_language

    set_language("fr")
    try:
        async with running(store) as pilot:
            await open_list(pilot)
            await pilot.press("a")
            await settle(pilot)
            assert pilot.app.screen.query_one("#language").value == "fr"
    finally:
        set_language("en")


async def test_the_key_bar_puts_the_keys_of_the_row_first_at_80_columns(store, firm):
    from tui.widgets.key_bar import KeyBar

    await add_client(store, firm.firm_id, organization_name="Acme", email="a@x.ca")
    pending = await add_client(store, firm.firm_id, organization_name="Bolt", email="b@x.ca")
    accepted = await add_client(store, firm.firm_id, organization_name="Cobalt",
                                email="c@x.ca")
    await set_status(store, pending, TAX_YEAR, PENDING)
    await set_status(store, accepted, TAX_YEAR, ACCEPTED)
    async with running(store, size=(80, 24)) as pilot:
        await open_list(pilot)
        bar = pilot.app.screen.query_one(KeyBar)

        def keys() -> str:
            return str(bar.render())

        assert keys().startswith(" i Invite  d Details ")  # Acme: not invited
        await pilot.press("down")
        await settle(pilot)
        assert keys().startswith(" c Cancel inv.  i Invite ")  # Bolt: pending
        await pilot.press("down")
        await settle(pilot)
        assert keys().startswith(" b Books  t History ")  # Cobalt: accepted organization
        await pilot.press("space")  # selected (the cursor moves on): i invites them all
        await settle(pilot)
        assert keys().startswith(" i Invite  space Select ")


async def test_a_refused_field_keeps_its_text_and_loses_its_error_once_right(store, firm):
    async with running(store, size=(80, 24)) as pilot:
        await open_list(pilot)
        await pilot.press("a")
        await settle(pilot)
        screen = pilot.app.screen
        for text in ("Jean", "Roy", "jean@@roy"):
            await type_text(pilot, text)
            await pilot.press("tab")
        await type_text(pilot, "12")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert error_of(screen, "email") == "Not a valid email address."
        assert error_of(screen, "phone") == "Not a valid phone number."
        phone = pilot.app.focused
        assert phone.id == "input-email" and phone.value == "jean@@roy"
        # Focused and refused, the one-line field still shows its text (no frame over it).
        assert phone.styles.border_top[0] in ("", "none")
        assert "jean@@roy" in "".join(s.text for s in phone.render_line(0))
        await pilot.press("backspace")  # still wrong: the reason stays
        await settle(pilot)
        assert error_of(screen, "email") == "Not a valid email address."
        for _ in range(len("jean@@roy")):
            await pilot.press("backspace")
        await type_text(pilot, "jean@roy.ca")
        await settle(pilot)
        assert error_of(screen, "email") == ""
        assert error_of(screen, "phone") == "Not a valid phone number."
        await pilot.press("shift+tab", "shift+tab", "shift+tab", "right", "enter")
        await settle(pilot)
        assert screen.kind == "organization"
        assert error_of(screen, "phone") == ""  # the kind switched: its errors went


async def test_the_counts_stay_on_one_line_at_80_columns_in_french(store):
    """The French demo's counts wrapped onto two lines (the list lost a row): the short
    labels, then without "All" (the line under the list says how many in all)."""
    from textual.app import App

    from linkdesk.i18n import set_language

    class Bar(App):
        def compose(self):
            yield PipelineBar()

    counts = {"not_invited": 132, "pending": 73, "accepted": 51, "sending": 3, "failed": 6,
              "expired": 30}
    try:
        set_language("fr")
        app = Bar()
        async with app.run_test(size=(80, 24)) as pilot:
            bar = app.query_one(PipelineBar)
            bar.show_counts(counts)
            await pilot.pause()
            assert bar.size.height == 1, str(bar.render())
            assert str(bar.render()).startswith("Non invité 132 · ")
            bar.show_counts(counts, "failed")  # a filter on: "All" clears it, so it stays
            await pilot.pause()
            assert str(bar.render()).startswith("Tous 295 · ")
    finally:
        set_language("en")


def counts_shown(app) -> tuple[str, str]:
    screen = app.screen
    return (str(screen.query_one(PipelineBar).render()),
            str(screen.query_one("#list-info", Static).render()).split("  ·  ")[0])


async def test_the_counts_and_the_line_under_the_list_count_the_same_clients(store, firm):
    """After `m` then `h` the bar said "All 5" over "6 shown of 6": the bar counted the active
    clients, the line every client shown. Both count what the list covers."""
    from tests.harness import wait_for
    from tui.screens.confirm import ConfirmScreen

    for name in "ABCDEF":
        await add_client(store, firm.firm_id, organization_name=name * 3, email=f"{name}@x.ca")
    async with running(store) as pilot:
        await open_list(pilot)
        burst(pilot, "m", "y", "h")
        await wait_for(lambda: not isinstance(pilot.app.screen, ConfirmScreen))
        await settle(pilot)
        # The inactive client's row says "Inactive": the bar counts it there, not as Not
        # invited, and the filter goes to it.
        assert counts_shown(pilot.app) == (
            "All 6 · Not invited 5 · Invitation pending 0 · Invitation accepted 0 · Inactive 1",
            "6 shown of 6")
        await pilot.press("f", "f", "f", "f")
        await settle(pilot)
        assert shown_names(pilot.app) == ["AAA"]
        assert counts_shown(pilot.app)[1] == "1 shown of 6"
        await pilot.press("h")  # hidden again: no filter on what is not shown
        await settle(pilot)
        assert counts_shown(pilot.app) == (
            "All 5 · Not invited 5 · Invitation pending 0 · Invitation accepted 0",
            "5 shown of 5")
        await pilot.press("h", "h")
        await settle(pilot)
        assert counts_shown(pilot.app) == (
            "All 5 · Not invited 5 · Invitation pending 0 · Invitation accepted 0",
            "5 shown of 5")


async def test_counts_asked_for_are_read_even_when_a_key_cancels_their_reload(
        store, firm, monkeypatch):
    """A reload that was to read the counts (after `m`) and is cancelled by a key's reload
    (here `s`) leaves them to that one: the bar never keeps a count from before the change."""
    import asyncio

    from tests.harness import wait_for
    from tui.screens.confirm import ConfirmScreen

    for name in "ABCDEF":
        await add_client(store, firm.firm_id, organization_name=name * 3, email=f"{name}@x.ca")
    real = store.clients.status_counts
    held = asyncio.Event()

    async def status_counts(*args, **kwargs):
        await held.wait()
        return await real(*args, **kwargs)

    async with running(store) as pilot:
        held.set()
        await open_list(pilot)
        pilot.app.screen._store_changed = lambda: None  # only the keys' own reloads
        held.clear()
        monkeypatch.setattr(store.clients, "status_counts", status_counts)
        await pilot.press("m")
        await wait_for(lambda: isinstance(pilot.app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(lambda: isinstance(pilot.app.screen, ClientsScreen)
                       and table(pilot.app).total == 5)
        await pilot.press("s")  # cancels the reload that waits on the counts
        held.set()
        await settle(pilot)
        assert counts_shown(pilot.app) == (
            "All 5 · Not invited 5 · Invitation pending 0 · Invitation accepted 0",
            "5 shown of 5")


async def test_a_field_left_for_help_keeps_its_cursor_for_the_next_letter(store, firm):
    """Leaving a field shows its start again; the cursor stays where the preparer typed."""
    from textual.widgets import Input

    async with running(store, size=(80, 24)) as pilot:
        await open_list(pilot)
        await pilot.press("slash")
        await type_text(pilot, "gagnon trembl")
        await pilot.press("f1")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ClientsScreen)
        box = pilot.app.screen.query_one("#search", Input)
        assert box.has_focus
        await type_text(pilot, "ay")
        await settle(pilot)
        assert box.value == "gagnon tremblay"

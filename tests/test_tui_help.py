"""Help (?), the command palette, NO_COLOR and themes."""

from __future__ import annotations

import pytest

from tests.harness import on_sqlite, running, settle, sign_in
from tests.helpers import PASSWORD, make_preparer
from tui.screens.clients import ClientsScreen
from tui.screens.help import HelpScreen

pytestmark = on_sqlite


@pytest.fixture
async def firm(store):
    return await make_preparer(store)


async def test_question_mark_lists_every_key_of_the_screen(store, firm):
    async with running(store) as pilot:
        await sign_in(pilot, "marie", PASSWORD)
        screen = pilot.app.screen
        assert isinstance(screen, ClientsScreen)
        await pilot.press("question_mark")
        await settle(pilot)
        help_screen = pilot.app.screen
        assert isinstance(help_screen, HelpScreen)
        listed = {what.split(":")[0] for _key, what, _enabled in help_screen.rows}
        expected = {b.group.description if b.group else b.description
                    for b in ClientsScreen.BINDINGS if b.description}
        assert expected <= listed  # shown in the key bar or not, every key is here
        assert {"Quit", "Help"} <= listed
        # The tax-year keys: one line, both keys, listed once.
        years = [(key, what) for key, what, _enabled in help_screen.rows if "ax year" in what]
        assert years == [("[ ]", "Tax year")]
        await pilot.press("escape")
        await settle(pilot)
        assert pilot.app.screen is screen


async def test_the_palette_offers_the_screen_actions(store, firm):
    async with running(store) as pilot:
        await sign_in(pilot, "marie", PASSWORD)
        commands = [c.title for c in pilot.app.get_system_commands(pilot.app.screen)]
        assert any(title.startswith("Add (a)") for title in commands)
        assert any(title.startswith("Books (b)") for title in commands)
        # Every action of the screen is in the palette, the tax years each on its own.
        for binding in ClientsScreen.BINDINGS:
            if binding.description and binding.id:
                assert any(t.startswith(f"{binding.description} (") for t in commands), binding
        assert {"Previous tax year ([ ])", "Next tax year (])"} <= set(commands)
        assert "Change theme" in commands
        await pilot.press("ctrl+p")
        await settle(pilot)
        from textual.command import CommandPalette

        assert isinstance(pilot.app.screen, CommandPalette)


async def test_no_color_is_respected(store, firm, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    async with running(store) as pilot:
        assert pilot.app.no_color


async def test_theme_is_chosen_by_setting(store, firm):
    from linkdesk.settings import Settings
    from tui.app import make_app

    app = make_app(Settings(db_url="(given store)", theme="nord"), store)
    assert app.theme == "nord"



async def test_help_ends_the_key_bar_at_80_columns_and_no_key_is_cut(store, firm):
    """At 80 columns the clients screen's keys ran off the edge ("[…"), `?` with them: keys
    that do not fit are left whole to help, which is always shown, last (the French bar is
    in the snapshots: the keys' words are translated as the screens are imported)."""
    from tests.harness import burst, open_list
    from tests.helpers import add_client
    from tui.widgets.key_bar import KeyBar

    await add_client(store, firm.firm_id, organization_name="Acme", email="a@x.ca")
    async with running(store, size=(80, 24)) as pilot:
        await open_list(pilot)
        for keys in ((), ("a",)):  # the list, then a dialog (F1: `?` is typed in a form)
            burst(pilot, *keys)
            await settle(pilot)
            bar = pilot.app.screen.query_one(KeyBar)
            line = str(bar.render())
            assert "…" not in line and len(line) <= 80, (line, bar.size, bar.content_size)
            if keys:
                assert "F1 " in line and "?" not in line, line
            else:
                assert line.rstrip().endswith("? Help"), line
                shown = {key for key in line.split() if len(key) == 1}
                assert {"i", "a", "/", "f"} <= shown, (line, bar.size)


async def test_french_names_the_escape_key_one_way_in_help_and_key_lines(store, firm):
    """French help said "esc" in its list of keys and "échap" in its sentence."""
    from textual.widgets import Static

    from linkdesk.i18n import set_language
    from tests.harness import open_list
    from tui.widgets.key_bar import KeyBar

    set_language("fr")
    try:
        async with running(store, size=(80, 24)) as pilot:
            await open_list(pilot)
            await pilot.press("a", "f1")
            await settle(pilot)
            help_screen = pilot.app.screen
            assert isinstance(help_screen, HelpScreen)
            keys = [key for key, _what, _enabled in help_screen.rows]
            assert "échap" in keys and "esc" not in keys, keys
            words = " ".join(str(s.render()) for s in help_screen.query(Static))
            words += str(help_screen.query_one(KeyBar).render())
            assert "échap pour revenir" in words and " esc " not in words, words
    finally:
        set_language("en")


async def test_french_help_names_each_screen_in_french(store, firm):
    """French help was titled "Touches : Client list": a screen's name, marked for the
    catalog where the class is defined, reached help untranslated (a dialog's, read off its
    own title line, was already French)."""
    from linkdesk.i18n import set_language
    from tests.harness import open_list

    set_language("fr")
    try:
        async with running(store, size=(80, 24)) as pilot:
            await open_list(pilot)
            await pilot.press("question_mark")
            await settle(pilot)
            assert pilot.app.screen.title_text == "Liste des clients"
            await pilot.press("escape", "a", "f1")
            await settle(pilot)
            help_screen = pilot.app.screen
            assert isinstance(help_screen, HelpScreen)
            assert help_screen.title_text.startswith("Ajouter"), help_screen.title_text
    finally:
        set_language("en")

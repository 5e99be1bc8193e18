"""No screen repaints itself when nothing it draws changed (issue 14, item 13)."""

from __future__ import annotations


def test_every_screen_moves_focus_without_repainting_itself():
    """Textual repaints a whole Screen when its focus moves (20 KB over SSH for a Tab): every
    screen of the desk is a QuietScreen or QuietModalScreen, new ones included."""
    import importlib
    import inspect
    import pkgutil

    from textual.screen import Screen

    import tui.screens
    from tui.textual_patches.quiet_screen import QuietScreenPatch

    loud = []
    for module in pkgutil.iter_modules(tui.screens.__path__):
        mod = importlib.import_module(f"tui.screens.{module.name}")
        for name, cls in inspect.getmembers(mod, inspect.isclass):
            if issubclass(cls, Screen) and cls.__module__ == mod.__name__ \
                    and not issubclass(cls, QuietScreenPatch):
                loud.append(name)
    assert not loud
    assert QuietScreenPatch.__dict__["focused"]._repaint is False


# -- what goes to the terminal (bench/terminal_bytes.py measures it in a real pty) ---------------

import pytest  # noqa: E402

from tests.harness import on_sqlite, running, settle, sign_in, table  # noqa: E402
from tests.helpers import PASSWORD, add_client, make_preparer  # noqa: E402


def whole_paints(app) -> list:
    """Each paint the app sends from now on, with whether it is of the whole screen."""
    from textual._compositor import LayoutUpdate

    sent: list[bool] = []
    display = app._display

    def counting(screen, renderable):
        if renderable is not None:
            sent.append(isinstance(renderable, LayoutUpdate))
        return display(screen, renderable)

    app._display = counting
    return sent


@pytest.fixture
async def listed(store):
    account = await make_preparer(store)
    for i in range(60):
        await add_client(store, account.firm_id, first_name=f"Ann{i:02}", last_name="Lee",
                         email=f"ann{i:02}@example.com")
    return account


@on_sqlite
async def test_help_opens_and_closes_in_one_whole_paint_each(store, listed):
    """Textual painted a pushed screen four times (the layout, the Resize at the same size,
    the repaint due with the layout, the second layout): 21.7 KB to open help over SSH; and
    the screen beneath twice when it was closed."""
    async with running(store, size=(80, 24)) as pilot:
        await sign_in(pilot, "marie", PASSWORD)
        sent = whole_paints(pilot.app)
        await pilot.press("question_mark")
        await settle(pilot)
        await pilot.pause(0.2)
        assert sent.count(True) == 1, sent
        # Closing it repainted the list twice: once on its return, once more when help was
        # taken off the app's stack, which changes nothing on the list.
        sent.clear()
        await pilot.press("escape")
        await settle(pilot)
        await pilot.pause(0.2)
        assert sent.count(True) == 1, sent


@on_sqlite
async def test_the_table_scrollbar_repaints_only_the_cells_that_change(store, listed):
    """Every layout refreshed the table's scrollbar (630 bytes at 80x24), twice for each
    search letter, though its thumb had not moved."""
    async with running(store, size=(80, 24)) as pilot:
        await sign_in(pilot, "marie", PASSWORD)
        bar = table(pilot.app).vertical_scrollbar
        await pilot.pause(0.1)
        bar.refresh()
        assert not bar._repaint_required  # the same cells: nothing sent
        bar.position = bar.window_virtual_size  # the thumb to the bottom
        assert bar._repaint_required
        rows = {region.y for region in bar._dirty_regions}
        assert rows and len(rows) < bar.size.height  # the rows that change, not the bar


@on_sqlite
async def test_a_blink_repaints_the_cursor_cell_not_the_field(store, listed):
    async with running(store, size=(80, 24)) as pilot:
        await sign_in(pilot, "marie", PASSWORD)
        await pilot.press("slash")
        await settle(pilot)
        search = pilot.app.screen.query_one("#search")
        await pilot.press("g")
        await settle(pilot)
        await pilot.pause(0.1)
        search._dirty_regions.clear()
        search._cursor_visible = not search._cursor_visible
        assert search._dirty_regions
        assert all(region.width <= 2 for region in search._dirty_regions)

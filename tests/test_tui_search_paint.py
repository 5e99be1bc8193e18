"""Backspace to an empty search box redraws the rows, whenever the empty term's answer lands.

Seen over SSH (100 ms RTT, 2,000 clients): a letter typed, the screen settled, Backspace; the
count line said "2,000 shown of 2,000" and the rows stayed the letter's until the next key.
The table had the right rows (it asked to be repainted); the paint was lost: the empty term's
first page landed while the screen's paint for the Backspace was put off for a layout
(QuietScreen), and that put-off paint, falling due before the screen's next frame, painted
the compositor's old dirty regions and dropped the table's request (Screen._dirty_widgets
cleared without Compositor.update_widgets).

The test holds the store's answers so the orderings are exact: the empty term's first page
is held until the Backspace's paint is put off, and the screen's next frame comes only after
that paint falls due; the letter's answer lands before the empty term's is asked for
(`settled`), or after it (`letter_late`: the letter's count still on its way).
"""

from __future__ import annotations

import asyncio

import pytest
from rich.cells import cell_len
from rich.segment import ControlType
from textual.widgets import Static

import tui.textual_patches.quiet_screen
from store import ClientDraft, check_draft
from tests.harness import (
    answered_even_if_cancelled,
    burst,
    on_sqlite,
    settings,
    settle,
    sign_in,
    visible_lines,
)
from tests.helpers import PASSWORD, make_preparer
from tui.app import make_app
from tui.screens.clients import ClientsScreen
from tui.textual_patches.quiet_screen import QuietScreenPatch

pytestmark = on_sqlite

FIRST = ["Alice", "Bruno", "Chloé", "Denis", "Émile", "Fanny", "Gilles", "Hugo", "Inès", "Jules"]
LAST = ["Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Gauthier", "Morin", "Lavoie",
        "Fortin", "Pelletier", "Zyx"]


async def add_firm_clients(store, firm, n: int) -> None:
    """`n` clients; 'z' finds the Zyx ones only (180 of 2,000)."""
    await store.clients.add_many(firm.firm_id, [
        check_draft(ClientDraft(kind="individual", first_name=FIRST[i % len(FIRST)],
                                last_name=f"{LAST[(i // 10) % len(LAST)]}{i}",
                                email=f"c{i}@mail.ca"))
        for i in range(n)], firm.id)


class Terminal:
    """What the preparer's terminal shows: every paint the app sends, applied to a grid."""

    def __init__(self, app, size) -> None:
        width, height = size
        self.cells = [[" "] * width for _ in range(height)]
        display = app._display

        def recording(screen, update):
            self.apply(app, update)
            return display(screen, update)

        app._display = recording

    def apply(self, app, update) -> None:
        from textual._compositor import CompositorUpdate

        if not isinstance(update, CompositorUpdate) or app._batch_count:
            return
        console = app.console
        x = y = 0
        for segment in update.__rich_console__(console, console.options):
            if segment.control:
                for code, *args in segment.control:
                    if code == ControlType.CURSOR_MOVE_TO:
                        x, y = args
            elif segment.text == "\n":
                x, y = 0, y + 1
            else:
                for char in segment.text:
                    if 0 <= y < len(self.cells) and 0 <= x < len(self.cells[y]):
                        self.cells[y][x] = char
                    x += cell_len(char)

    def lines(self) -> list[str]:
        return ["".join(row) for row in self.cells]


class Held:
    """The store's page and count for chosen search terms, answered when the test says.

    A held answer still comes back when the worker that asked is cancelled, as a query
    already handed to the database thread does."""

    def __init__(self, clients, monkeypatch) -> None:
        self.gates: dict[tuple[str, str], asyncio.Event] = {}
        self.waiting: set[tuple[str, str]] = set()
        for name in ("page", "count"):
            monkeypatch.setattr(clients, name, self._held(name, getattr(clients, name)))

    def hold(self, name: str, term: str) -> None:
        self.gates[name, term] = asyncio.Event()

    def release(self, name: str, term: str) -> None:
        self.gates.pop((name, term)).set()

    def _held(self, name, method):
        async def call(q, *args, **kwargs):
            gate = self.gates.get((name, q.search))
            if gate is None:
                return await method(q, *args, **kwargs)
            self.waiting.add((name, q.search))

            async def answer():
                await gate.wait()
                return await method(q, *args, **kwargs)

            return await answered_even_if_cancelled(answer())

        return call


async def until(predicate, timeout: float = 5.0) -> None:
    """Until `predicate()` holds, looking every millisecond (the windows here are short)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError("condition never held")
        await asyncio.sleep(0.001)


@pytest.mark.parametrize("order", ["settled", "letter_late"])
async def test_backspace_to_an_empty_box_redraws_the_rows(store, monkeypatch, order):
    firm = await make_preparer(store)
    await add_firm_clients(store, firm, 2000)
    held = Held(store.clients, monkeypatch)
    # A paint the screen puts off for a layout falls due 0.3 s later here instead of 0.03 s:
    # room for the held page to land inside the window however slow the machine.
    put_off = 0.3
    monkeypatch.setattr(tui.textual_patches.quiet_screen, "PUT_OFF_AT_MOST_S", put_off)
    hold_frames = False
    on_timer_update = QuietScreenPatch._on_timer_update

    def next_frame_after_put_off_paint(self) -> None:
        # While a paint is put off for the layout, the screen's next frame waits for it: the
        # order in which the put-off paint falls due before the frame for the new rows.
        if hold_frames and self._paints_left_to_layout:
            self._update_timer.pause()
            return
        on_timer_update(self)

    monkeypatch.setattr(QuietScreenPatch, "_on_timer_update", next_frame_after_put_off_paint)

    size = (100, 30)
    app = make_app(settings(), store)
    terminal = Terminal(app, size)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await sign_in(pilot, "marie", PASSWORD)
        screen = app.screen
        assert isinstance(screen, ClientsScreen)
        table = screen.table

        def on_terminal(rows: int = 8) -> list[str]:
            x, y, width = table.region.x, table.region.y, table.scrollable_content_region.width
            return [line[x:x + width].rstrip() for line in terminal.lines()[y:y + rows]]

        def in_table(rows: int = 8) -> list[str]:
            return [line.rstrip() for line in visible_lines(table)[:rows]]

        def info() -> str:
            return str(screen.query_one("#list-info", Static).render())

        await pilot.press("slash")
        await settle(pilot)
        if order == "letter_late":
            held.hold("count", "z")  # the letter's count answers after the empty term's
        burst(pilot, "z")
        await until(lambda: table.current is not None
                    and table.current.display_name.startswith("Zyx"))
        if order == "settled":
            await settle(pilot)
            assert info().startswith("180 shown of 2,000")
        else:
            await until(lambda: ("count", "z") in held.waiting)
        await until(lambda: on_terminal() == in_table())  # the letter's rows are on screen
        assert on_terminal()[1].startswith("Zyx100")
        await asyncio.sleep(put_off + 0.1)  # the letter's own put-off paint is long done

        held.hold("page", "")
        held.hold("count", "")
        hold_frames = True
        # A keystroke's layout no longer puts its paint off; a screen at a size it has not
        # been painted at does (a resize, a new screen): the Backspace's layout as one such.
        screen._painted_size = None
        burst(pilot, "backspace")
        # The Backspace's layout painted and put its paint off; the empty term's page is asked.
        await until(lambda: ("page", "") in held.waiting and screen._paints_left_to_layout)
        held.release("page", "")
        # The empty term's rows are in the table, which asked the screen for a repaint...
        await until(lambda: table in screen._dirty_widgets)
        assert screen._paints_left_to_layout == 1, "the put-off paint fell due too early"
        assert in_table()[1].startswith("Bouchard1030")
        # ...and the put-off paint falls due before the screen's next frame.
        await until(lambda: not screen._paints_left_to_layout)
        hold_frames = False
        held.release("count", "")
        if order == "letter_late":
            held.release("count", "z")  # late: dropped, the box no longer holds 'z'
        await settle(pilot)
        await pilot.pause(0.2)

        assert table.total == 2000
        assert info().startswith("2,000 shown of 2,000")
        assert any(info() in line for line in terminal.lines())  # the count line was sent
        assert on_terminal() == in_table(), "the count line is new, the rows on screen are not"


async def test_new_rows_never_sit_under_the_last_searchs_count(store, monkeypatch):
    """Over SSH the count line came ~100 ms after its rows: the rows of 'z' under '2,000
    shown'. Until the new count lands, the line says how many are known to match."""
    firm = await make_preparer(store)
    await add_firm_clients(store, firm, 2000)
    held = Held(store.clients, monkeypatch)
    app = make_app(settings(), store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await sign_in(pilot, "marie", PASSWORD)
        screen = app.screen
        table = screen.table

        def info() -> str:
            return str(screen.query_one("#list-info", Static).render())

        assert info().startswith("2,000 shown of 2,000")
        await pilot.press("slash")
        await settle(pilot)
        held.hold("count", "z")
        burst(pilot, "z")
        await until(lambda: ("count", "z") in held.waiting)
        await until(lambda: table.current is not None
                    and table.current.display_name.startswith("Zyx"))
        assert info().startswith("100+ shown of 2,000"), info()
        held.release("count", "z")
        await settle(pilot)
        assert info().startswith("180 shown of 2,000")


async def test_a_search_letter_lays_out_nothing(store, monkeypatch):
    """Textual's Input set its text's width at every key, and that laid out the whole screen
    (a field's size never depends on its text): a layout for each letter typed."""
    from textual.screen import Screen

    firm = await make_preparer(store)
    await add_firm_clients(store, firm, 2000)
    layouts = []
    refresh_layout = Screen._refresh_layout

    def counted(self, *args, **kwargs):
        layouts.append(self)
        return refresh_layout(self, *args, **kwargs)

    monkeypatch.setattr(Screen, "_refresh_layout", counted)
    app = make_app(settings(), store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await sign_in(pilot, "marie", PASSWORD)
        await pilot.press("slash")
        await settle(pilot)
        for _ in range(20):  # until the screen is still (a loaded machine draws late)
            layouts.clear()
            await pilot.pause(0.3)
            if not layouts:
                break
        for key in ("z", "y", "backspace"):  # 180 clients each: the scrollbar stays
            burst(pilot, key)
            await settle(pilot)
        assert app.screen.search_box.value == "z"
        assert layouts == []


async def test_a_search_letters_rows_are_painted_as_they_land(store, monkeypatch):
    """The rows a letter finds are sent to the terminal when they land, not at the screen's
    next frame (up to 16.7 ms later, behind the paint of the letter itself). The screen's
    frames are held here: only a paint of the rows' own makes them reach the terminal."""
    firm = await make_preparer(store)
    await add_firm_clients(store, firm, 2000)
    hold_frames = False
    on_timer_update = QuietScreenPatch._on_timer_update

    def frame(self) -> None:
        if hold_frames:
            self._update_timer.pause()
            return
        on_timer_update(self)

    monkeypatch.setattr(QuietScreenPatch, "_on_timer_update", frame)
    size = (100, 30)
    app = make_app(settings(), store)
    terminal = Terminal(app, size)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await sign_in(pilot, "marie", PASSWORD)
        screen = app.screen
        table = screen.table

        def on_terminal(rows: int = 8) -> list[str]:
            x, y, width = table.region.x, table.region.y, table.scrollable_content_region.width
            return [line[x:x + width].rstrip() for line in terminal.lines()[y:y + rows]]

        await pilot.press("slash")
        await settle(pilot)
        await pilot.pause(0.1)
        assert on_terminal()[1].startswith("Bouchard1030")
        hold_frames = True
        burst(pilot, "z")
        await until(lambda: table.current is not None
                    and table.current.display_name.startswith("Zyx"))
        await until(lambda: on_terminal()[1].startswith("Zyx100"))
        assert any("100+ shown of 2,000" in line for line in terminal.lines())
        hold_frames = False
        await settle(pilot)

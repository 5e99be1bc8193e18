"""The key-order mechanism on its own: what a key waits for, and what it must not wait for."""

from __future__ import annotations

import asyncio

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tests.harness import burst
from tui.textual_patches.app import PatchedApp


class Ask(ModalScreen[bool]):
    BINDINGS = [Binding("y", "yes")]

    def compose(self) -> ComposeResult:
        yield Static("sure?")

    def action_yes(self) -> None:
        self.dismiss(True)


class Probe(PatchedApp):
    AUTO_FOCUS = None  # letters are commands until / focuses the box
    BINDINGS = [Binding("a", "ask"), Binding("b", "count"), Binding("w", "slow"),
                Binding("slash", "to_box")]

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.seen: list[str] = []

    def compose(self) -> ComposeResult:
        yield Input(id="box")
        yield Static("list", id="list")

    def action_count(self) -> None:
        self.seen.append("b")

    def action_ask(self) -> None:
        self.push_screen(Ask(), lambda yes: self.long_job() if yes else None)

    def action_to_box(self) -> None:
        self.query_one("#box", Input).focus()  # the deferred kind of focus, on purpose

    @work(group="long")
    async def long_job(self) -> None:
        self.seen.append("job started")
        await self.gate.wait()
        self.seen.append("job done")

    @work(group="slow")
    async def action_slow(self) -> None:
        await self.gate.wait()
        self.seen.append("slow done")


async def wait_until(pilot, predicate):
    for _ in range(500):
        if predicate():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"never: {pilot.app.seen} {list(pilot.app._keys_waiting)}")


async def test_a_bindings_worker_holds_the_keys_after_it_until_done():
    app = Probe()
    async with app.run_test() as pilot:
        burst(pilot, "w", "b")
        await pilot.pause(0.2)
        assert app.seen == []  # b waits for w's worker (it may open a screen, read a page)
        app.gate.set()
        await wait_until(pilot, lambda: app.seen == ["slow done", "b"])


async def test_a_job_started_by_a_dialogs_answer_does_not_hold_the_keyboard():
    app = Probe()
    async with app.run_test() as pilot:
        burst(pilot, "a", "y", "b", "b")
        await wait_until(pilot, lambda: app.seen.count("b") == 2)
        assert app.seen[0] == "job started" and "job done" not in app.seen
        app.gate.set()
        await wait_until(pilot, lambda: "job done" in app.seen)


async def test_a_deferred_focus_still_takes_the_letters_after_it():
    app = Probe()
    async with app.run_test() as pilot:
        burst(pilot, "slash", *"bonjour")
        await wait_until(pilot, lambda: app.query_one("#box", Input).value == "bonjour")
        assert app.seen == []

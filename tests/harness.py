"""Driving the real app headless (Textual Pilot): start it, type, wait for its workers."""

from __future__ import annotations

import asyncio
import time
from contextlib import asynccontextmanager

import pytest
from textual.pilot import Pilot

from linkdesk.settings import Settings
from store import Store
from tui.app import LinkdeskApp, make_app
from tui.widgets.client_table import ClientTable

# Pilot tests of screens run on SQLite only: what they test is the screen, and the store's own
# tests run on both backends (the PostgreSQL tier of the app is test_tui_store_faults_pg).
on_sqlite = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

TAX_YEAR = 2025


def settings(**kw) -> Settings:
    return Settings(db_url="(given store)", tax_year=TAX_YEAR, **kw)


@asynccontextmanager
async def running(store: Store, size=(100, 30)):
    app = make_app(settings(), store)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        yield pilot


async def settle(pilot: Pilot) -> None:
    """Wait until no worker runs (workers may start others) and the screen has caught up."""
    deadline = asyncio.get_running_loop().time() + 15
    for _ in range(10):
        await pilot.pause()
        while busy := [w for w in pilot.app.workers if w.is_running or w.state.name == "PENDING"]:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"workers still running (a dialog open?): {busy}")
            await asyncio.sleep(0.001)
        while getattr(pilot.app, "keys_pending", False):  # keys of a burst still in turn
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("keys still waiting their turn")
            await asyncio.sleep(0.001)
        await pilot.pause()
        if not any(w.is_running for w in pilot.app.workers) and \
                not getattr(pilot.app, "keys_pending", False):
            break


async def wait_for(predicate, timeout: float = 30.0) -> None:
    """Until `predicate()` holds: for a dialog a worker waits on, where `settle` cannot."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition never held")
        await asyncio.sleep(0.02)


async def type_text(pilot: Pilot, text: str, *, key_by_key: bool = False) -> None:
    """Type `text` as a quick typist's keys arrive (each its own key event, all in one read),
    then wait for the screen; `key_by_key` waits after each key, as Pilot's press does
    (~80 ms a key), for a test about what each key shows on its own."""
    if key_by_key:
        for char in text:
            await pilot.press(char)
        return
    burst(pilot, *text)
    await pilot.pause()


def burst(pilot: Pilot, *keys: str) -> None:
    """Queue keys the way a terminal read full of them does: all before any is handled."""
    from tui.textual_patches.keys import feed_keys

    feed_keys(pilot.app, *keys)


async def open_list(pilot: Pilot) -> None:
    """Sign in as the helpers' preparer and land on the client list."""
    from tests.helpers import PASSWORD
    from tui.screens.clients import ClientsScreen

    await sign_in(pilot, "marie", PASSWORD)
    assert isinstance(pilot.app.screen, ClientsScreen)


async def sign_in(pilot: Pilot, username: str, password: str, *, key_by_key: bool = False
                  ) -> None:
    """Sign in from the sign-in screen. The keys arrive in one burst, as a fast typist's over
    SSH do (Pilot's own press waits ~80 ms after each key: 2 s a sign-in); `key_by_key` for
    the tests of the sign-in screen itself."""
    if key_by_key:
        await type_text(pilot, username, key_by_key=True)
        await pilot.press("enter")
        await type_text(pilot, password, key_by_key=True)
        await pilot.press("enter")
    else:
        burst(pilot, *username, "enter", *password, "enter")
    await settle(pilot)


def table(app: LinkdeskApp) -> ClientTable:
    return app.screen.query_one(ClientTable)


def visible_lines(widget) -> list[str]:
    """What a line-API widget shows, line by line, as plain text."""
    return [
        "".join(segment.text for segment in widget.render_line(y))
        for y in range(widget.scrollable_content_region.height)
    ]


def shown_names(app: LinkdeskApp) -> list[str]:
    return [row.display_name for row in table(app).loaded_rows()]


def toasts(app) -> list[str]:
    """The messages of the toasts on screen now, oldest first."""
    from tui.textual_patches.notifications import shown_toasts

    return [str(toast.message) for toast in shown_toasts(app)]


async def answered_even_if_cancelled(awaitable):
    """Await `awaitable` to its end even when the caller is cancelled meanwhile, as a query
    already handed to the database thread finishes (the tests that hold or slow answers)."""
    task = asyncio.ensure_future(awaitable)
    while True:
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            if task.done():
                return task.result()

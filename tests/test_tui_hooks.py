"""The webhooks in the desk (W on the list): each event, where it stands, the receiver's last
answer; y queues the failed ones again, and only when there are some."""

from __future__ import annotations

from textual.widgets import DataTable, Static

from store.hooks import REFUSALS, HookAnswer
from tests.harness import open_list, running, settle, toasts
from tests.helpers import make_preparer
from tui.screens.hook_events import HookEventsScreen


async def _events(store, clock) -> None:
    """bill.paid refused until failed, then invitation.accepted delivered, then bill.approved
    waiting after a dead port."""
    async with store.write():
        await store.hooks.queue("bill.paid", [{"n": 1}])
    for _ in range(REFUSALS):
        (job,) = await store.hooks.claim_many(10)
        await store.hooks.record([HookAnswer(job, status=401)])
        clock.now = await store.hooks.next_due() or clock.now
    async with store.write():
        await store.hooks.queue("invitation.accepted", [{"n": 2}])
    (job,) = await store.hooks.claim_many(10)
    await store.hooks.record([HookAnswer(job, status=204)])
    async with store.write():
        await store.hooks.queue("bill.approved", [{"n": 3}])
    (job,) = await store.hooks.claim_many(10)
    await store.hooks.record([HookAnswer(job, error="cannot connect: connection refused")])


def _rows(screen) -> list[list[str]]:
    table = screen.query_one("#hook-event-list", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_the_desk_lists_webhooks_and_sends_the_failed_again(store, clock):
    await make_preparer(store)
    await _events(store, clock)
    async with running(store) as pilot:
        await open_list(pilot)
        await pilot.press("W")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, HookEventsScreen)
        assert str(screen.query_one("#hook-summary", Static).render()) == \
            "Waiting: 1 · Failed: 1"
        rows = _rows(screen)
        assert [row[:3] + row[4:] for row in rows] == [
            ["bill.approved", "Waiting", "1", "cannot connect: connection refused"],
            ["invitation.accepted", "Delivered", "1", "HTTP 204"],
            ["bill.paid", "Failed", str(REFUSALS), "HTTP 401"]]
        assert screen.check_action("retry_failed", ()) is True
        await pilot.press("y")
        await settle(pilot)
        assert "1 failed webhook queued again." in toasts(pilot.app)
        assert [row[1] for row in _rows(screen)] == ["Waiting", "Delivered", "Waiting"]
        assert str(screen.query_one("#hook-summary", Static).render()) == \
            "Waiting: 2 · Failed: 0"
        assert screen.check_action("retry_failed", ()) is False
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, HookEventsScreen)


async def test_with_no_event_the_screen_says_when_there_will_be(store):
    await make_preparer(store)
    async with running(store) as pilot:
        await open_list(pilot)
        await pilot.press("W")
        await settle(pilot)
        screen = pilot.app.screen
        assert screen.query_one("#hook-events-empty", Static).display
        assert not screen.query_one("#hook-event-list", DataTable).display
        assert screen.check_action("retry_failed", ()) is False

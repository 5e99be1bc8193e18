"""News toasts give way: at 80x24 the demo's welcome, a bulk run's end and the acceptances
covered the field of the import dialog just opened."""

from __future__ import annotations

from tests.harness import on_sqlite, running, settle, sign_in
from tests.helpers import PASSWORD, make_preparer

pytestmark = on_sqlite


def shown(app) -> list[tuple[str, str]]:
    return [(n.severity, str(n.message)) for n in app._notifications]


async def test_at_most_two_news_toasts_and_a_dialog_puts_them_away(store):
    await make_preparer(store)
    async with running(store, size=(80, 24)) as pilot:
        await sign_in(pilot, "marie", PASSWORD)
        app = pilot.app
        app.notify("The database is slow", severity="warning", markup=False)
        for n in range(4):
            app.notify(f"news {n}", markup=False)
        await settle(pilot)
        assert shown(app) == [("warning", "The database is slow"),
                              ("information", "news 2"), ("information", "news 3")]
        await pilot.press("I")  # a dialog: the news goes, the warning stays
        await settle(pilot)
        assert type(app.screen).__name__ == "ImportClientsScreen"
        assert shown(app) == [("warning", "The database is slow")]

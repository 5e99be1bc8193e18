"""News toasts give way: at 80x24 the demo's welcome, a bulk run's end and the acceptances
covered the field of the import dialog just opened."""

from __future__ import annotations

from tests.harness import on_sqlite, running, settle, sign_in
from tests.helpers import PASSWORD, make_preparer
from tui.textual_patches.notifications import shown_toasts

pytestmark = on_sqlite


def shown(app) -> list[tuple[str, str]]:
    return [(n.severity, str(n.message)) for n in shown_toasts(app)]


async def test_one_news_toast_at_a_time_and_a_dialog_puts_it_away(store):
    await make_preparer(store)
    async with running(store, size=(80, 24)) as pilot:
        await sign_in(pilot, "marie", PASSWORD)
        app = pilot.app
        app.notify("The database is slow", severity="warning", markup=False)
        for n in range(4):
            app.notify(f"news {n}", markup=False)
        await settle(pilot)
        assert shown(app) == [("warning", "The database is slow"),
                              ("information", "news 3")]
        await pilot.press("I")  # a dialog: the news goes, the warning stays
        await settle(pilot)
        assert type(app.screen).__name__ == "ImportClientsScreen"
        assert shown(app) == [("warning", "The database is slow")]


async def test_toasts_never_cover_the_rows_of_the_list(store):
    """At the bottom right they covered the Phone and Status columns at 80x24."""
    from tests.helpers import add_client

    firm = await make_preparer(store)
    for n in range(30):
        await add_client(store, firm.firm_id, organization_name=f"Client {n:02}",
                         email=f"c{n}@example.com", phone="418 555 0100")
    from tests.harness import settings
    from tui.app import make_app

    app = make_app(settings(), store)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:  # toasts drawn
        await settle(pilot)
        await sign_in(pilot, "marie", PASSWORD)
        app.notify("21 acceptances; the latest: Leblanc Cleaning Ltd., Traiteur Lavoie",
                   markup=False)
        app.notify("The database is slow", severity="warning", markup=False)
        await settle(pilot)
        await pilot.pause(0.2)
        toasts = list(app.screen.query("Toast"))  # by type name: Toast is not exported
        assert len(toasts) == 2
        table = app.screen.query_one("#clients")
        for toast in toasts:
            assert toast.region.height >= 1
            assert not toast.region.overlaps(table.region), (toast.region, table.region)


async def test_over_a_dialog_toasts_sit_on_its_key_line_not_its_fields(store):
    """An acceptance arriving while the add-client form was open covered its kind choice."""
    from tests.harness import settings
    from tui.app import make_app

    await make_preparer(store)
    app = make_app(settings(), store)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await sign_in(pilot, "marie", PASSWORD)
        await pilot.press("a")
        await settle(pilot)
        app.notify("18 acceptances; the latest: Leblanc Cleaning Ltd.", markup=False)
        await settle(pilot)
        await pilot.pause(0.2)
        dialog = app.screen.query_one("#add-client")
        (toast,) = app.screen.query("Toast")
        assert toast.region.y >= 22, toast.region  # the bottom lines: the key line
        assert not toast.region.overlaps(app.screen.query_one("#kind").region)
        assert dialog.region.bottom <= 23


async def test_a_toast_that_replaces_its_own_stays_on_the_top_line(store):
    """In the demo a burst of acceptances walked its toast down one line per update, over the
    list's rows by the tenth: each toast taken back, or forgotten as expired, left its empty
    holder in the rack."""
    from tests.harness import settings
    from tui.app import make_app
    from tui.one_toast import AcceptanceNews

    await make_preparer(store)
    app = make_app(settings(), store)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await sign_in(pilot, "marie", PASSWORD)
        news = AcceptanceNews()
        for n in range(12):
            news.heard(app, [f"Client {n}"])
            await settle(pilot)
        for n in range(6):  # in one tick: each replaced before its holder is even mounted
            news.heard(app, [f"Client {n}"])
            app.notify(f"news {n}", markup=False)
        # Warnings that expire while the news refreshes the toasts: the notifications forget
        # one before its toast's own timer removes it, and its holder stayed.
        for n in range(150):
            if n % 10 == 0:
                app.notify("The database is slow", severity="warning", markup=False,
                           timeout=0.3)
            news.heard(app, [f"Client {n}"])
            await pilot.pause(0.02)
        app.notify("news", markup=False)  # news in place of news: the same
        await settle(pilot)
        await pilot.pause(0.5)
        rack = app.screen.query_one("ToastRack")  # by type name: neither is exported
        toasts = list(rack.query("Toast"))
        assert len(toasts) == 1 and toasts[0].region.y == 0, [t.region for t in toasts]
        assert len(rack.children) == 1


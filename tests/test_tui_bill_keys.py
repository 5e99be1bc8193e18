"""The bill review's keys stay on its key line, and do what it says, wherever the focus is."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from store.invoices import LineDraft
from store.validate import Details
from tests.harness import on_sqlite, running, settle
from tests.helpers import add_client, make_preparer, member_bill
from tests.test_tui_network import open_books
from tui.screens.bill_review import BillReviewScreen
from tui.screens.bills import BillsScreen
from tui.widgets.key_bar import KeyBar

pytestmark = on_sqlite


async def test_ctrl_d_stays_on_the_key_line_and_marks_the_duplicate_after_ctrl_r(store):
    """ctrl+r with no reason puts the cursor in Reason, a text field, whose own ctrl+d
    (delete right) hid the dialog's: ^d left the key line and deleted a letter. It stays,
    and reaches the dialog."""
    firm = await make_preparer(store)
    client_id = await add_client(store, firm.firm_id, organization_name="Toiture Fortin",
                                 email="info@fortin.ca")
    async with store.write():
        receiver = await store.network.open_books_for(client_id)
    await member_bill(
        store, firm, receiver, Details("Toiture Fortin", "info@fortin.ca", "", "", "", ""),
        [LineDraft("Fuite", Decimal("2"), Decimal("95.00"), "GST+QST")],
        due=store.today() + dt.timedelta(days=10))
    async with running(store, size=(80, 24)) as pilot:
        await open_books(pilot)
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(pilot.app.screen, BillsScreen)
        await pilot.press("enter")
        await settle(pilot)
        review = pilot.app.screen
        assert isinstance(review, BillReviewScreen)
        assert "^d Duplicate" in str(review.query_one(KeyBar).render())
        await pilot.press("ctrl+r")  # no reason: the cursor goes to Reason
        await settle(pilot)
        assert review.focused is review.query_one("#reason")
        assert "^d Duplicate" in str(review.query_one(KeyBar).render())
        await pilot.press("ctrl+d")  # the dialog's key, not the field's delete-right
        await settle(pilot)
        # This vendor has no other bill with this number: a duplicate of nothing is not marked,
        # and the dialog says so (a duplicate names the bill it repeats).
        assert pilot.app.screen is review
        said = str(review.query_one("#form-message").render())
        assert said.startswith("No other bill from this vendor has this number"), said
    assert (await store.bills.list(receiver))[0].status == "review"

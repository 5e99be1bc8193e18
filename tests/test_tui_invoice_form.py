"""The invoice form at the size we design for: every tax code reads whole, its list stays in
the form."""

from __future__ import annotations

import pytest
from textual.widgets import Select

from linkdesk.i18n import set_language
from store.taxes import codes_for
from tests.harness import on_sqlite, running, settle, visible_lines
from tests.helpers import add_client, make_preparer
from tests.test_tui_network import open_books
from tui.screens.invoice_form import InvoiceFormScreen, LineRow, tax_choice
from tui.textual_patches.drawn import drawn_lines

pytestmark = on_sqlite


def drawn(app, region) -> str:
    """The text the screen shows in `region` (one row), as the terminal gets it."""
    strip = drawn_lines(app)[region.y]
    return strip.crop(region.x, region.right).text.strip(" ▼")


@pytest.fixture
def language(request):
    set_language(request.param)
    yield request.param
    set_language("en")


@pytest.mark.parametrize("language", ["en", "fr"], indirect=True)
async def test_the_tax_list_reads_whole_and_opens_inside_the_form_at_80x24(store, language):
    firm = await make_preparer(store)
    client_id = await add_client(store, firm.firm_id, organization_name="Toiture Fortin",
                                 email="info@fortin.ca")
    async with store.write():
        await store.network.open_books_for(client_id)
    async with running(store, size=(80, 24)) as pilot:
        await open_books(pilot)
        await pilot.press("i")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, InvoiceFormScreen)
        tax = form.query_one(LineRow).query_one(Select)
        dialog = form.query_one("#invoice-form").region
        for code in codes_for(store.network.region):  # each chosen: its rate shows whole
            tax.value = code.code
            await pilot.pause()
            shown = drawn(pilot.app, tax.region)
            assert "…" not in shown and shown.count("%") == code.label(language).count("%"), (
                shown)
        tax.focus()
        await pilot.press("enter")
        await settle(pilot)
        overlay = tax.query_one("SelectOverlay")
        assert overlay.display and overlay.region.height > 2
        assert dialog.contains_region(overlay.region), (overlay.region, dialog)
        rows = [line.strip(" ▔▁▊▎▌▐│") for line in visible_lines(overlay)]
        assert rows[:len(codes_for(store.network.region))] == [
            tax_choice(code, language).strip()  # one row each, whole
            for code in codes_for(store.network.region)]


@pytest.mark.parametrize("language", ["en", "fr"], indirect=True)
@pytest.mark.parametrize("customers", [(), ("Bo",), ("Bo", "Plomberie Gagnon & Fils inc.")])
async def test_the_customer_prompt_reads_whole_at_80x24(store, language, customers):
    """Reported at 80 columns as "Choose the custome": the prompt, and the list it opens,
    read whole whether the books have no customer, a short one or a long one."""
    from linkdesk.i18n import _
    from store.validate import Details

    firm = await make_preparer(store)
    client_id = await add_client(store, firm.firm_id, organization_name="Toiture Fortin",
                                 email="info@fortin.ca")
    async with store.write():
        books = await store.network.open_books_for(client_id)
    for name in customers:
        await store.network.add_contact(books, "customer", Details(name, "b@example.com"))
    async with running(store, size=(80, 24)) as pilot:
        await open_books(pilot)
        await pilot.press("i")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, InvoiceFormScreen)
        customer = form.query_one("#customer", Select)
        assert customer.is_blank()
        assert drawn(pilot.app, customer.region) == _("Choose the customer")
        customer.focus()
        await pilot.press("enter")
        await settle(pilot)
        overlay = customer.query_one("SelectOverlay")
        rows = [line.strip(" ▔▁▊▎▌▐│") for line in visible_lines(overlay)]
        screen = "\n".join(s.text for s in drawn_lines(pilot.app))
        assert rows[:1 + len(customers)] == [_("Choose the customer"), *sorted(customers)], (
            screen)

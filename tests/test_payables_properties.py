"""Totals and the network's delivery rules, property-tested (hypothesis), Decimal throughout."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given
from hypothesis import strategies as st

from store import delivery_rules
from store.delivery_rules import Side, network_refusal
from store.documents import number_key
from store.taxes import codes_for, line_net, tax_code, totals

CODES = [c.code for c in codes_for("CA")]
quantities = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("10000"), places=3)
prices = st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=4)
lines = st.lists(st.tuples(quantities, prices, st.sampled_from(CODES)), min_size=1, max_size=30)


def cent(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@given(lines)
def test_the_total_is_the_rounded_nets_plus_each_codes_tax_to_the_cent(items):
    nets = [(line_net(q, p), code) for q, p, code in items]
    result = totals("CA", nets)
    assert all(isinstance(n, Decimal) and n == cent(n) for n, _ in nets)
    assert result.net == sum(n for n, _ in nets)
    expected_tax = Decimal("0")
    for code in {c for _, c in nets}:
        base = sum(n for n, c in nets if c == code)
        for part in tax_code("CA", code).components:
            expected_tax += cent(base * part.rate / 100)
    assert result.tax == expected_tax
    assert result.total == result.net + result.tax
    assert all(t.amount == cent(t.amount) for t in result.taxes)
    assert result.total == result.total.quantize(Decimal("0.01"))


sides = st.builds(Side, id=st.integers(1, 4), kind=st.sampled_from(["member", "firm"]),
                  visible=st.booleans(), region=st.sampled_from(["CA", "US"]),
                  plan=st.sampled_from(["simple_start", "essentials", "plus", "advanced"]))


@given(sides, st.one_of(st.none(), sides))
def test_the_network_carries_an_invoice_only_between_visible_members_of_one_region(sender,
                                                                                  receiver):
    refusal = network_refusal(sender, receiver)
    allowed = (receiver is not None and sender.kind == receiver.kind == "member"
               and sender.id != receiver.id and sender.visible and receiver.visible
               and receiver.plan != "simple_start" and sender.region == receiver.region)
    assert (refusal is None) == allowed
    if receiver is None:
        assert refusal == delivery_rules.NOT_LINKED
    elif refusal is None:
        assert receiver.plan != "simple_start"


@given(st.from_regex(r"[A-Za-z]{0,4}", fullmatch=True), st.integers(1, 10**6),
       st.integers(0, 3), st.sampled_from(["", " ", "-", " - "]))
def test_numbers_compare_without_spaces_dashes_leading_zeros_and_case(prefix, n, zeros, sep):
    written = f"{prefix}{sep}{'0' * zeros}{n}"
    assert number_key(written) == number_key(f"{prefix.swapcase()}{n}")
    assert number_key(written) != number_key(f"{prefix}{n * 10}")


_DB: dict = {}


async def _route_through_the_store(path, sender_visible, receiver_visible, plan, region):
    """Two members in the store, their settings as drawn; a fresh invoice sent from one to
    the other: where it went, and whether a bill arrived."""
    import datetime as dt

    from store import Store
    from store.directory_import import load_members, member_row
    from store.invoices import InvoiceDraft, LineDraft
    from store.models import Company
    from store.validate import Details

    store = await Store.open(path)
    try:
        if "pair" not in _DB:
            await store.accounts.create("marie", "m@example.com", "correct horse battery", "C")
            await load_members(store, [member_row("A", "Plomberie Gagnon"),
                                       member_row("B", "Toiture Fortin")])
            ids = dict(await store.list(Company.select(Company.member_key, Company.id).tuples()))
            customer = await store.network.add_contact(
                ids["A"], "customer", Details("Toiture Fortin", "b@example.com", "", "", "", ""),
                member_id=ids["B"])
            _DB["pair"] = (ids["A"], ids["B"], customer)
        a, b, customer = _DB["pair"]
        await store.network.set_visible(a, sender_visible)
        await store.network.set_visible(b, receiver_visible)
        await store.network.set_plan(b, plan)
        await store.execute(Company.update(region=region).where(Company.id == b))
        before = await store.bills.count(b, None)
        number = await store.invoices.next_number(a)
        invoice = await store.invoices.save(a, InvoiceDraft(
            customer, number, dt.date(2026, 3, 2), None,
            (LineDraft("Service", Decimal("1"), Decimal("10"), "GST"),)), None)
        from store.invitations import Envelope

        outcome = await store.invoices.send(invoice, None, lambda d, why: Envelope(
            f"<{d.number}@x>", "f@x.ca", "b@example.com", b"x"))
        return outcome.route, await store.bills.count(b, None) - before
    finally:
        await store.close()


@given(st.booleans(), st.booleans(), st.sampled_from(["simple_start", "essentials", "plus"]),
       st.sampled_from(["CA", "US"]))
def test_in_the_store_hidden_or_simple_start_or_elsewhere_never_gets_a_network_bill(
        tmp_path_factory, sender_visible, receiver_visible, plan, region):
    import asyncio

    path = _DB.setdefault("path", str(tmp_path_factory.mktemp("rules") / "rules.db"))
    route, new_bills = asyncio.run(_route_through_the_store(
        path, sender_visible, receiver_visible, plan, region))
    allowed = sender_visible and receiver_visible and plan != "simple_start" and region == "CA"
    assert route == ("network" if allowed else "email")
    assert new_bills == (1 if allowed else 0)

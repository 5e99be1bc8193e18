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

"""Whether an invoice may go through the network into its customer's books as a bill.

Seed 004: accounts-payable automation is for members of the network: it stops while a member is
hidden and comes back when it is visible again, it is not on the entry plan (Simple Start), and
members reach only members of their own region. A firm's own books are never a member. Anything
that fails these rules goes by email; the reason is kept so the sender sees why.
"""

from __future__ import annotations

from dataclasses import dataclass

NOT_LINKED = "not_linked"
SENDER_FIRM_BOOKS = "sender_firm_books"
SENDER_HIDDEN = "sender_hidden"
RECEIVER_FIRM_BOOKS = "receiver_firm_books"
RECEIVER_HIDDEN = "receiver_hidden"
RECEIVER_SIMPLE_START = "receiver_simple_start"
OTHER_REGION = "other_region"
SAME_BOOKS = "same_books"


@dataclass(frozen=True)
class Side:
    """A company as the rule sees it."""

    id: int
    kind: str  # "firm" or "member"
    visible: bool
    region: str
    plan: str


def network_refusal(sender: Side, receiver: Side | None) -> str | None:
    """None when the network may carry the invoice; otherwise why not (a code)."""
    if receiver is None:
        return NOT_LINKED
    if sender.kind != "member":
        return SENDER_FIRM_BOOKS
    if receiver.kind != "member":
        return RECEIVER_FIRM_BOOKS
    if sender.id == receiver.id:
        return SAME_BOOKS
    if not sender.visible:
        return SENDER_HIDDEN
    if not receiver.visible:
        return RECEIVER_HIDDEN
    if receiver.plan == "simple_start":
        return RECEIVER_SIMPLE_START
    if sender.region != receiver.region:
        return OTHER_REGION
    return None

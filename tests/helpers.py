"""Small builders shared by the tests: a preparer, clients, statuses."""

from __future__ import annotations

from store import ClientDraft, Store, check_draft
from store.models import ClientYearStatus

PASSWORD = "correct horse battery"


async def make_preparer(store: Store, username: str = "marie", firm: str = "Cabinet Tremblay"):
    return await store.accounts.create(username, f"{username}@example.com", PASSWORD, firm)


async def add_client(store: Store, firm_id: int, preparer_id: int | None = None, **fields) -> int:
    fields.setdefault("kind", "organization" if "organization_name" in fields else "individual")
    clean = check_draft(ClientDraft(**fields))
    assert not hasattr(clean, "by_field"), clean
    return await store.clients.add(firm_id, clean, preparer_id)


async def set_status(store: Store, client_id: int, tax_year: int, status: str) -> None:
    """Put a client in a status directly: the invitation flow that does it comes later."""
    await store.execute(
        ClientYearStatus.insert(
            client=client_id, tax_year=tax_year, status=status, updated_at=store.clock()
        ).on_conflict(
            conflict_target=[ClientYearStatus.client, ClientYearStatus.tax_year],
            update={ClientYearStatus.status: status},
        )
    )


async def member_bill(store: Store, firm, books: int, customer, lines, *, due,
                      number: str = "PG-0042"):
    """Plomberie Gagnon & Fils (network member M1) invoices `books`, its customer `customer`
    (Details): sent through the network, the invoice arrives there as a bill for review.
    Returns the sender's invoice id and what `Invoices.send` answered."""
    from store.directory_import import load_members, member_row
    from store.invoices import InvoiceDraft
    from store.models import Company

    await load_members(store, [member_row("M1", "Plomberie Gagnon & Fils",
                                          email="info@gagnon.ca", city="Lévis")])
    sender = await store.scalar(Company.select(Company.id).where(Company.member_key == "M1"))
    contact = await store.network.add_contact(sender, "customer", customer, member_id=books)
    invoice = await store.invoices.save(
        sender, InvoiceDraft(contact, number, store.today(), due, tuple(lines)), firm.id)

    def no_mail(document, why):
        raise AssertionError("this invoice goes through the network")

    return invoice, await store.invoices.send(invoice, firm.id, no_mail)

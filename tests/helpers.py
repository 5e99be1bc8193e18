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

"""The warning that another client of the firm already uses an address: shown by the add-client
form and by a change of email alike, before the second press of OK or Save goes ahead."""

from __future__ import annotations

from store.validate import FieldError, parse_email


async def email_used_by(store, firm_id: int, raw: str, *, client_id: int | None = None
                        ) -> tuple[str, str] | None:
    """(the address folded, the names of those who use it) when another client of the firm
    than `client_id` has the address typed; None when none has (or it is not one yet)."""
    try:
        email = parse_email(raw)
    except FieldError:
        return None
    matches = [m for m in await store.clients.with_email(firm_id, email) if m.id != client_id]
    if not matches:
        return None
    names = ", ".join(m.display_name for m in matches[:3])
    if len(matches) > 3:
        names += ", …"
    return email.casefold(), names

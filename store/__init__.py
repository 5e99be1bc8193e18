"""linkdesk's state and the rules of its pipeline; it never imports textual or tui.

Names are loaded on first use (PEP 562) so a script that needs only the store's core, such as
`linkdesk status`, does not pay for password hashing or address validation at start-up.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

_EXPORTS = {
    "AccountError": "store.accounts",
    "PreparerInfo": "store.accounts",
    "SignInResult": "store.accounts",
    "ACCEPTED": "store.clients",
    "NOT_INVITED": "store.clients",
    "PENDING": "store.clients",
    "STATUSES": "store.clients",
    "ClientQuery": "store.clients",
    "ClientRow": "store.clients",
    "DatabaseUrlError": "store.target",
    "parse_database_url": "store.target",
    "SchemaTooNewError": "store.migrations",
    "Store": "store.store",
    "StoreUnavailableError": "store.store",
    "utcnow": "store.store",
    "CleanClient": "store.validate",
    "ClientDraft": "store.validate",
    "DraftErrors": "store.validate",
    "FieldError": "store.validate",
    "check_draft": "store.validate",
}

__all__ = [  # noqa: RUF022 - grouped by module, as _EXPORTS
    "AccountError",
    "PreparerInfo",
    "SignInResult",
    "ACCEPTED",
    "NOT_INVITED",
    "PENDING",
    "STATUSES",
    "ClientQuery",
    "ClientRow",
    "DatabaseUrlError",
    "parse_database_url",
    "SchemaTooNewError",
    "Store",
    "StoreUnavailableError",
    "utcnow",
    "CleanClient",
    "ClientDraft",
    "DraftErrors",
    "FieldError",
    "check_draft",
]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'store' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:
    from store.accounts import AccountError, PreparerInfo, SignInResult
    from store.clients import ACCEPTED, NOT_INVITED, PENDING, STATUSES, ClientQuery, ClientRow
    from store.migrations import SchemaTooNewError
    from store.store import Store, StoreUnavailableError, utcnow
    from store.target import DatabaseUrlError, parse_database_url
    from store.validate import CleanClient, ClientDraft, DraftErrors, FieldError, check_draft

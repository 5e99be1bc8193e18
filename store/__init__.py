"""linkdesk's state and the rules of its pipeline; it never imports textual or tui."""

from store.accounts import AccountError, PreparerInfo, SignInResult
from store.clients import ACCEPTED, NOT_INVITED, PENDING, STATUSES, ClientQuery, ClientRow
from store.db import DatabaseUrlError, parse_database_url
from store.migrations import SchemaTooNewError
from store.store import Store, StoreUnavailableError, utcnow
from store.validate import CleanClient, ClientDraft, DraftErrors, FieldError, check_draft

__all__ = [
    "ACCEPTED",
    "NOT_INVITED",
    "PENDING",
    "STATUSES",
    "AccountError",
    "CleanClient",
    "ClientDraft",
    "ClientQuery",
    "ClientRow",
    "DatabaseUrlError",
    "DraftErrors",
    "FieldError",
    "PreparerInfo",
    "SchemaTooNewError",
    "SignInResult",
    "Store",
    "StoreUnavailableError",
    "check_draft",
    "parse_database_url",
    "utcnow",
]

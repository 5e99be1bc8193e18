"""The column types each backend spells its own way, filled into every migration's SQL."""

from __future__ import annotations

# Each migration is a list of statements; `{pk}`, `{ts}` and `{bool}` are filled per backend.
TYPES = {
    "sqlite": {"pk": "INTEGER PRIMARY KEY", "ts": "TIMESTAMP", "bool": "BOOLEAN"},
    "postgresql": {"pk": "BIGSERIAL PRIMARY KEY", "ts": "TIMESTAMP", "bool": "BOOLEAN"},
}

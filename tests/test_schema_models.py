"""The schema the migrations build is the one store/models.py describes, on both backends.

The migrations are raw SQL, version by version; the models restate the schema for the queries.
Nothing else compares them: a column a migration adds and the model forgets (or the reverse, or
a NOT NULL one side only) would surface as a query failing in a preparer's hands."""

from __future__ import annotations

import inspect

from peewee import Model

from store import models

# Tables the migrations make that no model maps, each for a reason.
NOT_MODELLED = {
    "change_clock",  # one counter the triggers bump; read with raw SQL by store/changes.py
    "network_search",  # SQLite's FTS5 index of member names (and its shadow tables)
    "client_search",  # SQLite's FTS5 index of client names and emails (the list's search)
}


def _models() -> dict[str, type[Model]]:
    return {cls._meta.table_name: cls for _name, cls in inspect.getmembers(models, inspect.isclass)
            if issubclass(cls, models.BaseModel) and cls is not models.BaseModel}


async def _columns(store) -> dict[str, dict[str, bool]]:
    """Each table's columns, with whether each may be NULL, as the database says."""
    if store.target.is_sqlite:
        tables = [name for (name,) in (await store.db.aexecute_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )).fetchall()]
        found = {}
        for table in tables:
            rows = (await store.db.aexecute_sql(f'PRAGMA table_info("{table}")')).fetchall()
            # SQLite lets a PRIMARY KEY column hold NULL unless said NOT NULL; an INTEGER
            # PRIMARY KEY is the rowid and never NULL.
            found[table] = {name: not notnull and not pk
                            for _cid, name, _type, notnull, _default, pk in rows}
        return found
    rows = (await store.db.aexecute_sql(
        "SELECT table_name, column_name, is_nullable FROM information_schema.columns "
        "WHERE table_schema = current_schema()")).fetchall()
    found: dict[str, dict[str, bool]] = {}
    for table, column, nullable in rows:
        found.setdefault(table, {})[column] = nullable == "YES"
    return found


def _in_models(model: type[Model]) -> dict[str, bool]:
    return {field.column_name: bool(field.null) or bool(field.primary_key and
                                                        field.field_type == "AUTO")
            for field in model._meta.sorted_fields}


async def test_the_migrated_schema_is_the_models_schema(store):
    await _compare(store)


async def test_a_database_made_at_version_1_and_migrated_since_is_the_models_schema(
        db_url, clock, monkeypatch):
    from store import Store, migrations
    from store.models import Firm

    monkeypatch.setattr(migrations, "LATEST", 1)  # as the first release made it
    first = await Store.open(db_url, clock=clock)
    try:
        await first.db.aexecute_sql("INSERT INTO firm (name, created_at) VALUES ('Tremblay', ?)"
                                    if first.target.is_sqlite else
                                    "INSERT INTO firm (name, created_at) VALUES ('Tremblay', %s)",
                                    (clock(),))
    finally:
        await first.close()
    monkeypatch.setattr(migrations, "LATEST", len(migrations.MIGRATIONS))
    store = await Store.open(db_url, clock=clock)
    try:
        assert await store.schema_version() == migrations.LATEST
        assert await store.scalar(Firm.select(Firm.name)) == "Tremblay"
        await _compare(store)
    finally:
        await store.close()


async def _compare(store) -> None:
    in_database = await _columns(store)
    in_models = _models()
    for table in sorted(NOT_MODELLED):
        for name in list(in_database):
            if name == table or name.startswith(table + "_"):
                del in_database[name]
    assert set(in_database) == set(in_models), (
        f"only in the database: {sorted(set(in_database) - set(in_models))}; "
        f"only in models.py: {sorted(set(in_models) - set(in_database))}")
    differences = []
    for table, model in sorted(in_models.items()):
        said, made = _in_models(model), in_database[table]
        for column in sorted(set(said) | set(made)):
            if column not in made:
                differences.append(f"{table}.{column}: in models.py, not in the database")
            elif column not in said:
                differences.append(f"{table}.{column}: in the database, not in models.py")
            elif said[column] != made[column] and not model._meta.fields[
                    _field_name(model, column)].primary_key:
                differences.append(f"{table}.{column}: NULL allowed by "
                                   f"{'models.py' if said[column] else 'the database'} only")
    assert not differences, "\n".join(differences)


def _field_name(model: type[Model], column: str) -> str:
    return next(name for name, field in model._meta.fields.items()
                if field.column_name == column)

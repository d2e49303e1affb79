"""What a database holds, read back: its structure and its data.

The checks compare these readings: a migrated database against a database
built straight from the stage's models (structure), and a database before
and after a migration (data).
"""

from typing import Any

from sqlalchemy import Connection, MetaData, inspect, select

IGNORED_TABLES = {"alembic_version"}


def structure(connection: Connection) -> dict[str, Any]:
    """Return every table's columns, keys and indexes, and the sequences, as plain data.

    Column order is left out (no database lets a migration choose it);
    everything else is in: types as the database reports them, NULL-ability,
    auto-increment and server defaults (which name PostgreSQL's sequences),
    every constraint and index by name, and on PostgreSQL the sequences and
    named types themselves.
    """
    insp = inspect(connection)
    tables = {}
    for name in sorted(set(insp.get_table_names()) - IGNORED_TABLES):
        pk = insp.get_pk_constraint(name)
        tables[name] = {
            "columns": {
                c["name"]: (
                    c["type"].compile(dialect=connection.dialect),
                    c["nullable"],
                    c.get("autoincrement"),
                    c.get("default"),
                )
                for c in insp.get_columns(name)
            },
            "primary key": (pk.get("name"), tuple(pk["constrained_columns"])),
            "foreign keys": sorted(
                (
                    fk["name"],
                    tuple(fk["constrained_columns"]),
                    fk["referred_table"],
                    tuple(fk["referred_columns"]),
                )
                for fk in insp.get_foreign_keys(name)
            ),
            "unique constraints": sorted(
                (u["name"], tuple(u["column_names"])) for u in insp.get_unique_constraints(name)
            ),
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in insp.get_indexes(name)
            ),
        }
    found = {"tables": tables}
    if connection.dialect.name == "postgresql":
        found["sequences"] = sorted(insp.get_sequence_names())
        # a type an Enum column created and its downgrade forgot to drop
        found["types"] = sorted(e["name"] for e in insp.get_enums())
    return found


def structure_differences(found: dict, expected: dict) -> list[str]:
    """Return one line per difference between two :func:`structure` readings."""
    lines = []
    for table in sorted(set(found["tables"]) | set(expected["tables"])):
        if table not in expected["tables"]:
            lines.append(f"table {table} is left over")
            continue
        if table not in found["tables"]:
            lines.append(f"table {table} is missing")
            continue
        for part, want in expected["tables"][table].items():
            got = found["tables"][table][part]
            if part == "columns":
                for column in sorted(set(got) | set(want)):
                    if got.get(column) != want.get(column):
                        lines.append(
                            f"{table}.{column}: found {got.get(column)}, "
                            f"models give {want.get(column)}"
                        )
            elif got != want:
                lines.append(f"{table} {part}: found {got}, models give {want}")
    for part in ("sequences", "types"):
        if found.get(part) != expected.get(part):
            lines.append(f"{part}: found {found.get(part)}, models give {expected.get(part)}")
    return lines


def rows(connection: Connection) -> dict[str, list[dict]]:
    """Return every row of every table (but Alembic's) as a dict, ordered by primary key."""
    metadata = MetaData()
    metadata.reflect(connection)
    found = {}
    for name, table in sorted(metadata.tables.items()):
        if name in IGNORED_TABLES:
            continue
        order = list(table.primary_key.columns) or list(table.columns)
        found[name] = [
            dict(row._mapping) for row in connection.execute(select(table).order_by(*order))
        ]
    return found

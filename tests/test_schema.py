"""Reading a database back (sqlalchemy_stairway.check.schema): structure, differences, rows."""

import pytest
from sqlalchemy import text

from sqlalchemy_stairway.check.schema import (
    fingerprint,
    raw_rows,
    row_digests,
    rows,
    structure,
    structure_differences,
)
from tests.conftest import on_databases


def make(connection, *statements: str) -> None:
    for statement in statements:
        connection.execute(text(statement))
    connection.commit()


def test_identical_databases_have_no_differences(connection):
    make(connection, "CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(10))")
    found = structure(connection)
    connection.rollback()
    assert structure_differences(found, found) == []


def test_a_changed_column_and_a_leftover_table_are_named(connection, reference_connection):
    make(connection, "CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(10))",
         "CREATE TABLE leftover (id INTEGER PRIMARY KEY)")  # fmt: skip
    make(reference_connection, "CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(20))")
    lines = structure_differences(structure(connection), structure(reference_connection))
    assert "table leftover is left over" in lines
    assert any(line.startswith("t.name: found") for line in lines)


def test_an_index_by_another_name_is_a_difference(connection, reference_connection):
    make(connection, "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER)",
         "CREATE INDEX ix_old ON t (n)")  # fmt: skip
    make(reference_connection, "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER)",
         "CREATE INDEX ix_new ON t (n)")  # fmt: skip
    lines = structure_differences(structure(connection), structure(reference_connection))
    assert any("indexes" in line and "ix_old" in line for line in lines)


def test_the_same_columns_in_another_order_are_no_difference(connection, reference_connection):
    # what PostgreSQL leaves after a downgrade re-adds a column: it can only append
    make(connection, "CREATE TABLE t (id INTEGER PRIMARY KEY, a VARCHAR(10), b INTEGER)")
    make(reference_connection, "CREATE TABLE t (id INTEGER PRIMARY KEY, b INTEGER, a VARCHAR(10))")
    assert structure_differences(structure(connection), structure(reference_connection)) == []


def test_rows_come_ordered_by_primary_key_without_alembics_table(connection):
    make(
        connection,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(10))",
        "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)",
        "INSERT INTO t (id, name) VALUES (2, 'b')",
        "INSERT INTO t (id, name) VALUES (1, 'a')",
    )
    assert rows(connection) == {"t": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]}


# -- the fingerprint: equal fingerprints, equal readings -----------------------

PLAIN = {
    "type": "VARCHAR(10)",
    "null": "NULL",
    "default": "'a'",
    "unique": "",
    "ondelete": "CASCADE",
    "check": "n > 0",
    "labels": "'red', 'green'",
    "indexed": "n",
}
# one change to each part of a reading: each must change the fingerprint
CHANGES = {
    "a column type": {"type": "VARCHAR(20)"},
    "nullability": {"null": "NOT NULL"},
    "a default": {"default": "'b'"},
    "an index's uniqueness": {"unique": "UNIQUE"},
    "a foreign key's ON DELETE": {"ondelete": "SET NULL"},
    "a check constraint": {"check": "n > 1"},
    "an index's columns": {"indexed": "n, name"},
}


def build(connection, parts: dict) -> tuple[str | None, dict]:
    """Make the tables ``parts`` say; return (fingerprint, structure), the tables dropped again."""
    enum = connection.dialect.name == "postgresql"
    colour = "colour" if enum else "VARCHAR(10)"
    make(
        connection,
        *([f"CREATE TYPE colour AS ENUM ({parts['labels']})"] if enum else []),
        "CREATE TABLE parent (id INTEGER PRIMARY KEY)",
        f"""CREATE TABLE child (
            id INTEGER PRIMARY KEY,
            parent_id INTEGER REFERENCES parent (id) ON DELETE {parts["ondelete"]},
            name {parts["type"]} {parts["null"]} DEFAULT {parts["default"]},
            n INTEGER, shade {colour},
            CONSTRAINT ck_child_n CHECK ({parts["check"]}))""",
        f"CREATE {parts['unique']} INDEX ix_child_n ON child ({parts['indexed']})",
        "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)",
    )
    read = fingerprint(connection), structure(connection)
    connection.rollback()
    make(
        connection,
        "DROP TABLE alembic_version",
        "DROP TABLE child",
        "DROP TABLE parent",
        *(["DROP TYPE colour"] if enum else []),
    )
    return read


@pytest.mark.parametrize("database", on_databases("sqlite", "postgresql"))
def test_the_fingerprint_changes_with_every_part_the_structure_reads(connection):
    plain, plain_structure = build(connection, PLAIN)
    assert build(connection, PLAIN) == (plain, plain_structure)  # made again alike: equal
    changes = dict(CHANGES)
    if connection.dialect.name == "postgresql":
        changes["an enum label"] = {"labels": "'red', 'blue'"}
    for change, parts in changes.items():
        changed, changed_structure = build(connection, {**PLAIN, **parts})
        if not (change == "a foreign key's ON DELETE" and connection.dialect.name == "sqlite"):
            # (SQLAlchemy reads no ON DELETE back from SQLite: the fingerprint has it all the same)
            assert changed_structure != plain_structure, f"{change}: the structure reads it"
        assert changed != plain, f"{change} left the fingerprint as it was"


@pytest.mark.parametrize("database", on_databases("sqlite", "postgresql"))
def test_rows_and_alembics_table_leave_the_fingerprint_alone(connection):
    make(
        connection,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(10))",
        "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)",
    )
    first = fingerprint(connection)
    make(
        connection,
        "INSERT INTO t (id, name) VALUES (1, 'a')",
        "INSERT INTO alembic_version VALUES ('abc')",
        "ALTER TABLE alembic_version ADD COLUMN extra INTEGER",
    )
    assert fingerprint(connection) == first
    make(connection, "ALTER TABLE t ADD COLUMN n INTEGER")
    assert fingerprint(connection) != first


@pytest.mark.parametrize("database", on_databases("postgresql"))
def test_a_column_dropped_and_added_again_leaves_the_fingerprint_as_it_was(connection):
    """It comes back last, as a chain's second upgrade brings it; the structure has no order."""
    make(
        connection,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(10), n INTEGER)",
        "CREATE INDEX ix_t_name ON t (name, n)",
    )
    first, first_structure = fingerprint(connection), structure(connection)
    connection.rollback()
    make(
        connection,
        "ALTER TABLE t DROP COLUMN name",  # and its index with it
        "ALTER TABLE t ADD COLUMN name VARCHAR(10)",
        "CREATE INDEX ix_t_name ON t (name, n)",  # on another column number now
    )
    assert structure(connection) == first_structure
    assert fingerprint(connection) == first


def test_the_fingerprint_is_none_where_it_is_not_known(connection):
    if connection.dialect.name in ("sqlite", "postgresql"):
        assert fingerprint(connection) is not None
    else:  # MariaDB: the structure is read in full each time
        assert fingerprint(connection) is None


@pytest.mark.parametrize("database", on_databases("sqlite", "postgresql"))
def test_row_digests_see_every_value_and_no_order(connection):
    def digests(*rows: str) -> dict:
        make(connection, "DELETE FROM t", *(f"INSERT INTO t (id, a, b) VALUES {r}" for r in rows))
        found = structure(connection)
        digest = row_digests(connection, found)
        # equal digests must mean equal rows read
        assert read.setdefault(digest["t"], raw_rows(connection, found)) == raw_rows(
            connection, found
        )
        connection.rollback()
        return digest

    read: dict = {}
    # b before a: the digest takes the columns by name, as raw_rows reads them
    make(connection, "CREATE TABLE t (id INTEGER PRIMARY KEY, b TEXT, a TEXT)")
    plain = digests("(1, 'x', 'y')", "(2, NULL, 'z')")
    assert digests("(2, NULL, 'z')", "(1, 'x', 'y')") == plain  # inserted in another order
    for changed in (
        ["(1, 'x', 'y')"],  # a row gone
        ["(1, 'x', 'y')", "(2, '', 'z')"],  # NULL is not ''
        ["(1, 'y', 'x')", "(2, NULL, 'z')"],  # values swapped between columns
        ["(1, 'x', 'y')", "(3, NULL, 'z')"],  # a key changed
    ):
        assert digests(*changed) != plain, changed
    assert len(read) == 5  # the plain rows, and each change


@pytest.mark.parametrize("database", on_databases("sqlite", "postgresql"))
def test_a_change_to_one_table_changes_its_digest_alone(connection):
    """So a check reads that table again, and keeps what it read of the others."""
    make(connection, "CREATE TABLE a (id INTEGER PRIMARY KEY)", "CREATE TABLE b (id INTEGER)")
    first = dict(fingerprint(connection))
    make(connection, "ALTER TABLE b ADD COLUMN n INTEGER")
    second = dict(fingerprint(connection))
    assert first["a"] == second["a"] and first[""] == second[""]
    assert first["b"] != second["b"]
    assert structure(connection, only={"b", "gone"}) == {
        "tables": {"b": structure(connection)["tables"]["b"]}
    }

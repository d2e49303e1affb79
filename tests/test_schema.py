"""Reading a database back (sqlalchemy_stairway.check.schema): structure, differences, rows."""

from sqlalchemy import text

from sqlalchemy_stairway.check.schema import rows, structure, structure_differences


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

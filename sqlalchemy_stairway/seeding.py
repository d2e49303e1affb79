"""Seed each stage's declared rows into a database, in the shape its stage has.

``seed(stairway, connection, stage)`` writes the rows of every stage up
to ``stage`` that are not there yet (by primary key), each translated
through the declared carries to ``stage``'s shape, so seeding twice is
seeding once, and the rows seeded at stage 1 are the rows the migrations
later carry up.  It writes in the caller's transaction and never commits.

``insert_many(connection, table, columns, rows)`` is the path for rows by
the million (``invoke bench``): it streams tuples to the driver's
``executemany`` a batch at a time, so memory stays flat whatever the count.
"""

from collections.abc import Iterable, Sequence
from itertools import islice

from sqlalchemy import Connection, Table, func, insert, inspect, select, tuple_

from sqlalchemy_stairway.check.errors import StairwayError
from sqlalchemy_stairway.stages import Stage, Stairway


def rows_at(stairway: Stairway, stage: Stage) -> dict[str, list[dict]]:
    """Return the declared rows of stages 1..``stage``, as they are at ``stage``."""
    found: dict[str, list[dict]] = {}
    for earlier in stairway.stages[1 : stage.number + 1]:
        for table, rows in stairway.translate(earlier.rows, earlier, stage).items():
            found.setdefault(table, []).extend(rows)
    return found


def seed(stairway: Stairway, connection: Connection, stage: Stage) -> dict[str, int]:
    """Write the missing rows of stages 1..``stage``; return how many per table."""
    if stage.number == 0:
        return {}
    tables = stage.metadata.tables
    missing = set(tables) - set(inspect(connection).get_table_names())
    if missing:
        raise StairwayError(
            f"the database has no table {', '.join(sorted(missing))} although stage "
            f"{stage.number} needs it; run `invoke stage {stage.number}` to migrate before seeding"
        )
    wanted = rows_at(stairway, stage)
    written: dict[str, int] = {}
    for table in stage.metadata.sorted_tables:  # parents before the rows that point at them
        rows = wanted.get(table.name)
        if not rows:
            continue
        key = list(table.primary_key.columns)
        ids = [tuple(row[c.name] for c in key) for row in rows]
        present = {
            tuple(row) for row in connection.execute(select(*key).where(tuple_(*key).in_(ids)))
        }
        new = [row for row, id_ in zip(rows, ids, strict=True) if id_ not in present]
        written[table.name] = insert_rows(connection, table, new)
        if new:
            advance_sequences(connection, table)
    return written


def insert_rows(connection: Connection, table: Table, rows: Iterable[dict]) -> int:
    """Insert ``rows`` into ``table`` in one executemany; return how many."""
    rows = list(rows)
    if rows:
        connection.execute(insert(table), rows)
    return len(rows)


def advance_sequences(connection: Connection, table: Table) -> None:
    """Move PostgreSQL's id sequence past ids written explicitly, so the next insert fits.

    SQLite and MariaDB move their counters themselves when an explicit id
    is higher; a PostgreSQL sequence never looks at the table.
    """
    if connection.dialect.name != "postgresql":
        return
    for column in table.primary_key.columns:
        if column.autoincrement is True or (
            column.autoincrement == "auto" and len(table.primary_key.columns) == 1
        ):
            quoted = connection.dialect.identifier_preparer.quote(table.name)
            sequence = func.pg_get_serial_sequence(quoted, column.name)
            if connection.scalar(select(sequence)) is not None:
                highest = select(func.max(column)).scalar_subquery()
                connection.execute(select(func.setval(sequence, highest)))


BATCH_SIZE = 10_000


# the positional marker of each DB-API paramstyle our drivers use
POSITIONAL_MARKERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def positional_insert(connection: Connection, table: Table, columns: Sequence[str]) -> str:
    """Return ``INSERT INTO table (columns) VALUES (?, ...)`` in the driver's own markers.

    Plain SQL, as the driver would be given it by hand: no ``RETURNING``
    and no type casts, which Core adds for single rows on PostgreSQL.
    """
    dialect = connection.dialect
    marker = POSITIONAL_MARKERS.get(dialect.paramstyle)
    if marker is None:
        raise StairwayError(f"bulk seeding does not know the {dialect.paramstyle!r} paramstyle")
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(table.c[column].name) for column in columns)
    markers = ", ".join([marker] * len(columns))
    return f"INSERT INTO {quote(table.name)} ({names}) VALUES ({markers})"


def insert_many(
    connection: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Iterable[tuple],
    batch_size: int = BATCH_SIZE,
) -> int:
    """Insert ``rows``, tuples in ``columns``' order, a batch per executemany; return how many.

    :func:`insert_rows` hands SQLAlchemy one dict per row, to be turned into
    parameters row by row: for the tutorial's eleven people that is nothing,
    for a million it is three times the driver's own time.  Here the
    statement is written once and each batch of tuples goes to the driver
    as it is, through the connection (its transaction, its events), and
    ``rows`` may be a generator that never exists in memory all at once.
    """
    statement = positional_insert(connection, table, columns)
    rows = iter(rows)
    count = 0
    while batch := list(islice(rows, batch_size)):
        connection.exec_driver_sql(statement, batch)
        count += len(batch)
    return count


def seed_on_the_way(stairway: Stairway):
    """Return an ``after_each`` for :func:`~sqlalchemy_stairway.migrate.migrate` that seeds.

    Each stage's rows are written right after its revision, inside the
    run's transaction, so they are the rows the next revisions carry; the
    writes are left out of what :func:`~sqlalchemy_stairway.migrate.recording_sql`
    shows as the revision's SQL.
    """

    def after_each(connection: Connection, stage: Stage, upgrading: bool) -> None:
        if not upgrading:
            return
        connection.info["unrecorded"] = True
        try:
            seed(stairway, connection, stage)
        finally:
            connection.info["unrecorded"] = False

    return after_each

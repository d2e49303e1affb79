"""Seed the tutorial's rows into a database, in the shape its stage has.

``seed(connection, stage)`` writes the rows of every stage up to ``stage``
that are not there yet, so seeding twice is seeding once, and rows seeded
at stage 1 are the same rows the migrations later carry to the head.

``insert_many(connection, table, columns, rows)`` is the path for rows by
the million (``invoke bench``): it streams tuples to the driver's
``executemany`` a batch at a time, so memory stays flat whatever the count.
"""

from collections.abc import Iterable, Sequence
from itertools import islice

from sqlalchemy import Connection, Table, func, insert, inspect, select

from models.stages import STAGES
from scripts import seed_data
from scripts.errors import StairwayError
from scripts.passwords import hash_password


def tables_at(stage: int) -> dict[str, Table]:
    """Return the tables of ``stage``'s models, by name."""
    return dict(STAGES[stage].metadata.tables)


def person_row(person: seed_data.Person, stage: int) -> dict:
    """Return ``person`` as a row of the users table of ``stage``."""
    if stage < 4:
        row = {"user_name": person.name, "password": person.password}
        if stage >= 3:
            row["number"] = person.number
        return row
    return {
        "name": person.name,
        "fullname": person.fullname,
        "number": person.number,
        "password_hash": hash_password(person.password) if person.password else None,
    }


def insert_rows(connection: Connection, table: Table, rows: Iterable[dict]) -> int:
    """Insert ``rows`` into ``table`` in one executemany; return how many."""
    rows = list(rows)
    if rows:
        connection.execute(insert(table), rows)
    return len(rows)


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


def seed(connection: Connection, stage: int) -> dict[str, int]:
    """Write the missing rows of stages 1..``stage``; return counts per table."""
    if stage == 0:
        return {}
    tables = tables_at(stage)
    missing = set(tables) - set(inspect(connection).get_table_names())
    if missing:
        raise StairwayError(
            f"the database has no table {', '.join(sorted(missing))} although stage "
            f"{stage} needs it; run `invoke stage {stage}` to migrate before seeding"
        )
    users_name = "users" if stage < 4 else "user_account"
    users = tables[users_name]
    name_col = users.c.user_name if stage < 4 else users.c.name
    id_col = users.c.user_id if stage < 4 else users.c.id
    addresses = tables["email_addresses" if stage < 4 else "address"]

    written: dict[str, int] = {}
    people = [p for k, ps in seed_data.PEOPLE.items() if k <= stage for p in ps]
    have = set(connection.scalars(select(name_col).where(name_col.in_([p.name for p in people]))))
    written[users_name] = insert_rows(
        connection, users, (person_row(p, stage) for p in people if p.name not in have)
    )

    ids = dict(connection.execute(select(name_col, id_col)).all())
    emails = [(p.name, e) for p in people for e in p.emails]
    have = set(
        connection.scalars(
            select(addresses.c.email_address).where(
                addresses.c.email_address.in_([e for _, e in emails])
            )
        )
    )
    written[addresses.name] = insert_rows(
        connection,
        addresses,
        ({"email_address": e, "user_id": ids[name]} for name, e in emails if e not in have),
    )

    if stage >= 2:
        pet = tables["pet"]
        pets = [p for k, ps in seed_data.PETS.items() if k <= stage for p in ps]
        have = set(connection.scalars(select(pet.c.name)))
        written["pet"] = insert_rows(
            connection,
            pet,
            ({"name": p.name, "type": p.type, "age": p.age} for p in pets if p.name not in have),
        )

    if stage >= 5:
        order, item = tables["order"], tables["item"]
        written["order"] = written["item"] = 0
        for o in (o for k, os in seed_data.ORDERS.items() if k <= stage for o in os):
            customer_id = ids[o.customer]
            placed = connection.scalar(
                select(func.count()).select_from(order).where(order.c.customer_id == customer_id)
            )
            if placed:
                continue
            order_id = connection.execute(
                insert(order).values(customer_id=customer_id)
            ).inserted_primary_key[0]
            written["order"] += 1
            written["item"] += insert_rows(
                connection,
                item,
                ({"order_id": order_id, "description": d, "quantity": q} for d, q in o.items),
            )
    return written

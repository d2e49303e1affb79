"""Who holds a lock a statement gave up on (sqlalchemy_stairway.lock_holders), on real servers.

A second client takes the lock first; the waiter, whose connection waits
1 s for other clients' locks, then runs a statement that must wait, and
the line its error becomes is read.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import URL, Connection, inspect, text
from sqlalchemy.exc import DBAPIError

from sqlalchemy_stairway.check.engines import make_engine
from sqlalchemy_stairway.locking import lock_conflict
from sqlalchemy_stairway.migrate import migration_connection
from tests.conftest import on_databases

pytestmark = pytest.mark.parametrize("database", on_databases("postgresql", "mariadb"))


@pytest.fixture
def waiter(scratch_url: URL, monkeypatch) -> Iterator[Connection]:
    """A task's connection to a database holding a table "order" and a table report."""
    monkeypatch.setenv("STAIRWAY_LOCK_TIMEOUT", "1")
    with migration_connection(scratch_url) as connection:
        quote = connection.dialect.identifier_preparer.quote
        key = "SERIAL" if connection.dialect.name == "postgresql" else "INTEGER"
        connection.execute(text(f"CREATE TABLE {quote('order')} (id {key} PRIMARY KEY)"))
        connection.execute(text("CREATE TABLE report (id INTEGER PRIMARY KEY)"))
        connection.commit()
        yield connection


@contextmanager
def other_client(url: URL) -> Iterator[tuple[Connection, str]]:
    """A second client; yield it and how a lock line names it."""
    engine = make_engine(url)
    try:
        with engine.connect() as holder:
            if holder.dialect.name == "postgresql":
                me = holder.execute(text("SELECT pg_backend_pid()")).scalar()
                yield holder, f"PostgreSQL session {me}"
            else:
                me = holder.execute(text("SELECT CONNECTION_ID()")).scalar()
                yield holder, f"MariaDB connection {me}"
                holder.exec_driver_sql("UNLOCK TABLES")
            holder.rollback()
    finally:
        engine.dispose()


def given_up(connection: Connection, statement) -> str:
    """Run ``statement`` (text, or a function of the connection); return the line it becomes."""
    with pytest.raises(DBAPIError) as raised:
        statement(connection) if callable(statement) else connection.execute(text(statement))
    connection.rollback()
    said = lock_conflict(raised.value)
    assert said is not None, raised.value
    return said


def test_a_schema_read_names_the_table_locked_and_its_holder(database, scratch_url, waiter):
    with other_client(scratch_url) as (holder, who):
        if database == "postgresql":
            holder.exec_driver_sql('LOCK TABLE "order" IN ACCESS EXCLUSIVE MODE')
            # reading the columns waits on the table (its default's sequence), in a
            # query on pg_catalog tables, which the statement names instead
            said = given_up(waiter, lambda c: inspect(c).get_columns("order"))
        else:
            holder.exec_driver_sql("LOCK TABLES `order` WRITE")
            # MariaDB's reflection (SHOW CREATE TABLE) turns error events off on the
            # connection for good; the next statement that waits names the holder still
            inspect(waiter).get_columns("order")
            waiter.rollback()
            said = given_up(waiter, "SELECT count(*) FROM `order`")
    assert said.startswith("another client holds a lock on table order, held by ")
    assert who in said and "pg_catalog" not in said


def test_a_count_names_the_locked_table_not_another_it_reads(database, scratch_url, waiter):
    with other_client(scratch_url) as (holder, who):
        if database == "postgresql":
            holder.exec_driver_sql('LOCK TABLE "order" IN ACCESS EXCLUSIVE MODE')
        else:
            holder.exec_driver_sql("LOCK TABLES `order` WRITE")
        quote = waiter.dialect.identifier_preparer.quote
        said = given_up(
            waiter, f"SELECT count(*) FROM report, {quote('order')} WHERE report.id = 0"
        )
    assert "table order" in said and who in said and "report" not in said


def test_a_transaction_that_read_a_table_is_named_as_far_as_the_server_tells(
    database, scratch_url, waiter
):
    # a report left open inside BEGIN: DDL on its table waits for it to end
    with other_client(scratch_url) as (holder, who):
        holder.execute(text("SELECT count(*) FROM report")).scalar()
        said = given_up(waiter, "ALTER TABLE report ADD COLUMN note INTEGER")
    assert "lock on table report" in said and who in said
    if database == "mariadb":
        # without the metadata_lock_info plugin MariaDB cannot say who holds it
        assert f"a transaction is open in {who}" in said

"""Who owns a transaction (sqlalchemy_stairway.transactions): the caller."""

import pytest
from sqlalchemy import text

from sqlalchemy_stairway.locking import migration_lock
from sqlalchemy_stairway.transactions import reading, require_no_transaction


def test_reading_ends_only_the_transaction_it_began(connection):
    with reading(connection):
        connection.execute(text("SELECT 1"))
    assert not connection.in_transaction()


def test_reading_leaves_the_callers_transaction_open(connection):
    connection.execute(text("CREATE TABLE kept (id INTEGER PRIMARY KEY)"))
    with reading(connection):
        connection.execute(text("SELECT count(*) FROM kept"))
    assert connection.in_transaction()  # the caller's write is still the caller's to commit
    connection.commit()
    with reading(connection):
        assert connection.execute(text("SELECT count(*) FROM kept")).scalar() == 0


def test_a_transaction_left_open_is_refused_where_one_must_begin(connection):
    connection.execute(text("SELECT 1"))
    with pytest.raises(RuntimeError, match="commit or roll back the caller's first"):
        require_no_transaction(connection, "an Alembic run")
    if connection.dialect.name != "sqlite":  # SQLite's lock is its write transaction
        with (
            pytest.raises(RuntimeError, match="taking the migration lock"),
            migration_lock(connection),
        ):
            pass

"""Discarding a database changed by hand (sqlalchemy_stairway.emptying), on every database."""

from sqlalchemy import inspect, text

from scripts.stages import STAIRWAY
from sqlalchemy_stairway.emptying import empty_database
from sqlalchemy_stairway.guards import drift
from tests.helpers import climb, stage_of


def test_a_drifted_database_is_emptied_whole(connection):
    head = STAIRWAY.head
    climb(connection, head)
    table = next(iter(head.metadata.tables))
    quoted = connection.dialect.identifier_preparer.quote(table)
    connection.execute(text(f"ALTER TABLE {quoted} ADD COLUMN added_by_hand INTEGER"))
    connection.commit()
    assert drift(connection, head)
    dropped = empty_database(connection)
    assert set(dropped) == {*head.metadata.tables, "alembic_version"}
    assert inspect(connection).get_table_names() == []
    connection.rollback()
    assert stage_of(connection) == STAIRWAY.base
    climb(connection, STAIRWAY[1])  # and the stairway starts again from it

"""Seeding (sqlalchemy_stairway.seeding): each stage's rows, idempotent, in the stage's shape."""

import pytest
from sqlalchemy import Table, UniqueConstraint, insert

from scripts.stages import STAGES, STAIRWAY
from sqlalchemy_stairway.check.errors import StairwayError
from sqlalchemy_stairway.check.schema import rows
from sqlalchemy_stairway.seeding import rows_at, seed
from tests.helpers import climb, move


@pytest.mark.parametrize("stage", STAGES[1:], ids=lambda s: f"stage{s.number}")
def test_seeding_twice_is_seeding_once(stage, connection):
    move(connection, stage)
    with connection.begin():
        first = seed(STAIRWAY, connection, stage)
    once = rows(connection)
    connection.rollback()
    with connection.begin():
        second = seed(STAIRWAY, connection, stage)
    assert first == {table: len(found) for table, found in rows_at(STAIRWAY, stage).items()}
    assert not any(second.values())
    assert rows(connection) == once


def without_computed(found: dict) -> dict:
    """Drop the values of computed columns (hashes are salted: equal, never the same)."""
    computed = {
        (name, column)
        for stage in STAGES
        for name, carry in stage.carries.items()
        for column in carry.computed
    }
    return {
        table: [{c: v for c, v in row.items() if (table, c) not in computed} for row in found_rows]
        for table, found_rows in found.items()
    }


def test_seeding_at_the_head_gives_what_seeding_on_the_way_does(connection, scratch_url, engine):
    climb(connection, STAIRWAY.head)
    on_the_way = rows(connection)
    connection.rollback()
    move(connection, STAIRWAY.base, allow_data_loss=True)
    move(connection, STAIRWAY.head)
    with connection.begin():
        seed(STAIRWAY, connection, STAIRWAY.head)
    assert without_computed(rows(connection)) == without_computed(on_the_way)


def unseen(table: Table, seeded: list[dict]) -> dict:
    """Return a row like ``seeded[0]``, without its id, whose unique values are new."""
    row = dict(seeded[0])
    del row[table.autoincrement_column.name]
    unique = {c.name for c in table.columns if c.unique}
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint):
            unique.update(constraint.columns.keys())
    for index in table.indexes:
        if index.unique:
            unique.update(column.name for column in index.columns)
    for name in unique & set(row):
        taken = {each[name] for each in seeded}
        if isinstance(row[name], str):
            row[name] = next(f"new{n}" for n in range(len(taken) + 1) if f"new{n}" not in taken)
        else:
            row[name] = max(taken) + 1
    return row


@pytest.mark.parametrize("stage", STAGES[1:], ids=lambda s: f"stage{s.number}")
def test_new_rows_after_seeding_get_new_ids(stage, connection):
    """Seeded rows carry their ids; the database's own counter must still move past them.

    Every table with an id the database counts (one integer key) is tried:
    an association table's composite key has no counter.
    """
    move(connection, stage)
    with connection.begin():
        seed(STAIRWAY, connection, stage)
    seeded = rows_at(STAIRWAY, stage)
    counted = [t for t in stage.metadata.sorted_tables if t.autoincrement_column is not None]
    tried = 0
    for table in counted:
        if not seeded.get(table.name):
            continue
        key = table.autoincrement_column
        with connection.begin():
            statement = insert(table).values(unseen(table, seeded[table.name])).returning(key)
            new_id = connection.execute(statement).scalar_one()
        assert new_id > max(row[key.name] for row in seeded[table.name])
        tried += 1
    assert tried or not any(seeded.get(t.name) for t in counted), "no counted table was tried"


def test_seeding_a_stage_whose_tables_are_missing_is_refused(connection):
    head = STAIRWAY.head
    move(connection, STAIRWAY[1])
    with pytest.raises(StairwayError, match=rf"no table .* run `invoke stage {head.number}`"):
        seed(STAIRWAY, connection, head)

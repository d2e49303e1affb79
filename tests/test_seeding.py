"""Seeding (sqlalchemy_stairway.seeding): each stage's rows, idempotent, in the stage's shape."""

import pytest
from sqlalchemy import insert

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


@pytest.mark.parametrize("stage", STAGES[1:], ids=lambda s: f"stage{s.number}")
def test_new_rows_after_seeding_get_new_ids(stage, connection):
    """Seeded rows carry their ids; the database's own counter must still move past them."""
    move(connection, stage)
    with connection.begin():
        seed(STAIRWAY, connection, stage)
    for table in stage.metadata.sorted_tables:
        (key,) = table.primary_key.columns
        row = (
            dict(rows_at(STAIRWAY, stage)[table.name][0])
            if table.name in rows_at(STAIRWAY, stage)
            else None
        )
        if row is None:
            continue
        del row[key.name]
        with connection.begin():
            new_id = connection.execute(insert(table).values(row).returning(key)).scalar_one()
        assert new_id > max(r[key.name] for r in rows_at(STAIRWAY, stage)[table.name])


def test_seeding_a_stage_whose_tables_are_missing_is_refused(connection):
    head = STAIRWAY.head
    move(connection, STAIRWAY[1])
    with pytest.raises(StairwayError, match=rf"no table .* run `invoke stage {head.number}`"):
        seed(STAIRWAY, connection, head)

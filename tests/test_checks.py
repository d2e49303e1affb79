"""The migration checks (sqlalchemy_stairway.checks) on every stage and every database."""

import pytest
from sqlalchemy import delete, func, select, text

from scripts.stages import STAGES, STAIRWAY
from sqlalchemy_stairway import checks
from sqlalchemy_stairway.checks import Checker, CheckFailure, check_history
from sqlalchemy_stairway.stages import Stage
from tests.helpers import climb, move


def test_history_is_one_line_of_the_stages():
    assert check_history(STAIRWAY) == []


@pytest.mark.parametrize("stage", STAGES[1:], ids=lambda s: f"stage{s.number}")
def test_stage_up_down_up_matches_models_and_keeps_data(stage, connection, reference_connection):
    climb(connection, STAIRWAY.previous(stage))
    passed = []
    Checker(STAIRWAY, connection, reference_connection, report=passed.append).check_stage(stage)
    assert passed == [
        f"stage {stage.number}: after upgrade: matches the models",
        f"stage {stage.number}: after upgrade: every row carried",
        f"stage {stage.number - 1}: after downgrade from {stage.number}: matches the models",
        f"stage {stage.number}: after downgrade: every row restored",
        f"stage {stage.number}: after upgrading again: matches the models",
    ]


def test_walk_down_from_head_with_all_data(connection, reference_connection):
    climb(connection, STAIRWAY.head)
    checker = Checker(STAIRWAY, connection, reference_connection)
    for stage in reversed(STAGES[:-1]):
        move(connection, stage, allow_data_loss=True)
        checker.assert_matches(stage, "walking down")


def test_checks_report_a_column_added_by_hand(connection, reference_connection):
    head = STAIRWAY.head
    table = next(iter(head.metadata.tables.values()))
    climb(connection, head)
    quoted = connection.dialect.identifier_preparer.quote(table.name)
    connection.execute(text(f"ALTER TABLE {quoted} ADD COLUMN added_by_hand INTEGER"))
    connection.commit()
    with pytest.raises(CheckFailure) as failure:
        Checker(STAIRWAY, connection, reference_connection).assert_matches(head, "after upgrade")
    message = str(failure.value)
    assert message.startswith(f"stage {head.number} (revision {head.revision}), after upgrade")
    assert "added_by_hand" in message


def carried_stage() -> Stage:
    """The last stage that carries rows it was given (a rename or a change, not only new tables)."""
    return next(s for s in reversed(STAGES) if any(s.rows.get(t) for t in s.carries))


def test_checks_report_rows_a_migration_lost(connection, reference_connection, monkeypatch):
    stage = carried_stage()
    table = stage.metadata.tables[next(iter(stage.carries))]
    climb(connection, STAIRWAY.previous(stage))
    real_migrate = checks.migrate

    def lossy_migrate(stairway, conn, target, **kw):
        # a revision that "forgot" a row: delete one nothing points at, right after it
        real_migrate(stairway, conn, target, **kw)
        if target == stage:
            (key,) = table.primary_key.columns
            referenced = [
                fk.parent
                for other in stage.metadata.tables.values()
                for fk in other.foreign_keys
                if fk.column is key
            ]
            free = select(func.max(key)).where(*(key.not_in(select(c)) for c in referenced))
            conn.execute(delete(table).where(key == free.scalar_subquery()))
            conn.commit()

    monkeypatch.setattr(checks, "migrate", lossy_migrate)
    with pytest.raises(CheckFailure) as failure:
        Checker(STAIRWAY, connection, reference_connection).check_stage(stage)
    assert "data was not carried" in str(failure.value)
    assert "is gone from" in str(failure.value)


def test_checks_report_a_value_a_migration_changed(connection, reference_connection, monkeypatch):
    stage = carried_stage()
    name = next(iter(stage.carries))
    table = stage.metadata.tables[name]
    column = next(
        c.name
        for c in table.columns
        if not c.primary_key
        and not c.foreign_keys
        and c.type.python_type is str
        and c.name in stage.carries[name].renamed.values()
    )
    climb(connection, STAIRWAY.previous(stage))
    real_migrate = checks.migrate

    def meddling_migrate(stairway, conn, target, **kw):
        real_migrate(stairway, conn, target, **kw)
        if target == stage:
            conn.execute(table.update().values({column: "changed"}))
            conn.commit()

    monkeypatch.setattr(checks, "migrate", meddling_migrate)
    with pytest.raises(CheckFailure) as failure:
        Checker(STAIRWAY, connection, reference_connection).check_stage(stage)
    assert f".{column}: was " in str(failure.value)
    assert "now 'changed'" in str(failure.value)


def test_a_row_the_downgrade_changed_names_its_column():
    before = {"t": [{"id": 1, "a": "x", "b": 2}, {"id": 2, "a": "y", "b": 3}]}
    after = {"t": [{"id": 1, "a": "x", "b": None}, {"id": 2, "a": "y", "b": 3}]}
    assert checks.restored_differences(before, after, set()) == [
        "t {'id': 1, 'a': 'x', 'b': 2}: b was 2, now None"
    ]
    # a column the stage documents it cannot restore comes back NULL, and that is fine
    emptied = {"t": [{**row, "b": None} for row in before["t"]]}
    assert checks.restored_differences(before, emptied, {"t.b"}) == []
    assert checks.restored_differences(before, {"t": after["t"][:1]}, set())[0].startswith(
        "table t: expected"
    )

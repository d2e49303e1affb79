"""The migration checks (scripts/checks.py) on every stage and every database."""

import pytest
from sqlalchemy import text

from models.stages import STAGES
from scripts.checks import Checker, CheckFailure, check_history
from scripts.migrate import move
from tests.helpers import climb


def test_history_is_one_line_of_the_stages():
    assert check_history() == []


@pytest.mark.parametrize("stage", STAGES[1:], ids=lambda s: f"stage{s.number}")
def test_stage_up_down_up_matches_models_and_keeps_data(stage, connection, reference_connection):
    climb(connection, STAGES[stage.number - 1])
    passed = []
    Checker(connection, reference_connection, report=passed.append).check_stage(stage)
    assert passed == [
        f"stage {stage.number}: after upgrade: matches the models",
        f"stage {stage.number}: after upgrade: every row carried",
        f"stage {stage.number - 1}: after downgrade from {stage.number}: matches the models",
        f"stage {stage.number}: after downgrade: every row restored",
        f"stage {stage.number}: after upgrading again: matches the models",
    ]


def test_walk_down_from_head_with_all_data(connection, reference_connection):
    climb(connection, STAGES[-1])
    checker = Checker(connection, reference_connection)
    for stage in reversed(STAGES[:-1]):
        move(connection, stage, allow_data_loss=True)
        checker.assert_matches(stage, "walking down")


def test_checks_report_a_column_changed_by_hand(connection, reference_connection):
    climb(connection, STAGES[3])
    connection.execute(text("ALTER TABLE pet ADD COLUMN owner INTEGER"))
    connection.commit()
    with pytest.raises(CheckFailure) as failure:
        Checker(connection, reference_connection).assert_matches(STAGES[3], "after upgrade")
    message = str(failure.value)
    assert message.startswith("stage 3 (revision 0003), after upgrade")
    assert "owner" in message


def test_checks_report_rows_a_migration_lost(connection, reference_connection, monkeypatch):
    climb(connection, STAGES[3])
    checker = Checker(connection, reference_connection)
    # a stage 4 that "forgot" Jenny: delete her right after the real upgrade
    real_move = move

    def lossy_move(conn, target, **kw):
        real_move(conn, target, **kw)
        if target.number == 4:
            conn.execute(text("DELETE FROM user_account WHERE name = 'Jenny'"))
            conn.commit()

    monkeypatch.setattr("scripts.checks.move", lossy_move)
    with pytest.raises(CheckFailure) as failure:
        checker.check_stage(STAGES[4])
    assert "data was not carried" in str(failure.value)
    assert "Jenny" in str(failure.value)

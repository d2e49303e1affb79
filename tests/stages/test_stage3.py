"""Stage 3's own promise: Jenny arrives with her number, and users gain the column."""

import sqlite3

from scripts.stages import STAIRWAY
from tests.helpers import column_order_around, invoke, lesson_needs

STAGE = STAIRWAY[3]


def test_jenny_has_her_number(tmp_path):
    url = f"sqlite:///{tmp_path / 't.db'}"
    result = invoke("stage", str(STAGE.number), "--url", url, "--no-lesson")
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(tmp_path / "t.db") as db:
        found = db.execute("SELECT number FROM users WHERE user_name = 'Jenny'").fetchone()
    assert found == (8675309,)


def test_the_lesson_needs_jenny_added(tmp_path):
    lesson_needs(3, ">>> session.add(jenny)", tmp_path)


def test_the_downgrade_gives_back_stage_2s_column_order(connection):
    fresh, after = column_order_around(connection, STAGE)
    assert after == fresh

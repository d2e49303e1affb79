"""Stage 2's own promises: its lesson shows what it does; its downgrade keeps stage 1's columns."""

from scripts.stages import STAIRWAY
from tests.helpers import column_order_around, lesson_needs

STAGE = STAIRWAY[2]


def test_the_lesson_needs_its_rollback(tmp_path):
    lesson_needs(2, ">>> session.rollback()", tmp_path)


def test_the_downgrade_gives_back_stage_1s_column_order(connection):
    fresh, after = column_order_around(connection, STAGE)
    assert after == fresh

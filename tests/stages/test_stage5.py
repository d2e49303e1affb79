"""Stage 5's own promises: a downgrade names the orders and items it would lose."""

from scripts.stages import STAIRWAY
from tests.helpers import assert_one_line_error, column_order_around, invoke, lesson_needs

STAGE = STAIRWAY[5]


def test_the_downgrade_says_exactly_what_would_be_lost(tmp_path):
    url = f"sqlite:///{tmp_path / 't.db'}"
    assert invoke("stage", str(STAGE.number), "--url", url, "--no-lesson").returncode == 0
    result = invoke("down", "--url", url)
    assert_one_line_error(result, "table order (1 row)", "table item (2 rows)", "--yes")
    result = invoke("stage", "3", "--url", url)
    assert_one_line_error(result, "table order (1 row)")


def test_sql_quotes_the_reserved_word_order():
    result = invoke("sql", str(STAGE.number), "--down", "--dialect", "mysql")
    assert result.returncode == 0, result.stderr
    assert "DROP TABLE `order`" in result.stdout


def test_the_lesson_needs_the_delete_orphan(tmp_path):
    lesson_needs(5, ">>> order.items.remove(shake)", tmp_path)


def test_the_downgrade_gives_back_stage_4s_column_order(connection):
    fresh, after = column_order_around(connection, STAGE)
    assert after == fresh

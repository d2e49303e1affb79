"""Stage 2's own promises: what its lesson shows depends on what it does."""

from tests.helpers import lesson_needs


def test_the_lesson_needs_its_rollback(tmp_path):
    lesson_needs(2, ">>> session.rollback()", tmp_path)

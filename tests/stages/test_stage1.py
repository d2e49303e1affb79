"""Stage 1's own promises: what its lesson shows depends on what it does."""

import pytest

from tests.helpers import lesson_needs


@pytest.mark.parametrize(
    "line",
    [
        ">>> session.delete(fred)",
        "...         wendy.addresses.append(Address(None))",
    ],
)
def test_the_lesson_shows_the_effect_of(line, tmp_path):
    lesson_needs(1, line, tmp_path)

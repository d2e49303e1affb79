"""The checks, timed against a bare traverse of the chain."""

import io

import pytest
from rich.console import Console

from scripts.stages import STAIRWAY
from sqlalchemy_stairway.bench.checks import time_checks


def test_the_checks_are_timed_against_a_bare_traverse():
    found = time_checks(STAIRWAY, Console(file=io.StringIO()))
    assert found["check_seconds"] > 0 and found["traverse_seconds"] > 0
    assert found["ratio"] == pytest.approx(found["check_seconds"] / found["traverse_seconds"])
    assert found["stepwise_commands"] == 3 * (len(STAIRWAY) - 1)
    assert found["stepwise_traverse_seconds"] > 0

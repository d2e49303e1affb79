"""Losses counted before a downgrade (sqlalchemy_stairway.losses) are what the revisions count."""

import re

import pytest

from scripts.stages import STAIRWAY
from sqlalchemy_stairway.check.errors import StairwayError
from sqlalchemy_stairway.losses import describe, planned_losses
from tests.helpers import climb, move, stage_of


def test_what_is_counted_before_is_what_each_revision_refuses_to_lose(connection):
    head = STAIRWAY.head
    climb(connection, head)
    for stage in reversed(STAIRWAY.stages[1:]):
        below = STAIRWAY.previous(stage)
        planned = planned_losses(STAIRWAY, connection, stage, below)
        try:
            move(connection, below)
        except StairwayError as refused:
            said = str(refused)
        else:
            said = ""
        assert stage_of(connection) == stage  # refused: nothing lost without an allowance
        for what, count in planned.items():  # the revision may say why, in brackets
            assert re.search(rf"{re.escape(what)}( \([^)]*\))? \({count} rows?\)", said), said
        assert bool(planned) == bool(said)
        move(connection, below, allow_data_loss=planned)  # exactly what was agreed: it goes
        assert stage_of(connection) == below


def test_a_multi_stage_move_counts_every_stage_on_the_way(connection):
    head = STAIRWAY.head
    climb(connection, head)
    total = planned_losses(STAIRWAY, connection, head, STAIRWAY.base)
    one_by_one: dict[str, int] = {}
    for stage in reversed(STAIRWAY.stages[1:]):
        one_by_one.update(planned_losses(STAIRWAY, connection, stage, STAIRWAY.previous(stage)))
        move(connection, STAIRWAY.previous(stage), allow_data_loss=True)
    assert set(total) == set(one_by_one)


def test_losing_more_than_was_agreed_is_refused(connection):
    head = STAIRWAY.head
    climb(connection, head)
    below = STAIRWAY.previous(head)
    planned = planned_losses(STAIRWAY, connection, head, below)
    assert planned, "the last stage's downgrade loses rows: the test needs some"
    what = next(iter(planned))
    fewer = {**planned, what: planned[what] - 1}
    with pytest.raises(StairwayError, match="changed since you agreed"):
        move(connection, below, allow_data_loss=fewer)
    assert stage_of(connection) == head


def test_describe_counts_in_words():
    assert describe({"table a": 1, "column b.c": 2}) == "table a (1 row), column b.c (2 rows)"

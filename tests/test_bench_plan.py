"""The plan: the bulk data fills the tables of the first stage that has them all."""

import dataclasses

import pytest

from scripts import bench
from scripts.stages import STAIRWAY
from sqlalchemy_stairway.check.errors import StairwayError


def test_the_data_is_seeded_at_the_first_stage_with_all_its_tables():
    plan = bench.plan()
    stage = plan.seed_stage()
    tables = set(plan.data(0))
    assert tables <= set(stage.metadata.tables)
    assert all(not tables <= set(s.metadata.tables) for s in STAIRWAY.stages[: stage.number])


def test_data_for_tables_no_stage_has_is_refused():
    plan = dataclasses.replace(bench.plan(), data=lambda n: {"nowhere": ((), [])})
    with pytest.raises(StairwayError, match="no stage has all of the bench's tables: nowhere"):
        plan.seed_stage()

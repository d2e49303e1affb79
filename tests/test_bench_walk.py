"""The walk's accounting: which rows each stage's floor must move, from the declarations."""

from scripts import bench
from scripts.stages import STAIRWAY
from sqlalchemy_stairway.bench.floor import only_creates_tables
from sqlalchemy_stairway.bench.walk import rewritten_tables, rows_touched


def test_a_stage_that_only_creates_tables_rewrites_none():
    for stage in STAIRWAY.stages[1:]:
        if only_creates_tables(STAIRWAY, stage):
            assert rewritten_tables(STAIRWAY, stage) == {}


def test_rows_follow_the_seeded_tables_through_their_renames():
    seed_stage = bench.plan().seed_stage()
    seeded = {name: 10 * (i + 1) for i, name in enumerate(bench.plan().data(0))}
    later = [s for s in STAIRWAY.stages if s.number > seed_stage.number]
    touched = rows_touched(STAIRWAY, later, seeded)
    assert set(touched) == {s.number for s in later}
    for stage in later:
        if rewritten_tables(STAIRWAY, stage):
            assert 0 < touched[stage.number] <= sum(seeded.values())
        else:
            assert touched[stage.number] == 0
    assert any(touched.values())

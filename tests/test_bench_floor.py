"""The floors: each stage's own, or CREATE TABLE for a stage that only adds tables."""

import dataclasses
import re

import pytest
from sqlalchemy import create_engine

from scripts.stages import STAIRWAY
from sqlalchemy_stairway.bench.floor import (
    CreateTables,
    Floor,
    FloorStep,
    floor_steps,
    insert_statement,
    only_creates_tables,
)
from sqlalchemy_stairway.check.errors import StairwayError
from sqlalchemy_stairway.check.schema import structure
from sqlalchemy_stairway.stages import Stairway

DIALECTS = ("sqlite", "postgresql", "mysql")


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("stage", STAIRWAY.stages[1:], ids=lambda stage: stage.label)
def test_every_stage_has_a_floor_on_every_dialect(stage, dialect):
    steps = floor_steps(STAIRWAY, stage, dialect)
    assert steps and all(isinstance(step, str | FloorStep) for step in steps)
    if not stage.floor:
        assert only_creates_tables(STAIRWAY, stage)
        assert steps == [CreateTables(*(t.name for t in stage.metadata.sorted_tables
                                        if t.name in stage.new_tables))]  # fmt: skip


def test_a_stage_that_changes_tables_must_declare_its_floor():
    changing = next(s for s in STAIRWAY.stages[1:] if not only_creates_tables(STAIRWAY, s))
    stages = list(STAIRWAY.stages)
    stages[changing.number] = dataclasses.replace(changing, floor={})
    stairway = Stairway(stages, STAIRWAY.alembic_ini)
    with pytest.raises(StairwayError, match=re.escape(f"{changing.label} changes existing tables")):
        floor_steps(stairway, stages[changing.number], "sqlite")


def test_insert_statements_use_the_drivers_markers():
    sqlite = create_engine("sqlite://").dialect
    assert insert_statement(sqlite, "t", ["a", "b"]) == "INSERT INTO t (a, b) VALUES (?, ?)"


def test_the_floors_back_to_back_make_the_heads_schema(tmp_path, reference_schema):
    engine = create_engine(f"sqlite:///{tmp_path / 'floor.db'}")
    floor = Floor(engine, STAIRWAY)
    try:
        clock, seeding = floor.chain(STAIRWAY.stages[1], {})
    finally:
        floor.close()
    assert seeding < 1 and clock.statements
    with engine.connect() as connection:
        assert structure(connection) == reference_schema
    engine.dispose()


@pytest.fixture
def reference_schema(tmp_path):
    """The head's schema as create_all makes it from the models."""
    engine = create_engine(f"sqlite:///{tmp_path / 'models.db'}")
    STAIRWAY.head.metadata.create_all(engine)
    with engine.connect() as connection:
        found = structure(connection)
    engine.dispose()
    return found

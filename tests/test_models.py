"""The models: every stage imports cleanly, names its constraints, and knows its revision."""

import importlib

import pytest
from sqlalchemy import ForeignKeyConstraint, PrimaryKeyConstraint

from models.stages import STAGES, stage_for_revision
from scripts.migrate import script_directory


def test_head_models_are_the_last_stage():
    from models import Address, Base, Item, Order, Pet, User

    assert Base.metadata is STAGES[-1].metadata
    assert {m.__table__.name for m in (Address, Item, Order, Pet, User)} == set(
        STAGES[-1].metadata.tables
    )


@pytest.mark.parametrize(
    "module",
    ["stage1_tables", "stage2_pets", "stage3_numbers", "stage4_typed", "stage5_orders"],
)
def test_every_stage_module_imports_without_warnings(module):
    # pytest runs with warnings as errors, so a deprecated API here fails
    importlib.reload(importlib.import_module(f"models.{module}"))


@pytest.mark.parametrize("stage", STAGES[1:], ids=lambda s: f"stage{s.number}")
def test_every_constraint_has_a_name_of_ours(stage):
    for table in stage.metadata.tables.values():
        for constraint in table.constraints:
            if isinstance(constraint, PrimaryKeyConstraint):
                assert constraint.name == f"pk_{table.name}"
            elif isinstance(constraint, ForeignKeyConstraint):
                referred = constraint.elements[0].column.table.name
                column = constraint.column_keys[0]
                assert constraint.name == f"fk_{table.name}_{column}_{referred}"


def test_stages_are_the_revisions_in_order():
    revisions = [r.revision for r in reversed(list(script_directory().walk_revisions()))]
    assert [s.revision for s in STAGES[1:]] == revisions
    assert stage_for_revision(None) is STAGES[0]
    with pytest.raises(LookupError):
        stage_for_revision("abc123")


def test_string_columns_have_lengths_for_mariadb():
    for stage in STAGES[1:]:
        for table in stage.metadata.tables.values():
            for column in table.columns:
                if hasattr(column.type, "length"):
                    assert column.type.length, f"{table.name}.{column.name} needs a length"

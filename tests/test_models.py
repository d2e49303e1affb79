"""The models: every stage's module imports cleanly, names its constraints, and fits MariaDB."""

import importlib
import pkgutil

import pytest
from sqlalchemy import ForeignKeyConstraint, PrimaryKeyConstraint

import models
from scripts.stages import STAGES


def models_module(stage) -> str:
    """Return the name of the module in models/ whose MetaData is the stage's."""
    for info in pkgutil.iter_modules(models.__path__):
        module = importlib.import_module(f"models.{info.name}")
        if getattr(module, "metadata", None) is stage.metadata:
            return module.__name__
    raise AssertionError(f"no module in models/ holds the MetaData of {stage.label}")


@pytest.mark.parametrize("stage", STAGES[1:], ids=lambda s: f"stage{s.number}")
def test_every_stage_module_imports_without_warnings(stage):
    # pytest runs with warnings as errors, so a deprecated API here fails
    importlib.reload(importlib.import_module(models_module(stage)))


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


@pytest.mark.parametrize("stage", STAGES[1:], ids=lambda s: f"stage{s.number}")
def test_string_columns_have_lengths_for_mariadb(stage):
    for table in stage.metadata.tables.values():
        for column in table.columns:
            if hasattr(column.type, "length"):
                assert column.type.length, f"{table.name}.{column.name} needs a length"

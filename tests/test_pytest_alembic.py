"""pytest-alembic's built-in migration tests, on every database.

Teams often start with pytest-alembic; here its four default tests run on
our scratch engines next to our own checks (test_checks.py), which add
the exact reflected-schema match and the data checks it does not do.

pytest-alembic 0.13 cannot collect its tests by itself on pytest 9.2
("'TestCollector' object has no attribute '_nodeid'"), so pyproject.toml
points its test path at a folder that does not exist and the tests are
imported here instead.
"""

import pytest
from pytest_alembic.tests import (  # noqa: F401  (imported to be collected here)
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)

from scripts.stages import STAIRWAY


@pytest.fixture
def alembic_config():
    """The project's Alembic config; pytest-alembic adds the connection."""
    return STAIRWAY.alembic_config()


@pytest.fixture
def alembic_engine(engine):
    """The scratch database of the kind under test."""
    return engine

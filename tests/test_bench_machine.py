"""What the numbers were measured on: no paths, the versions, the revisions' digest."""

import os

from sqlalchemy import create_engine

from scripts.stages import STAIRWAY
from sqlalchemy_stairway.bench.machine import cores, machine, revisions_digest, server_version


def test_the_machine_is_described_without_paths():
    found = machine()
    assert found["cores"] == cores() >= 1
    assert {"cpu", "cpus", "python", "sqlalchemy", "alembic"} <= set(found)
    assert "/" not in str({k: v for k, v in found.items() if k != "system"})


def test_cores_are_those_this_process_may_use():
    assert cores() == len(os.sched_getaffinity(0))


def test_the_server_is_named_with_its_version():
    engine = create_engine("sqlite://")
    with engine.connect() as connection:
        assert server_version(connection).startswith("SQLite 3.")
    engine.dispose()


def test_the_revisions_digest_is_short_and_stable():
    digest = revisions_digest(STAIRWAY)
    assert len(digest) == 12 and digest == revisions_digest(STAIRWAY)

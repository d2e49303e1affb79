"""Stage 4's part of the bench, run small: its floor's hashes, its two measurements."""

import io

import pytest
from rich.console import Console
from sqlalchemy import create_engine, text

from scripts import bench
from scripts.bench_passwords import blocked_writers, hashing_throughput
from scripts.passwords import verify_password
from scripts.stages import STAIRWAY
from sqlalchemy_stairway.bench.floor import Floor
from sqlalchemy_stairway.bench.targets import MeasureContext
from sqlalchemy_stairway.check.engines import parse_url
from tests.conftest import DATABASES

STAGE = STAIRWAY[4]
PASSWORDS = 12
ITERATIONS = 2000


@pytest.fixture
def context(database) -> MeasureContext:
    """The bench's view of the server under test."""
    return MeasureContext(bench.plan(), parse_url(DATABASES[database]), Console(file=io.StringIO()))


def test_the_floor_hashes_every_password_where_the_revision_would(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'floor.db'}")
    floor = Floor(engine, STAIRWAY, {"password_iterations": ITERATIONS})
    data = bench.users_and_addresses(3, password_every=1)
    try:
        floor.chain(bench.plan().seed_stage(), data)
    finally:
        floor.close()
    with engine.connect() as connection:
        found = connection.execute(text("SELECT name, password_hash FROM user_account")).all()
    engine.dispose()
    assert [name for name, _ in found] == ["user1", "user2", "user3"]
    for name, hashed in found:
        assert verify_password(f"pw{name.removeprefix('user')}", hashed)
        assert f"${ITERATIONS}$" in hashed


def test_hashing_throughput_is_held_to_the_cores_times_one_core(context):
    measured = hashing_throughput(context, STAGE, PASSWORDS, ITERATIONS, sample=2)
    data = measured.data
    assert data["passwords"] == PASSWORDS + 1  # and Mary's, from the tutorial's rows
    assert data["iterations"] == ITERATIONS and data["workers"] >= 1
    assert data["hashes_per_second"] == pytest.approx(data["passwords"] / data["seconds"])
    (target,) = measured.targets
    assert target.at_least and target.measured == data["hashes_per_second"]
    assert target.limit == pytest.approx(0.85 * data["cores"] * data["one_core_floor"])


def test_blocked_writers_are_measured_on_servers_and_skipped_on_sqlite(context, database):
    measured = blocked_writers(context, STAGE, PASSWORDS, ITERATIONS)
    if database == "sqlite":
        assert "BEGIN IMMEDIATE" in measured.skipped and not measured.targets
        return
    data = measured.data
    assert data["probe_writes"] > 0  # the other client did write during the migration
    assert data["blocked_seconds"] == pytest.approx(sum([data["blocked_seconds"]]))
    assert data["longest_wait"] <= data["blocked_seconds"] <= data["migration_seconds"]
    (target,) = measured.targets
    assert not target.at_least and target.limit == 2.0
    assert target.measured == data["blocked_seconds"]

"""Other clients write while stage 4 runs: every committed write is kept, no valid row refused.

The races are forced, not left to timing: before chosen statements of the
migration's connection a writer (another client) is let in, and the
migration goes on only once that writer has committed or is seen waiting
for the migration's lock (tests/writers.py).  Each database runs under the
isolation level its server is configured with: PostgreSQL at READ
COMMITTED and at REPEATABLE READ (``default_transaction_isolation``),
MariaDB at its REPEATABLE READ default.
"""

import pytest
from sqlalchemy import URL, Connection, text

from scripts.stages import STAIRWAY
from sqlalchemy_stairway.check.engines import make_engine
from sqlalchemy_stairway.check.errors import StairwayError
from sqlalchemy_stairway.check.schema import rows, structure
from tests.conftest import needs, on_databases
from tests.helpers import climb, move, stage_of
from tests.writers import (
    Write,
    Writer,
    add_writers_users,
    let_in,
    lost_writes,
    pausing_before,
    writes_of_a_client,
)

STAGE = STAIRWAY[4]
BEFORE = STAIRWAY.previous(STAGE)
ITERATIONS = 1000
SERVERS = ("postgresql", "mariadb")
WRITERS = 60  # more than the statements stage 4 runs after its hashing
ISOLATION = {
    "postgresql": ["read committed", "repeatable read"],
    "mariadb": ["default"],
}
CASES = [pytest.param(db, level, marks=needs(db)) for db in SERVERS for level in ISOLATION[db]]
TOO_LONG = "Bartholomew Montgomery-Featherstone"  # 35 characters: fits stage 3, not stage 4

pytestmark = pytest.mark.full


def migration_statement(statement: str) -> bool:
    """The revision's own statements, not the catalog reads of Alembic or the checks."""
    lowered = statement.lower()
    return lowered.startswith(
        ("alter", "rename", "lock", "update", "drop", "create", "select", "insert")
    ) and not any(
        word in lowered for word in ("information_schema", "pg_catalog", "pg_", "alembic_version")
    )


def with_isolation(url: URL, level: str, connection: Connection) -> None:
    """Make ``level`` the database's default isolation for new sessions (PostgreSQL)."""
    if level in ("default", "read committed"):
        return
    connection.execute(
        text(f"ALTER DATABASE \"{url.database}\" SET default_transaction_isolation = '{level}'")
    )
    connection.commit()


@pytest.fixture
def at_stage_3(database, scratch_url, connection) -> dict[int, int]:
    climb(connection, BEFORE)
    return add_writers_users(connection, WRITERS)


def observer_for(url: URL):
    return make_engine(url)


@pytest.mark.parametrize(("database", "level"), CASES)
def test_every_write_committed_while_stage_4_runs_is_kept(level, scratch_url, at_stage_3):
    setup = make_engine(scratch_url)
    with setup.connect() as connection:
        with_isolation(scratch_url, level, connection)
    setup.dispose()
    engine = make_engine(scratch_url, for_migrations=True)
    observer_engine = observer_for(scratch_url)
    writers: list[Writer] = []
    clients = iter(range(WRITERS))

    def one_more_writer(statement: str = "") -> None:
        n = next(clients)
        writers.append(let_in(observer, Writer(scratch_url, writes_of_a_client(n, at_stage_3[n]))))

    hashing_done = []
    try:
        with engine.connect() as migration, observer_engine.connect() as observer:
            with pausing_before(
                migration, lambda s: bool(hashing_done) and migration_statement(s), one_more_writer
            ) as paused:
                move(
                    migration,
                    STAGE,
                    password_iterations=ITERATIONS,
                    before_the_lock=lambda: (one_more_writer(), hashing_done.append(True)),
                )
            for writer in writers:
                writer.join()
            writes = [write for writer in writers for write in writer.writes]
            assert len(paused) >= 10  # the writers came in all along the revision
            assert writes[0].committed  # the first came before the lock, and went through
            assert lost_writes(migration, writes) == []
    finally:
        engine.dispose()
        observer_engine.dispose()


def snapshot(url: URL):
    engine = make_engine(url)
    try:
        with engine.connect() as client:
            return structure(client), rows(client)
    finally:
        engine.dispose()


@pytest.mark.parametrize("database", on_databases(*SERVERS))
@pytest.mark.parametrize("point", range(0, 18, 2))
def test_a_name_too_long_for_stage_4_is_refused_whenever_it_arrives(
    point, scratch_url, connection, observer_connection
):
    """Refused before any change, or kept out by the new schema: never a half-way database."""
    climb(connection, BEFORE)
    writer = Writer(
        scratch_url,
        [Write(f"INSERT INTO users (user_name) VALUES ('{TOO_LONG}')", "user", (TOO_LONG, ""))],
    )
    chosen = []

    def at_the_point(statement: str) -> None:
        chosen.append(statement)
        if len(chosen) == point + 1:
            let_in(observer_connection, writer)

    hashing_done = []
    refused = None
    with pausing_before(
        connection, lambda s: bool(hashing_done) and migration_statement(s), at_the_point
    ):
        try:
            move(
                connection,
                STAGE,
                password_iterations=ITERATIONS,
                before_the_lock=lambda: hashing_done.append(True),
            )
        except StairwayError as exc:
            refused = str(exc)
    assert len(chosen) > point, "the revision runs fewer statements than the point chosen"
    writer.join()
    if refused is not None:
        assert writer.writes[0].committed
        assert "longer than 30 characters" in refused and refused.endswith("Nothing was changed.")
        assert stage_of(connection) == BEFORE
        assert TOO_LONG in {row["user_name"] for row in rows(connection)["users"]}
    else:
        assert not writer.writes[0].committed, "a name stage 4 cannot hold went in"
        assert stage_of(connection) == STAGE


@pytest.fixture
def observer_connection(scratch_url):
    engine = make_engine(scratch_url)
    with engine.connect() as connection:
        yield connection
    engine.dispose()

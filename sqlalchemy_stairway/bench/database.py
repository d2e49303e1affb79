"""What the walk and the chain share: scratch databases, settling, seeding, counting."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import URL, Connection, Engine, func, select

from sqlalchemy_stairway.bench.floor import Floor, counted
from sqlalchemy_stairway.bench.plan import BenchPlan, BulkData
from sqlalchemy_stairway.check.engines import make_engine
from sqlalchemy_stairway.check.schema import structure, structure_differences
from sqlalchemy_stairway.check.scratch import scratch_database
from sqlalchemy_stairway.seeding import insert_many
from sqlalchemy_stairway.stages import Stage


@contextmanager
def stairway_and_floor(plan: BenchPlan, url: URL) -> Iterator[tuple[Connection, Floor]]:
    """Two scratch databases beside ``url``'s: one migrated the project's way, one by floors."""
    with scratch_database(url) as stairway_url, scratch_database(url) as floor_url:
        stairway = make_engine(stairway_url, for_migrations=True)
        floor_engine = make_engine(floor_url, for_migrations=True)
        floor = Floor(floor_engine, plan.stairway, plan.attributes)
        try:
            with stairway.connect() as connection:
                yield connection, floor
        finally:
            floor.close()
            stairway.dispose()
            floor_engine.dispose()


def settle(*engines: Engine, vacuum: bool = False) -> None:
    """Let the server finish earlier work before the next timing (PostgreSQL: CHECKPOINT)."""
    for engine in engines:
        if engine.dialect.name != "postgresql":
            continue
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            if vacuum:
                connection.exec_driver_sql("VACUUM ANALYZE")
            connection.exec_driver_sql("CHECKPOINT")


def insert_bulk(
    connection: Connection, stage: Stage, data: BulkData, advance: Callable[[int], None]
) -> dict[str, int]:
    """Insert the bulk rows into ``stage``'s tables the project's way; return rows per table."""
    tables = stage.metadata.tables
    return {
        name: insert_many(connection, tables[name], columns, counted(rows, advance))
        for name, (columns, rows) in data.items()
    }


def count_rows(connection: Connection, stage: Stage) -> dict[str, int]:
    """Return the rows of each of ``stage``'s tables."""
    found = {
        name: connection.execute(select(func.count()).select_from(table)).scalar_one()
        for name, table in stage.metadata.tables.items()
    }
    connection.rollback()
    return found


def schema_differences(connection: Connection, floor_engine: Engine) -> list[str]:
    """Return how the floor's schema differs from the stairway's (nothing, if the floor is fair)."""
    with floor_engine.connect() as floor_connection:
        floor_structure = structure(floor_connection)
        floor_connection.rollback()
    found = structure(connection)
    connection.rollback()
    return structure_differences(floor_structure, found)

"""The floor: the least SQL each stage needs, as the stage declares it, on a raw cursor.

A stage declares its floor per dialect name in ``Stage.floor`` (``"*"``
for every dialect): SQL strings, and :class:`FloorStep` objects for what
is not one statement (creating tables from the stage's models, or work in
Python).  A stage that only creates tables needs to declare nothing: its
floor is ``CREATE TABLE`` for each of them.  Whatever the floor does runs
on one raw DB-API connection, one transaction per step, with each
statement timed.
"""

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.schema import CreateTable

from sqlalchemy_stairway.bench.measure import Clock
from sqlalchemy_stairway.bench.plan import BulkData
from sqlalchemy_stairway.check.errors import StairwayError
from sqlalchemy_stairway.seeding import BATCH_SIZE, POSITIONAL_MARKERS
from sqlalchemy_stairway.stages import Stage, Stairway

PROGRESS_EVERY = 10_000


@dataclass
class FloorRun:
    """What a floor step works with: the cursor, the stage it makes, and a clock."""

    cursor: Any
    dialect: Any
    stage: Stage
    clock: Clock
    attributes: Mapping[str, Any]

    @property
    def marker(self) -> str:
        """The driver's positional parameter marker: ``?`` or ``%s``."""
        return POSITIONAL_MARKERS[self.dialect.paramstyle]

    def execute(self, statement: str, parameters: Sequence = ()) -> Any:
        start = time.perf_counter()
        self.cursor.execute(statement, parameters) if parameters else self.cursor.execute(statement)
        self.clock.add(statement, time.perf_counter() - start)
        return self.cursor

    def executemany(self, statement: str, rows: Sequence[Sequence]) -> None:
        start = time.perf_counter()
        self.cursor.executemany(statement, rows)
        self.clock.add(statement, time.perf_counter() - start)

    @contextmanager
    def python(self) -> Iterator[None]:
        """Time work done in Python, apart from the SQL."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.clock.python += time.perf_counter() - start


class FloorStep:
    """A step of a floor that is not one SQL string."""

    def run(self, floor: FloorRun) -> None:
        raise NotImplementedError


@dataclass(frozen=True, init=False)
class CreateTables(FloorStep):
    """``CREATE TABLE`` for each named table, as the stage's models define it."""

    names: tuple[str, ...]

    def __init__(self, *names: str) -> None:
        object.__setattr__(self, "names", names)

    def run(self, floor: FloorRun) -> None:
        tables = floor.stage.metadata.tables
        for name in self.names:
            floor.execute(str(CreateTable(tables[name]).compile(dialect=floor.dialect)).strip())


def only_creates_tables(stairway: Stairway, stage: Stage) -> bool:
    """True when ``stage`` adds tables and leaves every other table as it was."""
    if not stage.new_tables or stage.dropped_tables:
        return False
    for name, source in stairway.table_sources(stage).items():
        carry = source.carry
        if carry is not None and (
            carry.source != name or carry.renamed or carry.new or carry.computed or carry.dropped
        ):
            return False
    return True


def floor_steps(stairway: Stairway, stage: Stage, dialect: str) -> list:
    """Return what ``stage``'s floor runs on ``dialect``: its declaration, or CREATE TABLEs."""
    declared = stage.floor.get(dialect, stage.floor.get("*"))
    if declared is not None:
        return list(declared)
    if only_creates_tables(stairway, stage):
        created = [t.name for t in stage.metadata.sorted_tables if t.name in stage.new_tables]
        return [CreateTables(*created)]
    raise StairwayError(
        f"{stage.label} changes existing tables and declares no benchmark floor for "
        f"{dialect}; give its Stage a floor={{{dialect!r}: [...]}} (or '*')"
    )


def insert_statement(dialect, table: str, columns: Iterable[str]) -> str:
    marker = POSITIONAL_MARKERS[dialect.paramstyle]
    columns = list(columns)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([marker] * len(columns))})"
    )


def counted(rows: Iterable, advance: Callable[[int], None]) -> Iterator:
    """Yield ``rows``, calling ``advance(k)`` after every k of them."""
    rows = iter(rows)
    while chunk := list(islice(rows, PROGRESS_EVERY)):
        yield from chunk
        advance(len(chunk))


class Floor:
    """Runs floors on one raw DB-API connection."""

    def __init__(
        self, engine: Engine, stairway: Stairway, attributes: Mapping[str, Any] | None = None
    ) -> None:
        self.engine = engine
        self.stairway = stairway
        self.dialect = engine.dialect
        self.attributes = attributes or {}
        self.raw = engine.raw_connection()

    def close(self) -> None:
        self.raw.close()

    @contextmanager
    def transaction(self) -> Iterator:
        cursor = self.raw.cursor()
        if self.dialect.name == "sqlite":
            # our SQLite engines leave transactions to the caller: BEGIN as a migration does
            cursor.execute("BEGIN IMMEDIATE")
        try:
            yield cursor
            self.raw.commit()
        except BaseException:
            self.raw.rollback()
            raise
        finally:
            cursor.close()

    def insert(self, cursor, data: BulkData, clock: Clock, advance: Callable[[int], None]) -> None:
        """Insert the bulk rows, in lists of BATCH_SIZE as ``insert_many`` does."""
        for table, (columns, rows) in data.items():
            sql = insert_statement(self.dialect, table, columns)
            start = time.perf_counter()
            # sqlite3 takes tuples from a list a third faster than from a generator
            rows = counted(rows, advance)
            while batch := list(islice(rows, BATCH_SIZE)):
                cursor.executemany(sql, batch)
            clock.add(sql, time.perf_counter() - start)

    def seed(self, data: BulkData, advance: Callable[[int], None]) -> Clock:
        clock = Clock()
        with self.transaction() as cursor:
            self.insert(cursor, data, clock, advance)
        return clock

    def run_stage(self, cursor, stage: Stage, clock: Clock) -> None:
        floor = FloorRun(cursor, self.dialect, stage, clock, self.attributes)
        for step in floor_steps(self.stairway, stage, self.dialect.name):
            if isinstance(step, FloorStep):
                step.run(floor)
            else:
                floor.execute(step)

    def stage(self, stage: Stage) -> Clock:
        clock = Clock()
        with self.transaction() as cursor:
            self.run_stage(cursor, stage, clock)
        return clock

    def chain(self, seed_stage: Stage, data: BulkData) -> tuple[Clock, float]:
        """Run every stage's floor back to back in one transaction, seeding at ``seed_stage``.

        Return the clock and the seconds the seeding took, which the caller
        takes off: the chain's floor is its stages' floors, not the data.
        """
        clock, seeding = Clock(), 0.0
        with self.transaction() as cursor:
            for stage in self.stairway.stages[1:]:
                self.run_stage(cursor, stage, clock)
                if stage is seed_stage:
                    start = time.perf_counter()
                    self.insert(cursor, data, Clock(), lambda k: None)
                    seeding = time.perf_counter() - start
        return clock, seeding

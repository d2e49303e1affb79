"""Alembic's own operations, resumable where DDL is not rolled back (sqlalchemy_stairway.resumable).

Each operation runs twice in a row, as a rerun after a kill runs it: where
the migration's DDL is not rolled back (MariaDB; any database when its
context says so) the second run finds the change there and skips it; where
it is rolled back, nothing is looked at and the second run fails as
Alembic's would.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from alembic import op
from alembic.operations import MigrateOperation, Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from scripts.stages import STAIRWAY
from sqlalchemy_stairway.resumable import (
    SchemaNow,
    describe,
    is_done,
    last_done,
    recorded,
    register,
)
from tests.conftest import KINDS, needs


@contextmanager
def migrating(connection: Connection, *, resumable: bool, rolls_back: bool) -> Iterator[None]:
    """Point ``op`` at ``connection``, as env.py's run does, DDL rolled back or not."""
    migration = MigrationContext.configure(
        connection, opts={"resumable": resumable, "transactional_ddl": rolls_back}
    )
    with Operations.context(migration):
        yield


def create_parent() -> None:
    op.create_table(
        "parent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(20)),
        sa.PrimaryKeyConstraint("id", name="pk_parent"),
    )


def create_child() -> None:
    op.create_table(
        "child",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer()),
        sa.PrimaryKeyConstraint("id", name="pk_child"),
    )


# each step, after create_parent and create_child: what it does, as the step names it
STEPS: dict[str, Callable[[], None]] = {
    "creating parent": create_parent,
    "adding parent.age": lambda: op.add_column("parent", sa.Column("age", sa.Integer())),
    "dropping parent.name": lambda: op.drop_column("parent", "name"),
    "renaming child to kid": lambda: op.rename_table("child", "kid"),
    "renaming parent.name to title": lambda: op.alter_column(
        "parent", "name", new_column_name="title", existing_type=sa.String(20)
    ),
    "making parent.name NOT NULL": lambda: op.alter_column(
        "parent", "name", nullable=False, existing_type=sa.String(20)
    ),
    "creating index ix_parent_name on parent": lambda: op.create_index(
        "ix_parent_name", "parent", ["name"]
    ),
    "adding foreign key fk_child_parent_id_parent to child": lambda: op.create_foreign_key(
        "fk_child_parent_id_parent", "child", "parent", ["parent_id"], ["id"]
    ),
    "adding unique constraint uq_parent_name to parent": lambda: op.create_unique_constraint(
        "uq_parent_name", "parent", ["name"]
    ),
    "dropping child": lambda: op.drop_table("child"),
}

# SQLite alters these only in batch mode, by rebuilding the table
NOT_ON_SQLITE = {
    "making parent.name NOT NULL",
    "adding foreign key fk_child_parent_id_parent to child",
    "adding unique constraint uq_parent_name to parent",
}
CELLS = [
    pytest.param(database, step, marks=needs(database))
    for database in KINDS
    for step in STEPS
    if step != "creating parent" and not (database == "sqlite" and step in NOT_ON_SQLITE)
]

BATCH_STEPS: dict[str, Callable[[], None]] = {
    "adding parent.age": lambda batch: batch.add_column(sa.Column("age", sa.Integer())),
    "dropping parent.name": lambda batch: batch.drop_column("name"),
}


def set_up(connection: Connection) -> None:
    with migrating(connection, resumable=False, rolls_back=True):
        create_parent()
        create_child()
    connection.commit()


@pytest.mark.parametrize("database,step", CELLS, indirect=["database"])
def test_a_step_run_again_where_ddl_is_not_rolled_back_finds_itself_done(connection, step):
    set_up(connection)
    with migrating(connection, resumable=True, rolls_back=False):
        STEPS[step]()
        STEPS[step]()  # the rerun: without its post-condition, this one would fail
        [operation] = recorded(connection, STEPS[step])
    assert describe(operation) == step
    assert is_done(operation, SchemaNow(connection))


@pytest.mark.parametrize("step", BATCH_STEPS)
def test_a_batch_step_run_again_finds_itself_done(connection, step):
    set_up(connection)

    def in_a_batch() -> None:
        with op.batch_alter_table("parent") as batch:
            BATCH_STEPS[step](batch)

    with migrating(connection, resumable=True, rolls_back=False):
        in_a_batch()
        in_a_batch()
    [operation] = recorded(connection, in_a_batch)
    assert describe(operation) == step
    assert is_done(operation, SchemaNow(connection))


def test_creating_a_table_that_is_there_returns_it_as_alembic_does(connection):
    set_up(connection)
    with migrating(connection, resumable=True, rolls_back=False):
        table = op.create_table("parent", sa.Column("id", sa.Integer()))
    assert isinstance(table, sa.Table) and table.name == "parent"


def test_where_ddl_is_rolled_back_nothing_is_looked_at(connection):
    set_up(connection)
    with migrating(connection, resumable=True, rolls_back=True), pytest.raises(DBAPIError):
        create_parent()


def test_without_the_option_alembic_runs_as_ever(connection):
    set_up(connection)
    with migrating(connection, resumable=False, rolls_back=False), pytest.raises(DBAPIError):
        create_parent()


def test_a_table_of_the_same_name_without_the_columns_is_not_taken_for_it(connection):
    with migrating(connection, resumable=True, rolls_back=False):
        op.create_table("parent", sa.Column("other", sa.Integer()))
        with pytest.raises(DBAPIError):
            create_parent()


def test_recording_a_revision_runs_nothing(connection):
    module = STAIRWAY.revision_module(STAIRWAY[1])
    operations = recorded(connection, module.upgrade)
    assert [describe(o) for o in operations] == ["creating users", "creating email_addresses"]
    assert sa.inspect(connection).get_table_names() == []


def test_recording_a_batch_runs_nothing(connection):
    set_up(connection)

    def upgrade() -> None:
        with op.batch_alter_table("parent") as batch:
            batch.add_column(sa.Column("age", sa.Integer()))
            batch.drop_column("name")

    assert [describe(o) for o in recorded(connection, upgrade)] == [
        "adding parent.age",
        "dropping parent.name",
    ]
    assert set(SchemaNow(connection).columns("parent")) == {"id", "name"}


def test_the_last_step_found_done_names_where_a_run_stopped(connection):
    def upgrade() -> None:
        create_parent()
        create_child()
        op.add_column("child", sa.Column("age", sa.Integer()))

    assert last_done(connection, upgrade) is None
    set_up(connection)
    assert last_done(connection, upgrade) == "creating child"


@Operations.register_operation("create_marker")
class CreateMarkerOp(MigrateOperation):
    """An operation of one's own: a table made with raw SQL."""

    def __init__(self, name: str) -> None:
        self.name = name

    @classmethod
    def create_marker(cls, operations: Operations, name: str) -> None:
        return operations.invoke(cls(name))


@Operations.implementation_for(CreateMarkerOp)
def _create_marker(operations: Operations, operation: CreateMarkerOp) -> None:
    operations.execute(f"CREATE TABLE {operation.name} (id INTEGER)")


register(
    CreateMarkerOp,
    lambda operation, schema: schema.has_table(operation.name),
    lambda operation: f"making the marker {operation.name}",
)


@pytest.mark.parametrize("rolls_back", [False, True])
def test_an_operation_of_ones_own_is_made_resumable_by_registering_it(connection, rolls_back):
    def upgrade() -> None:
        op.create_marker("marker")

    assert last_done(connection, upgrade) is None
    with migrating(connection, resumable=True, rolls_back=rolls_back):
        upgrade()
        if rolls_back:  # nothing looked at: the second run fails as the SQL does
            with pytest.raises(DBAPIError):
                upgrade()
        else:
            upgrade()
    if not rolls_back:
        connection.commit()
        assert last_done(connection, upgrade) == "making the marker marker"


def test_registering_an_operation_without_an_implementation_is_refused():
    class Unimplemented(MigrateOperation):
        pass

    with pytest.raises(ValueError, match="Unimplemented has no implementation yet"):
        register(Unimplemented, lambda o, schema: True, lambda o: "nothing")

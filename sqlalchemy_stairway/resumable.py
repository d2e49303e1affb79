"""Alembic's own operations, made resumable where DDL is not rolled back.

MariaDB commits each DDL statement on its own: a run killed in the middle
of a revision leaves its first statements done and the version stamp
where it was, and the next run starts the revision again from the top.
So that a revision can be written as a plain list of ``op.*`` calls and
still be finished by that next run, each of Alembic's schema operations
here knows its own post-condition, read from the database:

==========================================  ===================================================
operation                                   found done when
==========================================  ===================================================
``create_table(name, *columns)``            the table exists with every one of those columns
``drop_table(name)``                        the table is gone
``rename_table(old, new)``                  ``new`` exists and ``old`` is gone
``add_column(table, column)``               the column exists
``drop_column(table, column)``              the table exists without that column
``alter_column(..., new_column_name=new)``  ``new`` exists and the old name is gone
``alter_column(..., nullable=...)``         the column's NULL-ability is the one asked for
``create_index`` / ``drop_index``           the index is there / the index's table is without it
``create_foreign_key`` / unique / check     the named constraint is on the table
``create_primary_key``                      the table's primary key is on those columns
``drop_constraint(name, table)``            the table exists without that named constraint
==========================================  ===================================================

The contract, for an ``env.py`` that passes ``resumable=True`` to
``context.configure()`` (this project's does):

- On a database whose DDL is rolled back with the migration's
  transaction (PostgreSQL, SQLite as this project's engines open it), and
  in offline ``--sql`` mode, every operation runs exactly as Alembic runs
  it: nothing is looked at.
- Elsewhere (MariaDB), an operation whose post-condition already holds is
  skipped, logged as such; any other operation runs as Alembic runs it.
  Batch operations are looked at when the batch method is called, before
  the batch runs.  Operations with no post-condition (``execute``,
  ``bulk_insert``, an ``alter_column`` changing only a type or a default)
  always run, so they must give the same result when run twice.
- :func:`register` makes an operation of one's own resumable the same
  way, given its post-condition and its description.
- :func:`describe` says what an operation does, in a few words
  ("renaming users to user_account"); :func:`recorded` lists the
  operations a revision's ``upgrade()`` or ``downgrade()`` would run,
  without running them, so that a move killed half-way can be named by
  the last of them found done (:mod:`sqlalchemy_stairway.interrupted`).

A revision that reads the database to decide what to do must only read
in ``upgrade()``/``downgrade()`` outside ``op.*`` calls: :func:`recorded`
runs those functions with every ``op.*`` call recorded, not run.
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import SimpleNamespace

import sqlalchemy as sa
from alembic.operations import BatchOperations, MigrateOperation, Operations
from alembic.operations import ops as alembic_ops
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect

log = logging.getLogger(__name__)

# The option env.py passes to context.configure() to make operations resumable
OPTION = "resumable"


class SchemaNow:
    """The schema as it is at this moment, read afresh: what a post-condition looks at."""

    def __init__(self, connection: Connection) -> None:
        self.inspector = inspect(connection)
        self.tables = set(self.inspector.get_table_names())

    def has_table(self, table: str) -> bool:
        """Whether ``table`` exists now."""
        return table in self.tables

    def columns(self, table: str) -> dict[str, dict]:
        """Return the columns of ``table`` by name ({} when there is no such table)."""
        if table not in self.tables:
            return {}
        return {c["name"]: c for c in self.inspector.get_columns(table)}

    def has_column(self, table: str, column: str) -> bool:
        """Whether ``table`` exists and has ``column``."""
        return column in self.columns(table)

    def foreign_keys(self, table: str) -> set[str]:
        """Return the names of ``table``'s foreign keys (none when there is no such table)."""
        if table not in self.tables:
            return set()
        return {fk["name"] for fk in self.inspector.get_foreign_keys(table)}

    def indexes(self, table: str) -> set[str]:
        """Return the names of ``table``'s indexes (none when there is no such table)."""
        if table not in self.tables:
            return set()
        return {index["name"] for index in self.inspector.get_indexes(table)}

    def constraints(self, table: str) -> set[str]:
        """Return the names of ``table``'s foreign key, unique and check constraints."""
        if table not in self.tables:
            return set()
        uniques = {u["name"] for u in self.inspector.get_unique_constraints(table)}
        checks = {c["name"] for c in self.inspector.get_check_constraints(table)}
        return self.foreign_keys(table) | uniques | checks

    def primary_key(self, table: str) -> list[str]:
        """Return ``table``'s primary key columns, in order ([] when there is no such table)."""
        if table not in self.tables:
            return []
        return self.inspector.get_pk_constraint(table)["constrained_columns"]


# -- what each operation does, and how to tell it is done ---------------------------------

PostCondition = Callable[[MigrateOperation, SchemaNow], bool]

CONSTRAINT_KINDS = {
    alembic_ops.CreateForeignKeyOp: "foreign key",
    alembic_ops.CreateUniqueConstraintOp: "unique constraint",
    alembic_ops.CreateCheckConstraintOp: "check constraint",
    alembic_ops.CreatePrimaryKeyOp: "primary key",
}


def _table_of(operation: MigrateOperation) -> str:
    # CreateForeignKeyOp names its table source_table; the others table_name
    return getattr(operation, "source_table", None) or operation.table_name


def _created_table(operation: alembic_ops.CreateTableOp, schema: SchemaNow) -> bool:
    wanted = {c.name for c in operation.columns if isinstance(c, sa.Column)}
    columns = schema.columns(operation.table_name)
    return bool(columns) and wanted <= set(columns)


def _altered_column(operation: alembic_ops.AlterColumnOp, schema: SchemaNow) -> bool | None:
    columns = schema.columns(operation.table_name)
    if operation.modify_name:
        return operation.modify_name in columns and operation.column_name not in columns
    changes_more = (
        operation.modify_type is not None
        or operation.modify_server_default is not False
        or operation.modify_comment is not False
    )
    if operation.modify_nullable is None or changes_more:
        return None  # nothing a rerun could not do again
    column = columns.get(operation.column_name)
    return column is not None and column["nullable"] == operation.modify_nullable


def _created_constraint(operation: alembic_ops.AddConstraintOp, schema: SchemaNow) -> bool:
    table = _table_of(operation)
    if isinstance(operation, alembic_ops.CreatePrimaryKeyOp):
        return schema.primary_key(table) == list(operation.columns)
    return operation.constraint_name in schema.constraints(table)


def _dropped_constraint(operation: alembic_ops.DropConstraintOp, schema: SchemaNow) -> bool:
    table = operation.table_name
    if not schema.has_table(table):
        return False
    if operation.constraint_type == "foreignkey":
        # MariaDB keeps the index that served a dropped foreign key, under its name
        return operation.constraint_name not in schema.foreign_keys(table)
    return operation.constraint_name not in schema.constraints(table)


POST_CONDITIONS: dict[type, PostCondition] = {
    alembic_ops.CreateTableOp: _created_table,
    alembic_ops.DropTableOp: lambda o, schema: not schema.has_table(o.table_name),
    alembic_ops.RenameTableOp: lambda o, schema: (
        schema.has_table(o.new_table_name) and not schema.has_table(o.table_name)
    ),
    alembic_ops.AddColumnOp: lambda o, schema: schema.has_column(o.table_name, o.column.name),
    alembic_ops.DropColumnOp: lambda o, schema: (
        schema.has_table(o.table_name) and not schema.has_column(o.table_name, o.column_name)
    ),
    alembic_ops.AlterColumnOp: _altered_column,
    alembic_ops.CreateIndexOp: lambda o, schema: o.index_name in schema.indexes(o.table_name),
    alembic_ops.DropIndexOp: lambda o, schema: (
        o.table_name is not None
        and schema.has_table(o.table_name)
        and o.index_name not in schema.indexes(o.table_name)
    ),
    alembic_ops.AddConstraintOp: _created_constraint,
    alembic_ops.DropConstraintOp: _dropped_constraint,
}


# what an operation registered with register() does, in a few words
DESCRIPTIONS: dict[type, Callable[[MigrateOperation], str]] = {}


def post_condition(operation: MigrateOperation) -> PostCondition | None:
    """Return how to tell ``operation`` is done, or None when it cannot be told."""
    for kind in type(operation).__mro__:
        if kind in POST_CONDITIONS:
            return POST_CONDITIONS[kind]
    return None


def is_done(operation: MigrateOperation, schema: SchemaNow) -> bool:
    """True when ``operation``'s change is found in ``schema`` (never for one without a test)."""
    test = post_condition(operation)
    return bool(test is not None and test(operation, schema))


def describe(operation: MigrateOperation) -> str:
    """Say what ``operation`` does in a few words: ``renaming users to user_account``."""
    o = operation
    for kind in type(o).__mro__:  # an operation of one's own first: it may subclass these
        if kind in DESCRIPTIONS:
            return DESCRIPTIONS[kind](o)
    if isinstance(o, alembic_ops.CreateTableOp):
        return f"creating {o.table_name}"
    if isinstance(o, alembic_ops.DropTableOp):
        return f"dropping {o.table_name}"
    if isinstance(o, alembic_ops.RenameTableOp):
        return f"renaming {o.table_name} to {o.new_table_name}"
    if isinstance(o, alembic_ops.AddColumnOp):
        return f"adding {o.table_name}.{o.column.name}"
    if isinstance(o, alembic_ops.DropColumnOp):
        return f"dropping {o.table_name}.{o.column_name}"
    if isinstance(o, alembic_ops.AlterColumnOp):
        column = f"{o.table_name}.{o.column_name}"
        if o.modify_name:
            return f"renaming {column} to {o.modify_name}"
        if o.modify_nullable is not None:
            return f"making {column} {'NULL' if o.modify_nullable else 'NOT NULL'}"
        return f"altering {column}"
    if isinstance(o, alembic_ops.CreateIndexOp):
        return f"creating index {o.index_name} on {o.table_name}"
    if isinstance(o, alembic_ops.DropIndexOp):
        return f"dropping index {o.index_name}"
    if isinstance(o, alembic_ops.AddConstraintOp):
        kind = CONSTRAINT_KINDS.get(type(o), "constraint")
        return f"adding {kind} {o.constraint_name} to {_table_of(o)}"
    if isinstance(o, alembic_ops.DropConstraintOp):
        kind = "foreign key" if o.constraint_type == "foreignkey" else "constraint"
        return f"dropping {kind} {o.constraint_name} from {o.table_name}"
    return " ".join((type(o).__doc__ or type(o).__name__).split())


# -- skipping what is done, when a migration runs ------------------------------------------


def resuming(migration: MigrationContext) -> bool:
    """True when ``migration``'s operations look for their change first (see the docstring)."""
    return (
        bool(migration.opts.get(OPTION))
        and not migration.as_sql
        and not migration.impl.transactional_ddl
    )


def _resumable(original: Callable) -> Callable:
    def implementation(operations: Operations, operation: MigrateOperation):
        migration = operations.get_context()
        if resuming(migration) and is_done(operation, SchemaNow(operations.get_bind())):
            log.info("Skipping %s: an earlier run did it", describe(operation))
            if isinstance(operation, alembic_ops.CreateTableOp):
                return operation.to_table(migration)  # what op.create_table() returns
            return None
        return original(operations, operation)

    implementation.resumable_original = original
    return implementation


def _install(kinds) -> None:
    """Wrap the implementations of ``kinds``, operation classes that have a post-condition."""
    # Dispatcher's registry: Operations.implementation_for(..., replace=True)
    # only exists from Alembic 1.17.2, and this library supports 1.13
    registry = Operations._to_impl._registry
    for kind in kinds:
        found = [key for key in registry if key[0] is kind]
        if not found:
            raise ValueError(f"{kind.__name__} has no implementation yet: register it first")
        for key in found:
            if not hasattr(registry[key], "resumable_original"):
                registry[key] = _resumable(registry[key])


_install(POST_CONDITIONS)


def register(
    kind: type[MigrateOperation],
    done: PostCondition,
    description: Callable[[MigrateOperation], str],
) -> None:
    """Make an operation of one's own resumable, like Alembic's own above.

    ``done(operation, schema)`` tells from a :class:`SchemaNow` whether the
    operation's change is there; ``description(operation)`` says what it
    does ("adding user_account.password after user_name").  Register the
    operation's implementation (``Operations.implementation_for``) first.
    """
    POST_CONDITIONS[kind] = done
    DESCRIPTIONS[kind] = description
    _install([kind])


# -- what a revision would do ---------------------------------------------------------------


@contextmanager
def _recording(migration: MigrationContext) -> Iterator[list[MigrateOperation]]:
    """Point ``op`` at an Operations that records what it is asked to do, and runs none of it."""
    recorded: list[MigrateOperation] = []

    def record(operation: MigrateOperation):
        recorded.append(operation)
        if isinstance(operation, alembic_ops.CreateTableOp):
            return operation.to_table(migration)
        return None

    @contextmanager
    def batch_alter_table(table_name: str, schema: str | None = None, **_) -> Iterator:
        where = SimpleNamespace(table_name=table_name, schema=schema)  # all a batch op reads
        batch = BatchOperations(migration, impl=where)
        batch.invoke = record
        yield batch

    with Operations.context(migration) as operations:
        operations.invoke = record
        operations.batch_alter_table = batch_alter_table
        yield recorded


def recorded(connection: Connection, step: Callable[[], None]) -> list[MigrateOperation]:
    """Return the operations ``step`` (a revision's ``upgrade`` or ``downgrade``) would run.

    Call it outside a running migration: it points Alembic's ``op`` at a
    recorder of its own, and leaves ``op`` unset afterwards.
    """
    migration = MigrationContext.configure(connection)
    with _recording(migration) as operations:
        step()
    return operations


def last_done(connection: Connection, step: Callable[[], None]) -> str | None:
    """Describe the last of ``step``'s operations found done in the database, if any."""
    schema = SchemaNow(connection)
    found = [o for o in recorded(connection, step) if is_done(o, schema)]
    return describe(found[-1]) if found else None

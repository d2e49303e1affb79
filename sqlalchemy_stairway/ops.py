"""The operations the stairway's revisions share, registered on ``op``.

Alembic's operation plugins (``Operations.register_operation``) let a
revision say ``op.refuse_rows(...)`` as it says ``op.add_column(...)``;
env.py imports this module so the operations exist whenever a revision
runs.  They only read, and do nothing in offline ``--sql`` mode, where
there are no rows or tables to look at.

- ``op.refuse_rows(query, problem, fix)``: stop before any DDL when rows
  would break the step (MariaDB cannot roll DDL back, so a data check
  that runs after the first ALTER comes too late).
- ``op.confirm_data_loss({what: count_query})``: stop a downgrade that
  would destroy data unless the caller said yes (``invoke ... --yes``,
  ``alembic -x allow_data_loss=true downgrade ...``).
- ``op.block_writers(*tables)``: hold other clients' writes to ``tables``
  off until the revision ends (PostgreSQL: ``LOCK TABLE ... IN ACCESS
  EXCLUSIVE MODE``; MariaDB: ``LOCK TABLES ... WRITE``, which outlives the
  commit each DDL statement makes; SQLite: the migration's ``BEGIN
  IMMEDIATE`` holds the whole file already).  On MariaDB a table renamed
  with ``ALTER TABLE ... RENAME`` leaves the lock, and the revision can
  no longer use it: rename the locked tables last.
- ``op.done(step)``: whether a step of a revision is found done already.
  MariaDB commits each DDL statement on its own, so a run killed half-way
  leaves some steps of a revision done and the version stamp unchanged;
  a revision skips the steps it finds done, so the next run finishes it.
  A step is a function of the schema as it is now (:class:`SchemaNow`)
  that says whether the step's change is there, its docstring what the
  step does ("renaming users to user_account").  On a database that rolls
  DDL back, no step is ever found done: nothing was looked at.
"""

from collections.abc import Callable, Iterable, Mapping

from alembic import context
from alembic.ddl.impl import DefaultImpl
from alembic.operations import MigrateOperation, Operations
from alembic.util import CommandError
from sqlalchemy import Connection, Select, inspect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.expression import TableClause

SHOWN_ROWS = 5


@Operations.register_operation("refuse_rows")
class RefuseRowsOp(MigrateOperation):
    """Refuse to go on while ``query`` returns rows."""

    def __init__(self, query: Select, problem: str, fix: str) -> None:
        self.query, self.problem, self.fix = query, problem, fix

    @classmethod
    def refuse_rows(cls, operations: Operations, query: Select, problem: str, fix: str) -> None:
        return operations.invoke(cls(query, problem, fix))


@Operations.implementation_for(RefuseRowsOp)
def _refuse_rows(operations: Operations, operation: RefuseRowsOp) -> None:
    if operations.get_context().as_sql:
        return
    rows = operations.get_bind().execute(operation.query.limit(SHOWN_ROWS + 1)).all()
    if rows:
        # `stairway check` reads this list: a refusal by design is no defect
        context.config.attributes.setdefault("rows_refused", []).append(operation.problem)
        shown = "; ".join(", ".join(f"{v!r}" for v in row) for row in rows[:SHOWN_ROWS])
        more = " and more" if len(rows) > SHOWN_ROWS else ""
        raise CommandError(
            f"{operation.problem}: {shown}{more}. {operation.fix}. Nothing was changed."
        )


@Operations.register_operation("confirm_data_loss")
class ConfirmDataLossOp(MigrateOperation):
    """Refuse a destructive step while data would be lost, unless allowed."""

    def __init__(self, losses: Mapping[str, Select]) -> None:
        self.losses = losses

    @classmethod
    def confirm_data_loss(cls, operations: Operations, losses: Mapping[str, Select]) -> None:
        return operations.invoke(cls(losses))


def data_loss_allowed() -> bool | Mapping[str, int]:
    """What the caller accepted losing in this run.

    True: anything.  A mapping ``{what: rows}``: what a person was shown and
    agreed to (``table order``, ``column user_account.fullname``), and no more.
    """
    allowed = context.config.attributes.get("allow_data_loss")
    if isinstance(allowed, Mapping) or allowed:
        return allowed
    answer = context.get_x_argument(as_dictionary=True).get("allow_data_loss", "")
    return answer.lower() in ("1", "true", "yes")


def _key(what: str) -> str:
    """Return what a loss is about, its first two words: ``column user_account.fullname``."""
    return " ".join(what.split()[:2])


def _rows(count: int) -> str:
    return f"{count} row{'' if count == 1 else 's'}"


def _count(operations: Operations, query: Select) -> int:
    """Count what a loss query finds; 0 when a run killed earlier dropped it already."""
    try:
        return operations.get_bind().execute(query).scalar_one()
    except DBAPIError:
        if operations.get_context().impl.transactional_ddl:
            raise
        # MariaDB: the table or column is gone, and a failed read leaves the
        # transaction as it was
        return 0


def lock_what_is_counted(operations: Operations, queries: Iterable[Select]) -> None:
    """Keep writers out of the counted tables until the revision is done.

    A row written between the count and the DROP would be lost unseen.
    SQLite needs nothing: the migration's BEGIN IMMEDIATE already holds the
    write lock.  PostgreSQL holds a table lock until COMMIT.  MariaDB commits
    at each DDL statement, which would free row locks, so its tables are
    locked with LOCK TABLES, which outlives those commits, and unlocked
    after the revision (env.py) or when the migration lock is released;
    all of them, as a revision under LOCK TABLES can use no other table.
    """
    bind = operations.get_bind()
    tables = sorted(
        {t.name for query in queries for t in query.get_final_froms() if isinstance(t, TableClause)}
    )
    dialect = bind.dialect.name
    if not tables or dialect == "sqlite":
        return
    quote = bind.dialect.identifier_preparer.quote
    if dialect == "postgresql":
        bind.exec_driver_sql(f"LOCK TABLE {', '.join(map(quote, tables))} IN EXCLUSIVE MODE")
    elif dialect == "mysql":
        _lock_every_table(bind)


@Operations.register_operation("block_writers")
class BlockWritersOp(MigrateOperation):
    """Hold other clients' writes to ``tables`` off until the revision ends."""

    def __init__(self, tables: tuple[str, ...]) -> None:
        self.tables = tables

    @classmethod
    def block_writers(cls, operations: Operations, *tables: str) -> None:
        return operations.invoke(cls(tables))


@Operations.implementation_for(BlockWritersOp)
def _block_writers(operations: Operations, operation: BlockWritersOp) -> None:
    migration = operations.get_context()
    dialect = migration.dialect.name
    if dialect == "postgresql":
        quote = migration.dialect.identifier_preparer.quote
        names = ", ".join(quote(table) for table in operation.tables)
        operations.execute(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE")
    elif dialect == "mysql" and not migration.as_sql:
        _lock_every_table(operations.get_bind())


def _lock_every_table(bind: Connection) -> None:
    # under LOCK TABLES a session may use no table it did not lock, Alembic's own included
    quote = bind.dialect.identifier_preparer.quote
    everything = inspect(bind).get_table_names()
    bind.exec_driver_sql("LOCK TABLES " + ", ".join(f"{quote(t)} WRITE" for t in everything))


@Operations.implementation_for(ConfirmDataLossOp)
def _confirm_data_loss(operations: Operations, operation: ConfirmDataLossOp) -> None:
    if operations.get_context().as_sql:
        return
    allowed = data_loss_allowed()
    if allowed is True:
        # `stairway check` reads this list: a loss the revision declared is no defect
        context.config.attributes.setdefault("data_loss_confirmed", []).extend(operation.losses)
        return
    lock_what_is_counted(operations, operation.losses.values())
    counts = {what: _count(operations, query) for what, query in operation.losses.items()}
    agreed = {_key(what): count for what, count in allowed.items()} if allowed else {}
    beyond = {what: count for what, count in counts.items() if count > agreed.get(_key(what), 0)}
    if beyond and agreed:
        raise CommandError(
            "the data changed since you agreed: this downgrade would now lose "
            + ", ".join(f"{what} ({_rows(count)})" for what, count in beyond.items())
            + "; run it again to see what it would lose now. Nothing was changed."
        )
    if beyond:
        raise CommandError(
            "this downgrade would lose "
            + ", ".join(f"{what} ({_rows(count)})" for what, count in beyond.items())
            + "; run it again with --yes (alembic: -x allow_data_loss=true) to accept. "
            "Nothing was changed."
        )


class SchemaNow:
    """The schema as it is at this moment, read afresh: what a step looks for."""

    def __init__(self, connection: Connection) -> None:
        self.inspector = inspect(connection)
        self.tables = set(self.inspector.get_table_names())

    def has_table(self, table: str) -> bool:
        return table in self.tables

    def columns(self, table: str) -> dict[str, dict]:
        """Return the columns of ``table`` by name ({} when there is no such table)."""
        if table not in self.tables:
            return {}
        return {c["name"]: c for c in self.inspector.get_columns(table)}

    def has_column(self, table: str, column: str) -> bool:
        return column in self.columns(table)

    def foreign_keys(self, table: str) -> set[str]:
        if table not in self.tables:
            return set()
        return {fk["name"] for fk in self.inspector.get_foreign_keys(table)}

    def indexes(self, table: str) -> set[str]:
        if table not in self.tables:
            return set()
        return {index["name"] for index in self.inspector.get_indexes(table)}


Step = Callable[[SchemaNow], bool]


def rolls_back_ddl(connection: Connection) -> bool:
    """True when a migration's DDL is undone with its transaction (not on MariaDB)."""
    if connection.info.get("transactional_ddl"):  # our SQLite engines BEGIN explicitly
        return True
    return bool(DefaultImpl.get_by_dialect(connection.dialect).transactional_ddl)


def steps_done(steps: tuple[Step, ...], connection: Connection) -> list[Step]:
    """Return the ``steps`` found done in ``connection``'s schema, in their order."""
    if rolls_back_ddl(connection):
        return []
    schema = SchemaNow(connection)
    return [step for step in steps if step(schema)]


def step_name(step: Step) -> str:
    return " ".join((step.__doc__ or step.__name__).split())


@Operations.register_operation("done")
class DoneOp(MigrateOperation):
    """Tell whether a step of the revision is done already: see the module's docstring."""

    def __init__(self, step: Step) -> None:
        self.step = step

    @classmethod
    def done(cls, operations: Operations, step: Step) -> bool:
        return operations.invoke(cls(step))


@Operations.implementation_for(DoneOp)
def _done(operations: Operations, operation: DoneOp) -> bool:
    migration = operations.get_context()
    if migration.as_sql or migration.impl.transactional_ddl:
        return False
    return bool(operation.step(SchemaNow(operations.get_bind())))


def unlock_tables(connection) -> None:
    """Free what :func:`lock_what_is_counted` locked on MariaDB (elsewhere: nothing to do)."""
    if connection.dialect.name == "mysql":
        connection.exec_driver_sql("UNLOCK TABLES")

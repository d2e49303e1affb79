"""The operations the stairway's revisions share, registered on ``op``.

Alembic's operation plugins (``Operations.register_operation``) let a
revision say ``op.refuse_rows(...)`` as it says ``op.add_column(...)``;
env.py imports this module so the operations exist whenever a revision
runs.  They only read, and do nothing in offline ``--sql`` mode, where
there are no rows or tables to look at.

- ``op.refuse_rows(query, problem, fix)``: stop before any DDL when rows
  would break the step (MariaDB cannot roll DDL back, so a data check
  that runs after the first ALTER comes too late).
- ``op.refuse_rows_together(any_wrong, (query, problem, fix), ...)``: the
  same for several checks, paying for one query (``any_wrong``) while no
  row is wrong.
- ``with op.refusing_rows(check, database_refuses=...)``: run such a check
  for the operations in the block, before them, or, where the database
  refuses those rows itself and rolls DDL back, only once it has refused
  them, to name them (clean data then costs no scan at all).
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
- ``op.create_foreign_key_already_checked(name, source, referent, local,
  remote)``: ``op.create_foreign_key`` for a key whose rows the revision
  has checked itself (``op.refuse_rows`` under ``op.block_writers``), so
  that the database need not check them again: on MariaDB, InnoDB then
  adds the key in place instead of copying the whole table to check it.
- ``op.note_sql(comment)``: a ``-- comment`` among the SQL a revision
  shows, where it does work that is not SQL (hashing passwords): printed
  in offline ``--sql`` mode, and kept with the statements recorded online
  (``invoke sql N`` on SQLite, the walk).
- ``op.done(step)``: whether a hand-written step is found done already.
  Alembic's own operations know their post-conditions and skip themselves
  when a run killed half-way did them (:mod:`sqlalchemy_stairway.resumable`);
  ``op.done`` is for a step no operation describes, and for revisions
  written before that (a step is a function of :class:`SchemaNow` whose
  docstring says what it does).  On a database that rolls DDL back, no
  step is ever found done: nothing was looked at.

Importing this module also makes Alembic's own operations resumable for
an env.py that asks for it (:mod:`sqlalchemy_stairway.resumable`).
"""

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext

from alembic import context
from alembic.ddl.impl import DefaultImpl
from alembic.operations import MigrateOperation, Operations
from alembic.operations import ops as alembic_ops
from alembic.util import CommandError
from sqlalchemy import Connection, Select, inspect
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from sqlalchemy.sql.expression import TableClause

from sqlalchemy_stairway import resumable
from sqlalchemy_stairway.resumable import SchemaNow

SHOWN_ROWS = 5
SQL_NOTES = "stairway_sql_notes"  # connection.info: where a recording of the SQL keeps notes


@Operations.register_operation("refuse_rows")
class RefuseRowsOp(MigrateOperation):
    """Refuse to go on while ``query`` returns rows."""

    def __init__(self, query: Select, problem: str, fix: str) -> None:
        self.query, self.problem, self.fix = query, problem, fix

    @classmethod
    def refuse_rows(cls, operations: Operations, query: Select, problem: str, fix: str) -> None:
        """Stop the migration while ``query`` finds rows that would break the next step.

        Contract: online, the query runs (at most six rows read); if it
        finds any, the run fails with one line, ``{problem}: {rows}.
        {fix}. Nothing was changed.``, showing at most five rows.  Call
        it before the first DDL of the revision: on MariaDB a refusal
        after a DDL statement comes too late to leave the database as it
        was.  Offline (``--sql``) it does nothing.
        """
        return operations.invoke(cls(query, problem, fix))


@Operations.implementation_for(RefuseRowsOp)
def _refuse_rows(operations: Operations, operation: RefuseRowsOp) -> None:
    if operations.get_context().as_sql:
        return
    rows = operations.get_bind().execute(operation.query.limit(SHOWN_ROWS + 1)).all()
    if rows:
        note_refusal(operation.problem)
        shown = "; ".join(", ".join(f"{v!r}" for v in row) for row in rows[:SHOWN_ROWS])
        more = " and more" if len(rows) > SHOWN_ROWS else ""
        raise CommandError(
            f"{operation.problem}: {shown}{more}. {operation.fix}. Nothing was changed."
        )


def note_refusal(problem: str) -> None:
    """Add ``problem`` to ``config.attributes["rows_refused"]``, which `stairway check` reads.

    A refusal by design is no defect.  Operations run outside an env.py
    (``Operations(MigrationContext.configure(connection))``) have no config.
    """
    try:
        attributes = context.config.attributes
    except AttributeError:
        return
    attributes.setdefault("rows_refused", []).append(problem)


RowCheck = tuple[Select, str, str]  # (query, problem, fix), as op.refuse_rows takes them


@Operations.register_operation("refuse_rows_together")
class RefuseRowsTogetherOp(MigrateOperation):
    """Refuse to go on while any of several checks finds rows; one query looks first."""

    def __init__(self, any_wrong: Select, checks: tuple[RowCheck, ...]) -> None:
        self.any_wrong, self.checks = any_wrong, checks

    @classmethod
    def refuse_rows_together(
        cls, operations: Operations, any_wrong: Select, *checks: RowCheck
    ) -> None:
        """``op.refuse_rows`` for each check, paying only for ``any_wrong`` while none refuses.

        Contract: ``any_wrong`` is one query that finds a row whenever any
        check would (a scan with the checks' conditions joined by OR, an
        anti-join); each check is ``(query, problem, fix)`` as
        ``op.refuse_rows`` takes them.  Online, ``any_wrong`` runs (one row
        read); only when it finds one do the checks run, in order, and the
        first that finds rows refuses with ``op.refuse_rows``' line; if none
        does while ``any_wrong`` still finds a row, the contract is broken
        and the run stops saying so.  Offline (``--sql``) it does nothing.
        """
        return operations.invoke(cls(any_wrong, checks))


@Operations.implementation_for(RefuseRowsTogetherOp)
def _refuse_rows_together(operations: Operations, operation: RefuseRowsTogetherOp) -> None:
    if operations.get_context().as_sql:
        return
    bind = operations.get_bind()
    if bind.execute(operation.any_wrong.limit(1)).first() is None:
        return
    for check in operation.checks:
        _refuse_rows(operations, RefuseRowsOp(*check))
    # none refused: the rows found are gone since (fixed by another client), or the
    # revision's any_wrong finds rows its checks do not name, which must not pass unseen
    if bind.execute(operation.any_wrong.limit(1)).first() is not None:
        raise CommandError(
            "op.refuse_rows_together: any_wrong finds rows that none of the checks finds. "
            "Make each check find every row any_wrong would refuse for it."
        )


@Operations.register_operation("refusing_rows")
class RefusingRowsOp(MigrateOperation):
    """Refuse the rows that would break a block of operations: before it, or once it fails."""

    def __init__(self, check: Callable[[], None], database_refuses: bool) -> None:
        self.check, self.database_refuses = check, database_refuses

    @classmethod
    def refusing_rows(
        cls, operations: Operations, check: Callable[[], None], *, database_refuses: bool = False
    ) -> AbstractContextManager[None]:
        """Run ``check`` for the operations in the ``with`` block, where it costs least.

        Contract: ``check()`` stops the run, naming the rows, when rows
        would break the block (with ``op.refuse_rows`` or
        ``op.refuse_rows_together``).  By default it runs first, before
        the block.  ``database_refuses=True`` says that the block's own
        statements fail on every such row (a NOT NULL, a narrower
        VARCHAR on PostgreSQL): where DDL is rolled back, the block then
        runs inside a SAVEPOINT with no check before it, and only if a
        statement fails with an integrity or data error does ``check()``
        run, back at the savepoint, to name the rows; if it names none,
        the database's own error stands.  Where DDL is not rolled back
        (MariaDB) ``check()`` runs first whatever ``database_refuses``
        says.  Offline (``--sql``) the block runs and nothing is checked.
        """
        return operations.invoke(cls(check, database_refuses)) or nullcontext()


@Operations.implementation_for(RefusingRowsOp)
def _refusing_rows(
    operations: Operations, operation: RefusingRowsOp
) -> AbstractContextManager[None]:
    if operations.get_context().as_sql:
        return nullcontext()
    bind = operations.get_bind()
    if operation.database_refuses and rolls_back_ddl(bind):
        return _checked_if_refused(bind, operation.check)
    operation.check()
    return nullcontext()


@contextmanager
def _checked_if_refused(bind: Connection, check: Callable[[], None]) -> Iterator[None]:
    savepoint = bind.begin_nested()
    try:
        yield
    except (IntegrityError, DataError):
        savepoint.rollback()  # the transaction is usable again: look for the rows to name
        check()
        raise
    except Exception:
        if savepoint.is_active:
            savepoint.rollback()
        raise
    savepoint.commit()


@Operations.register_operation("confirm_data_loss")
class ConfirmDataLossOp(MigrateOperation):
    """Refuse a destructive step while data would be lost, unless allowed."""

    def __init__(self, losses: Mapping[str, Select]) -> None:
        self.losses = losses

    @classmethod
    def confirm_data_loss(cls, operations: Operations, losses: Mapping[str, Select]) -> None:
        """Stop a downgrade that would destroy rows, unless the caller accepted losing them.

        Contract: ``losses`` maps what is lost (``"table order"``,
        ``"column users.number"``) to a ``select()`` counting the rows
        that would lose it.  With ``allow_data_loss`` true (``-x
        allow_data_loss=true``, ``invoke ... --yes``) nothing is counted.
        Otherwise the counted tables are locked against writers until
        the revision ends, each count is taken (0 when a killed run
        dropped it already), and the run fails with one line naming
        every loss beyond what the caller agreed to.  Offline (``--sql``)
        it does nothing.
        """
        for what, query in losses.items():
            if not isinstance(query, Select):
                # the tables a loss is counted in are locked: only a select() names them
                raise CommandError(
                    f"op.confirm_data_loss: the count for {what!r} must be a select() "
                    f"(sa.select(sa.func.count()).select_from(...)), not {type(query).__name__}"
                )
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
        _lock_through_deadlocks(
            bind, f"LOCK TABLE {', '.join(map(quote, tables))} IN EXCLUSIVE MODE"
        )
    elif dialect == "mysql":
        _lock_every_table(bind)


@Operations.register_operation("block_writers")
class BlockWritersOp(MigrateOperation):
    """Hold other clients' writes to ``tables`` off until the revision ends."""

    def __init__(self, tables: tuple[str, ...]) -> None:
        self.tables = tables

    @classmethod
    def block_writers(cls, operations: Operations, *tables: str) -> None:
        """Hold other clients' writes to ``tables`` off until the revision ends.

        Contract: online, once it returns, no other client can write to
        ``tables`` until the revision's transaction ends; a client that
        tries waits.  PostgreSQL: ``LOCK TABLE ... IN ACCESS EXCLUSIVE
        MODE``, retried when a deadlock picks the migration.  MariaDB:
        ``LOCK TABLES ... WRITE`` on every table of the database (a
        session holding table locks may use no other table), which
        outlives the commit each DDL statement makes but not a table's
        rename: rename the locked tables last.  SQLite: nothing to do,
        the migration holds the file's write lock already.  Offline
        (``--sql``) it does nothing.
        """
        return operations.invoke(cls(tables))


@Operations.implementation_for(BlockWritersOp)
def _block_writers(operations: Operations, operation: BlockWritersOp) -> None:
    migration = operations.get_context()
    dialect = migration.dialect.name
    if dialect == "postgresql":
        quote = migration.dialect.identifier_preparer.quote
        names = ", ".join(quote(table) for table in operation.tables)
        statement = f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE"
        if migration.as_sql:
            operations.execute(statement)
        else:
            _lock_through_deadlocks(operations.get_bind(), statement)
    elif dialect == "mysql" and not migration.as_sql:
        _lock_every_table(operations.get_bind())


DEADLOCK = "40P01"
DEADLOCK_RETRIES = 10


def _lock_through_deadlocks(bind: Connection, statement: str) -> None:
    """Take PostgreSQL table locks, queueing again when a deadlock picks us.

    LOCK TABLE takes its tables one by one; a writer that holds the second
    and waits for the first deadlocks with it, and PostgreSQL aborts one of
    the two.  Under a savepoint the migration gives up only the locks of this
    statement, lets the writer finish, and asks again.
    """
    for attempt in range(DEADLOCK_RETRIES):
        savepoint = bind.begin_nested()
        try:
            bind.exec_driver_sql(statement)
        except DBAPIError as exc:
            savepoint.rollback()
            if getattr(exc.orig, "sqlstate", None) != DEADLOCK or attempt == DEADLOCK_RETRIES - 1:
                raise
        else:
            savepoint.commit()  # RELEASE: the transaction keeps the locks
            return


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
    counted = context.config.attributes.get("data_loss_counted")
    if isinstance(counted, dict):  # a caller that grades the question asked to see it
        counted.update(counts)
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
        """True when ``step(SchemaNow)`` finds the step done, on a database that keeps DDL.

        Contract: where DDL is rolled back, and offline, always False
        without looking.  Alembic's own operations need no such test:
        they skip themselves (:mod:`sqlalchemy_stairway.resumable`).
        """
        return operations.invoke(cls(step))


@Operations.implementation_for(DoneOp)
def _done(operations: Operations, operation: DoneOp) -> bool:
    migration = operations.get_context()
    if migration.as_sql or migration.impl.transactional_ddl:
        return False
    return bool(operation.step(SchemaNow(operations.get_bind())))


@Operations.register_operation("note_sql")
class NoteSqlOp(MigrateOperation):
    """Mark, among the SQL, where the revision does work that is not SQL."""

    def __init__(self, comment: str) -> None:
        self.comment = comment

    @classmethod
    def note_sql(cls, operations: Operations, comment: str) -> None:
        """Put ``comment`` among the SQL the revision shows, as ``-- comment`` lines.

        Contract: offline (``--sql``) the comment is printed where the
        call is, between the statements; online it changes nothing in the
        database, and is kept in order with the statements only when the
        run records its SQL (``invoke sql N``, the walk).  Use it where a
        revision does work that is not SQL, so that the SQL a reader sees
        does not hide it.
        """
        operations.invoke(cls(comment))


@Operations.implementation_for(NoteSqlOp)
def _note_sql(operations: Operations, operation: NoteSqlOp) -> None:
    comment = "\n".join(f"-- {line}".rstrip() for line in operation.comment.splitlines())
    migration = operations.get_context()
    if migration.as_sql:
        migration.impl.static_output(comment)
        return
    recorded = operations.get_bind().info.get(SQL_NOTES)
    if recorded is not None:
        recorded.append(comment)


@Operations.register_operation("create_foreign_key_already_checked")
class CreateForeignKeyAlreadyCheckedOp(alembic_ops.CreateForeignKeyOp):
    """Add a foreign key whose rows the revision has checked, without checking them again."""

    @classmethod
    def create_foreign_key_already_checked(
        cls,
        operations: Operations,
        constraint_name: str,
        source_table: str,
        referent_table: str,
        local_cols: list[str],
        remote_cols: list[str],
    ) -> None:
        """``op.create_foreign_key``, with the database spared checking every row again.

        Contract: call it only once the revision has refused the rows that
        would break the key (``op.refuse_rows``) and blocked other
        clients' writes since (``op.block_writers``): the database does
        not look at the rows.  MariaDB: ``foreign_key_checks`` is off for
        this one statement, which lets InnoDB add the key in place (an
        index build) instead of copying the table to check each row.
        Elsewhere it is ``op.create_foreign_key``.  Resumable like it: a
        run killed after it finds the key there and goes on.
        """
        operations.invoke(
            cls(constraint_name, source_table, referent_table, local_cols, remote_cols)
        )


@Operations.implementation_for(CreateForeignKeyAlreadyCheckedOp)
def _create_foreign_key_already_checked(
    operations: Operations, operation: CreateForeignKeyAlreadyCheckedOp
) -> None:
    migration = operations.get_context()
    if migration.dialect.name != "mysql":
        operations.impl.add_constraint(operation.to_constraint(migration))
        return
    operations.execute("SET SESSION foreign_key_checks = 0")  # offline too: the same SQL
    try:
        operations.impl.add_constraint(operation.to_constraint(migration))
    finally:
        operations.execute("SET SESSION foreign_key_checks = 1")


resumable.register(
    CreateForeignKeyAlreadyCheckedOp,
    resumable.POST_CONDITIONS[alembic_ops.AddConstraintOp],
    lambda o: f"adding foreign key {o.constraint_name} to {o.source_table}, rows checked already",
)


def unlock_tables(connection) -> None:
    """Free what :func:`lock_what_is_counted` locked on MariaDB (elsewhere: nothing to do)."""
    if connection.dialect.name == "mysql":
        connection.exec_driver_sql("UNLOCK TABLES")


# op.prehash_column, op.write_hashes and op.zero_freed_space live in a module of
# their own; importing this one registers them too
import sqlalchemy_stairway.hashing  # noqa: E402, F401

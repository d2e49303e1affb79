"""The stairway's operations on ``op`` (sqlalchemy_stairway.ops), under a concurrent writer."""

import threading
import time

import pytest
from alembic.util import CommandError
from sqlalchemy import Connection, column, event, select, table, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from scripts.stages import STAIRWAY
from sqlalchemy_stairway.check.engines import make_engine
from sqlalchemy_stairway.losses import planned_losses
from tests.conftest import on_databases
from tests.helpers import climb, move, stage_of

# SQLite has no such race: the migration's BEGIN IMMEDIATE keeps every writer out
SERVERS = on_databases("postgresql", "mariadb")

WAITING_FOR_A_TABLE = {
    "postgresql": "SELECT count(*) FROM pg_locks WHERE locktype = 'relation' AND NOT granted",
    "mysql": "SELECT count(*) FROM information_schema.processlist "
    "WHERE state LIKE 'Waiting for table%%'",
}


@pytest.mark.parametrize("database", SERVERS)
def test_a_row_written_between_the_count_and_the_drop_is_never_lost_unseen(
    database, scratch_url, connection: Connection
):
    """5 → 4 with the losses a person agreed to; an order arrives just after they are counted."""
    climb(connection, STAIRWAY[5])
    agreed = planned_losses(STAIRWAY, connection, STAIRWAY[5], STAIRWAY[4])
    counted, go = threading.Event(), threading.Event()

    @event.listens_for(connection, "after_cursor_execute")
    def pause_after_counting_orders(conn, cursor, statement, *args):
        if statement.lower().startswith("select count(*)") and "order" in statement:
            counted.set()
            assert go.wait(60)

    moved: list[BaseException | None] = []

    def downgrade() -> None:
        try:
            move(connection, STAIRWAY[4], allow_data_loss=agreed)
            moved.append(None)
        except BaseException as exc:  # reported below, in the test's thread
            moved.append(exc)

    writer_engine = make_engine(scratch_url)
    written: list[BaseException | None] = []

    def write_an_order() -> None:
        try:
            with writer_engine.begin() as writer:
                table = writer.dialect.identifier_preparer.quote("order")
                writer.execute(text(f"INSERT INTO {table} (id, customer_id) VALUES (99, 1)"))
            written.append(None)
        except DBAPIError as exc:
            written.append(exc)

    migration = threading.Thread(target=downgrade)
    migration.start()
    try:
        assert counted.wait(120), "the downgrade never counted the orders"
        writer = threading.Thread(target=write_an_order)
        writer.start()
        deadline = time.monotonic() + 60
        with writer_engine.connect() as observer:
            query = text(WAITING_FOR_A_TABLE[observer.dialect.name])
            while observer.execute(query).scalar_one() == 0:
                observer.rollback()
                assert writer.is_alive(), f"the order went in after the count: {written}"
                assert time.monotonic() < deadline, "the writer never waited"
                time.sleep(0.02)
    finally:
        go.set()
        migration.join(120)
    writer.join(120)
    writer_engine.dispose()
    event.remove(connection, "after_cursor_execute", pause_after_counting_orders)
    assert moved == [None]
    assert stage_of(connection) == STAIRWAY[4]
    # the writer was kept out until the table was gone, and told so: nothing lost unseen
    [error] = written
    assert error is not None and "order" in str(error.orig)


@pytest.mark.parametrize("database", on_databases("postgresql"))
def test_a_table_lock_a_deadlock_gave_up_is_asked_for_again(scratch_url, database):
    """A writer holding the second table and wanting the first: the migration queues again."""
    from sqlalchemy_stairway.ops import _lock_through_deadlocks

    engine = make_engine(scratch_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE a (id INTEGER)"))
        connection.execute(text("CREATE TABLE b (id INTEGER)"))
    locks_asked: list[str] = []
    outcome: list[BaseException | None] = []
    try:
        with engine.connect() as migration, engine.connect() as writer:
            # the migration is the one PostgreSQL's deadlock check picks
            migration.execute(text("SET deadlock_timeout = '100ms'"))
            writer.execute(text("SET deadlock_timeout = '10s'"))
            event.listen(
                migration,
                "before_cursor_execute",
                lambda _c, _cur, sql, *_: locks_asked.append(sql) if "LOCK" in sql else None,
            )
            writer.execute(text("INSERT INTO b VALUES (1)"))  # holds b

            def lock() -> None:
                try:
                    _lock_through_deadlocks(migration, "LOCK TABLE a, b IN ACCESS EXCLUSIVE MODE")
                    outcome.append(None)
                except BaseException as exc:
                    outcome.append(exc)

            thread = threading.Thread(target=lock)
            thread.start()
            waiting = "SELECT count(*) FROM pg_locks WHERE NOT granted"
            for _ in range(100):
                if writer.execute(text(waiting)).scalar():
                    break
                time.sleep(0.05)
            writer.execute(text("SELECT count(*) FROM a"))  # waits for a: a deadlock
            writer.commit()
            thread.join(30)
            assert outcome == [None]
            assert len(locks_asked) >= 2, locks_asked  # given up once, asked again
            held = migration.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() "
                    "AND mode = 'AccessExclusiveLock' AND granted AND relation IS NOT NULL"
                )
            ).scalar()
            assert held == 2
            migration.rollback()
    finally:
        engine.dispose()


def operations_on(connection: Connection):
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    import sqlalchemy_stairway.ops  # noqa: F401  (registers the operations)

    return Operations(MigrationContext.configure(connection))


def a_child_of_nobody(connection: Connection) -> None:
    """A parent table, and a child table with one row whose parent_id names no parent."""
    connection.execute(text("CREATE TABLE parent (id INTEGER PRIMARY KEY)"))
    connection.execute(text("CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER)"))
    connection.execute(text("INSERT INTO child VALUES (1, 404)"))
    connection.commit()


@pytest.mark.parametrize("database", on_databases("mariadb"))
def test_a_foreign_key_already_checked_is_added_on_mariadb_without_looking_at_the_rows(
    database, connection: Connection
):
    a_child_of_nobody(connection)
    op = operations_on(connection)
    op.create_foreign_key_already_checked("fk_child", "child", "parent", ["parent_id"], ["id"])
    keys = connection.execute(
        text(
            "SELECT constraint_name FROM information_schema.referential_constraints "
            "WHERE constraint_schema = DATABASE()"
        )
    )
    assert keys.scalars().all() == ["fk_child"]
    assert connection.execute(text("SELECT @@foreign_key_checks")).scalar() == 1
    with pytest.raises(DBAPIError):  # checks are on again: a new orphan is refused
        connection.execute(text("INSERT INTO child VALUES (2, 405)"))


@pytest.mark.parametrize("database", on_databases("mariadb"))
def test_foreign_key_checks_are_on_again_after_a_key_that_fails(database, connection):
    a_child_of_nobody(connection)
    op = operations_on(connection)
    with pytest.raises(DBAPIError):
        op.create_foreign_key_already_checked("fk_child", "child", "parent", ["nope"], ["id"])
    assert connection.execute(text("SELECT @@foreign_key_checks")).scalar() == 1


@pytest.mark.parametrize("database", on_databases("postgresql"))
def test_elsewhere_a_foreign_key_already_checked_is_a_plain_one(database, connection):
    """PostgreSQL checks the rows as for op.create_foreign_key: there is no cheaper way."""
    a_child_of_nobody(connection)
    op = operations_on(connection)
    with pytest.raises(DBAPIError, match="fk_child"):
        op.create_foreign_key_already_checked("fk_child", "child", "parent", ["parent_id"], ["id"])


def test_rows_found_together_that_no_check_names_stop_the_run_in_one_line(connection):
    """A revision whose one scan finds more than its checks name must not go on unseen."""
    a_child_of_nobody(connection)
    child = table("child", column("id"), column("parent_id"))
    with pytest.raises(CommandError) as refused:
        operations_on(connection).refuse_rows_together(
            select(child.c.id),  # the child of nobody: no check below names it
            (
                select(child.c.id).where(child.c.parent_id.is_(None)),
                "children without a parent_id",
                "Give each one",
            ),
        )
    assert "any_wrong finds rows that none of the checks finds" in str(refused.value)
    assert "\n" not in str(refused.value)


def test_rows_found_together_and_by_no_check_once_gone_let_the_run_go_on(connection):
    """Gone by the time the checks look (another client fixed them): nothing to refuse."""
    a_child_of_nobody(connection)
    child = table("child", column("id"), column("parent_id"))
    looks = []

    @event.listens_for(connection, "before_cursor_execute")
    def fix_after_the_first_look(conn, cursor, statement, *args):
        if statement.startswith("SELECT"):
            looks.append(statement)
            if len(looks) == 2:  # as the check looks, the row was fixed meanwhile
                cursor.execute("UPDATE child SET parent_id = NULL")

    operations_on(connection).refuse_rows_together(
        select(child.c.id).where(child.c.parent_id == 404),
        (select(child.c.id).where(child.c.parent_id == 405), "children of 405", "Move them"),
    )
    event.remove(connection, "before_cursor_execute", fix_after_the_first_look)
    assert len(looks) == 3  # the scan, the check, and the scan again to be sure


def newcomers(connection: Connection, *names: str | None) -> None:
    """``person`` (name NOT NULL) holding Ann as 1, and ``newcomer`` holding ``names`` from 2."""
    connection.execute(
        text("CREATE TABLE person (id INTEGER PRIMARY KEY, name VARCHAR(9) NOT NULL)")
    )
    connection.execute(text("CREATE TABLE newcomer (id INTEGER PRIMARY KEY, name VARCHAR(9))"))
    connection.execute(text("INSERT INTO person VALUES (1, 'Ann')"))
    for number, name in enumerate(names, start=2):
        connection.execute(
            text("INSERT INTO newcomer VALUES (:n, :name)"), {"n": number, "name": name}
        )
    connection.commit()


def move_newcomers(connection: Connection, looked: list[str], database_refuses: bool) -> None:
    """Move every newcomer into ``person`` under op.refusing_rows; ``looked``: when it looked."""
    newcomer = table("newcomer", column("id"), column("name"))
    op = operations_on(connection)

    def nameless() -> None:
        looked.append("after" if moved else "before")
        op.refuse_rows(
            select(newcomer.c.id).where(newcomer.c.name.is_(None)),
            "newcomers without a name",
            "Name them",
        )

    moved: list[bool] = []
    with op.refusing_rows(nameless, database_refuses=database_refuses):
        moved.append(True)
        op.execute("INSERT INTO person SELECT id, name FROM newcomer")


def people(connection: Connection) -> int:
    return connection.execute(text("SELECT count(*) FROM person")).scalar()


def test_a_check_runs_before_the_block_by_default(connection):
    newcomers(connection, "Bob", None)
    looked: list[str] = []
    with pytest.raises(CommandError, match=r"newcomers without a name: 3\. Name them"):
        move_newcomers(connection, looked, database_refuses=False)
    assert looked == ["before"]
    connection.rollback()
    assert people(connection) == 1


def test_where_the_database_refuses_the_rows_clean_data_costs_no_look(database, connection):
    newcomers(connection, "Bob", "Cy")
    looked: list[str] = []
    move_newcomers(connection, looked, database_refuses=True)
    # MariaDB cannot roll DDL back: it looks first whatever the revision says
    assert looked == (["before"] if database == "mariadb" else [])
    assert people(connection) == 3


def test_where_the_database_refuses_the_rows_they_are_named_once_it_has(database, connection):
    newcomers(connection, "Bob", None)
    looked: list[str] = []
    with pytest.raises(CommandError, match=r"newcomers without a name: 3\. Name them"):
        move_newcomers(connection, looked, database_refuses=True)
    assert looked == (["before"] if database == "mariadb" else ["after"])
    connection.rollback()
    assert people(connection) == 1


def test_an_error_the_check_does_not_name_rows_for_stands(database, connection):
    newcomers(connection, "Bob")
    connection.execute(text("UPDATE newcomer SET id = 1"))  # Ann's id: the INSERT clashes
    connection.commit()
    looked: list[str] = []
    with pytest.raises(IntegrityError):  # the database's own error, not a refusal
        move_newcomers(connection, looked, database_refuses=True)
    assert looked == (["before"] if database == "mariadb" else ["after"])

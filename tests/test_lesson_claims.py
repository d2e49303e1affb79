"""The lessons' claims about the databases, proved on each database the run was given.

A lesson runs its examples on SQLite only; what it says of PostgreSQL and
MariaDB is proved here, one test per claim, on real servers.
"""

import pytest
from sqlalchemy import inspect, text

from sqlalchemy_stairway.check.engines import make_engine
from tests.conftest import on_databases

# what each database does to DDL inside a transaction that is rolled back
# (the Alembic environment page, "Transactional DDL")
KEEPS_DDL_AFTER_ROLLBACK = {"sqlite": False, "postgresql": False, "mariadb": True}


def test_ddl_rolls_back_everywhere_but_on_mariadb(connection, database) -> None:
    connection.execute(text("CREATE TABLE kept_or_not (id INTEGER PRIMARY KEY)"))
    connection.rollback()
    tables = inspect(connection).get_table_names()
    connection.rollback()  # inspection began a transaction of its own
    assert ("kept_or_not" in tables) is KEEPS_DDL_AFTER_ROLLBACK[database]


def test_mariadbs_ddl_commits_the_rows_written_before_it(connection, database) -> None:
    connection.execute(text("CREATE TABLE pet (id INTEGER PRIMARY KEY)"))
    connection.commit()
    connection.execute(text("INSERT INTO pet (id) VALUES (1)"))
    connection.execute(text("CREATE TABLE other (id INTEGER PRIMARY KEY)"))
    connection.rollback()
    rows = connection.execute(text("SELECT count(*) FROM pet")).scalar()
    connection.rollback()
    assert rows == (1 if database == "mariadb" else 0)


# only MariaDB commits at every DDL statement; the others roll it back
@pytest.mark.parametrize("database", on_databases("mariadb"))
def test_after_mariadbs_implicit_commit_a_plain_read_sees_fresh_rows(scratch_url, database):
    """Stage 4 in production: FOR UPDATE after an ALTER is there to lock, not to see."""
    engine = make_engine(scratch_url)
    try:
        with engine.connect() as migration, engine.connect() as writer:
            migration.execute(text("CREATE TABLE users (id INTEGER PRIMARY KEY, pw VARCHAR(20))"))
            migration.execute(text("INSERT INTO users VALUES (1, 'secure')"))
            migration.commit()
            # REPEATABLE READ: the first read fixes the snapshot...
            assert migration.execute(text("SELECT pw FROM users")).scalar() == "secure"
            writer.execute(text("UPDATE users SET pw = 'changed'"))
            writer.commit()
            assert migration.execute(text("SELECT pw FROM users")).scalar() == "secure"
            # ...until a DDL statement commits the transaction and ends it
            migration.execute(text("ALTER TABLE users ADD COLUMN pw_hash VARCHAR(128)"))
            assert migration.execute(text("SELECT pw FROM users")).scalar() == "changed"
            migration.rollback()
    finally:
        engine.dispose()

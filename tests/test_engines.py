"""URLs and engines (sqlalchemy_stairway.engines): what a user typed, and SQLite made strict."""

import sqlite3
import time

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.exc import IntegrityError, OperationalError

from sqlalchemy_stairway.engines import (
    choose_url,
    lock_timeout,
    make_engine,
    missing_driver,
    parse_url,
    redact,
    resolve_url,
    sqlite_file,
)
from sqlalchemy_stairway.errors import StairwayError


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("nonsense", "'nonsense' is not a database URL"),
        ("foo://x", "unknown database driver 'foo'"),
        ("sqlite:///no/such/folder/t.db", "does not exist"),
    ],
)
def test_a_bad_url_says_what_is_wrong(url, problem):
    with pytest.raises(StairwayError, match=problem):
        parse_url(url)


def test_a_password_is_never_shown():
    assert redact("postgresql+psycopg://me:s3cret@host/db") == "postgresql+psycopg://me:***@host/db"


def test_the_url_comes_from_the_option_then_the_environment_then_the_default(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///env.db")
    assert resolve_url("sqlite:///given.db", "sqlite:///default.db") == "sqlite:///given.db"
    assert resolve_url(None, "sqlite:///default.db") == "sqlite:///env.db"
    monkeypatch.delenv("DATABASE_URL")
    assert resolve_url(None, "sqlite:///default.db") == "sqlite:///default.db"


def test_sqlite_enforces_foreign_keys_and_rolls_ddl_back(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 't.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE p (id INTEGER PRIMARY KEY)"))
        connection.execute(text("CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER REFERENCES p)"))
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(text("INSERT INTO c (id, p) VALUES (1, 99)"))
    with engine.connect() as connection:
        connection.execute(text("CREATE TABLE gone (id INTEGER)"))
        connection.rollback()
        tables = connection.execute(text("SELECT name FROM sqlite_master")).scalars().all()
    assert "gone" not in tables
    engine.dispose()


def test_the_chosen_url_says_where_it_came_from(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///env.db")
    assert choose_url("sqlite:///given.db", "sqlite:///d.db").describe() == (
        "database: sqlite:///given.db (from --url)"
    )
    assert choose_url(None, "sqlite:///d.db").describe() == (
        "database: sqlite:///env.db (from $DATABASE_URL)"
    )
    monkeypatch.setenv("DATABASE_URL", "")  # set but empty: as good as unset
    assert choose_url(None, "sqlite:///d.db").describe() == "database: sqlite:///d.db (the default)"
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://me:s3cret@host/db")
    assert "s3cret" not in choose_url(None, "sqlite:///d.db").describe()


def test_sqlite_file_is_the_path_as_given():
    assert str(sqlite_file("sqlite:///t.db")) == "t.db"  # relative to where the user is
    assert sqlite_file("sqlite://") is None
    assert sqlite_file("postgresql+psycopg://me@host/db") is None


def test_a_driver_the_url_asks_for_but_the_project_does_not_use_gets_the_right_url():
    said = missing_driver(make_url("mysql://root@host/db"), "MySQLdb")
    assert said.startswith("mysql://root@host/db asks for the driver 'MySQLdb'")
    assert "use mysql+pymysql://root@host/db" in said
    said = missing_driver(make_url("postgresql+psycopg://root@host/db"), "psycopg")
    assert said.endswith("pip install -e '.[postgresql]'")
    assert "[?]" not in missing_driver(make_url("sqlite+nothing:///x"), "nothing")


def test_mariadb_urls_are_refused_for_the_mysql_dialect():
    with pytest.raises(StairwayError, match=r"write MariaDB URLs as mysql\+pymysql://"):
        parse_url("mariadb+pymysql://root@host/db")


@pytest.mark.parametrize(("given", "seconds"), [(None, 60), ("", 60), ("0", 0), (" 7 ", 7)])
def test_the_lock_timeout_is_whole_seconds(given, seconds, monkeypatch):
    if given is None:
        monkeypatch.delenv("STAIRWAY_LOCK_TIMEOUT", raising=False)
    else:
        monkeypatch.setenv("STAIRWAY_LOCK_TIMEOUT", given)
    assert lock_timeout() == seconds


@pytest.mark.parametrize("given", ["abc", "-1", "2.5", "1e3", "86401", "\u0663"])
def test_a_lock_timeout_that_is_not_whole_seconds_is_refused_by_name(given, monkeypatch, tmp_path):
    monkeypatch.setenv("STAIRWAY_LOCK_TIMEOUT", given)
    refusal = rf"STAIRWAY_LOCK_TIMEOUT={given!r} is not a number of seconds.*from 0 \(do not wait\)"
    with pytest.raises(StairwayError, match=refusal):
        lock_timeout()
    with pytest.raises(StairwayError, match=refusal):  # before any connection is made
        make_engine(f"sqlite:///{tmp_path / 't.db'}")
    assert not (tmp_path / "t.db").exists()


@pytest.mark.parametrize("seconds", [0, 1])
def test_sqlite_waits_the_lock_timeout_for_another_writer_and_0_not_at_all(
    seconds, monkeypatch, tmp_path
):
    path = tmp_path / "t.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the write lock, taken before the waiter starts
    monkeypatch.setenv("STAIRWAY_LOCK_TIMEOUT", str(seconds))
    engine = make_engine(f"sqlite:///{path}", for_migrations=True)
    try:
        with engine.connect() as waiter:
            # read on the driver's connection: SQLAlchemy's would BEGIN IMMEDIATE first
            pragma = waiter.connection.driver_connection.execute("PRAGMA busy_timeout")
            assert pragma.fetchone()[0] == seconds * 1000
            start = time.monotonic()
            with pytest.raises(OperationalError, match="locked"):
                waiter.begin()  # BEGIN IMMEDIATE
            took = time.monotonic() - start
    finally:
        engine.dispose()
        holder.execute("ROLLBACK")
        holder.close()
    assert seconds <= took < seconds + 0.5

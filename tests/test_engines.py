"""URLs and engines (sqlalchemy_stairway.check.engines): what a user typed, SQLite made strict."""

import sqlite3
import time
from contextlib import suppress
from urllib.parse import quote

import pytest
from sqlalchemy import URL, make_url, text
from sqlalchemy.exc import CompileError, IntegrityError, OperationalError

from sqlalchemy_stairway.check.engines import (
    choose_url,
    first_line,
    lock_timeout,
    make_engine,
    missing_driver,
    parse_url,
    redact,
    resolve_url,
    sqlite_file,
)
from sqlalchemy_stairway.check.errors import StairwayError
from tests.conftest import on_databases
from tests.helpers import alembic, assert_one_line_error, invoke


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("nonsense", "'nonsense' is not a database URL"),
        ("foo://x", "unknown database driver 'foo'"),
        ("sqlite:///no/such/folder/t.db", "does not exist"),
        ("postgresql+psycopg://root@127.0.0.1:54x32/x", "the port '54x32' in the database URL"),
        # the unencoded '@' comes first: until it is %40, the port is not known to be one
        ("postgresql+psycopg://me:p@ss@127.0.0.1:54x32/x", "write each '@' in the password"),
        (
            "mysql+pymysql://root@127.0.0.1/x?charset=nonsense",
            "MariaDB knows no character set 'nonsense'",
        ),
        (
            "mysql+pymysql://root@127.0.0.1/x?connect_timeout=soon",
            "connect_timeout=soon is not one the driver accepts",
        ),
    ],
)
def test_a_bad_url_says_what_is_wrong(url, problem):
    with pytest.raises(StairwayError, match=problem):
        parse_url(url)


def test_a_password_is_never_shown():
    assert redact("postgresql+psycopg://me:s3cret@host/db") == "postgresql+psycopg://me:***@host/db"


# passwords that hold what a URL uses as separators
TRICKY_PASSWORDS = ["p@ssw0rd", "p@ss", "a:b@c", "x/y@z", "a:b/c", "q?r#s@t&u=v"]


def fragments(password: str) -> set[str]:
    """Every part of ``password`` longer than two characters, the whole included."""
    return {
        password[start:end]
        for start in range(len(password))
        for end in range(start + 3, len(password) + 1)
    }


def shown_fragments(password: str, said: str) -> list[str]:
    """The fragments of ``password`` in ``said``; the word "password" itself is no leak."""
    said = said.lower().replace("password", "")
    return sorted(part for part in fragments(password) if part.lower() in said)


def test_an_at_sign_in_a_password_shows_none_of_it():
    # SQLAlchemy ends the password at the first '@' and takes the rest for the host
    assert make_url("postgresql+psycopg://root:p@ssw0rd@127.0.0.1/x").host == "ssw0rd@127.0.0.1"
    for url in ("postgresql+psycopg://root:p@ssw0rd@127.0.0.1/x", "root:p@ssw0rd@127.0.0.1/x"):
        assert redact(url).endswith("root:***@127.0.0.1/x")
        assert redact(make_url(url) if "://" in url else url).endswith("root:***@127.0.0.1/x")


@pytest.mark.parametrize("password", TRICKY_PASSWORDS)
@pytest.mark.parametrize("encoded", [False, True], ids=["as typed", "percent-encoded"])
def test_no_part_of_a_tricky_password_is_ever_shown(password, encoded):
    written = quote(password, safe="") if encoded else password
    url = f"postgresql+psycopg://root:{written}@db.example.com:5432/shop"
    shown = [redact(url), redact(f"root:{written}@db.example.com")]
    with suppress(ValueError):  # a part of the password taken for the port
        shown.append(redact(make_url(url)))  # as SQLAlchemy parsed it, right or wrong
    for said in shown:
        assert shown_fragments(password, said) == [], said
        assert "***@db.example.com" in said
    try:
        parsed = parse_url(url)
    except StairwayError as refused:
        # only a bare '@' makes the URL mean two things; the message names the cure
        assert "@" in password and not encoded
        assert "%40" in str(refused)
        assert shown_fragments(password, str(refused)) == []
    else:
        assert (parsed.password, parsed.host) == (password, "db.example.com")


def test_a_password_given_as_a_query_parameter_is_masked_too():
    said = redact("postgresql+psycopg://root@host/db?sslmode=require&password=p@ss&x=1")
    assert said == "postgresql+psycopg://root@host/db?sslmode=require&password=***&x=1"
    said = redact(make_url("postgresql+psycopg://root@host/db?PASSWORD=p%40ss"))
    assert "p@s" not in said and "p%40" not in said


def test_a_url_that_is_not_one_hides_its_password_too():
    with pytest.raises(StairwayError) as refused:
        parse_url("root:s3cr3t/x@host")
    assert "s3cr3t" not in str(refused.value) and "root:***@host" in str(refused.value)


def url_with_password(server: URL, written: str) -> str:
    """``server``'s URL with ``written`` as its password, exactly as written."""
    port = f":{server.port}" if server.port else ""
    return (
        f"{server.drivername}://{server.username}:{written}@{server.host}{port}/{server.database}"
    )


@pytest.mark.parametrize("database", on_databases("postgresql", "mariadb"))
def test_tasks_print_no_part_of_a_password(scratch_url, database):
    for password in ("p@ss", "a:b@c", "x/y@z", "a:b/c"):
        for written in (password, quote(password, safe="")):
            url = url_with_password(scratch_url, written)
            result = invoke("stages", "--url", url)
            said = result.stdout + result.stderr
            assert shown_fragments(password, said) == [], said
            if written.count("@"):
                assert_one_line_error(result, "holds more than one '@'", "as %40")
            elif database == "postgresql":  # the test server trusts local logins
                assert result.returncode == 0, said
                assert f"{scratch_url.username}:***@{scratch_url.host}" in result.stdout
                assert "◀ you are" in result.stdout  # it reached the database
            else:  # MariaDB checks the password, and refuses it
                assert_one_line_error(result, "cannot connect to", "Access denied")
    result = alembic("-x", f"url={url_with_password(scratch_url, 'p@ss')}", "current")
    assert result.returncode != 0
    assert "FAILED: " in result.stdout + result.stderr and "as %40" in result.stderr
    assert shown_fragments("p@ss", result.stdout + result.stderr) == []


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


def test_the_chosen_url_says_where_it_came_from(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///env.db")
    assert choose_url("sqlite:///given.db", "sqlite:///d.db").describe() == (
        f"database: sqlite:///given.db (from --url), the file {tmp_path.resolve() / 'given.db'}"
    )
    assert choose_url(None, "sqlite:///d.db").describe() == (
        f"database: sqlite:///env.db (from $DATABASE_URL), the file {tmp_path.resolve() / 'env.db'}"
    )
    monkeypatch.setenv("DATABASE_URL", "")  # set but empty: as good as unset
    assert choose_url(None, f"sqlite:///{tmp_path}/d.db").describe() == (
        f"database: sqlite:///{tmp_path}/d.db (the default)"
    )
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


def test_a_good_charset_and_port_pass():
    parsed = parse_url("mysql+pymysql://root@127.0.0.1:3306/x?charset=utf8mb4")
    assert parsed.port == 3306 and parsed.query["charset"] == "utf8mb4"


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
    assert seconds <= took < seconds + 0.9  # waited its time (not a second more), then gave up


def test_an_error_line_leaves_out_object_addresses():
    error = CompileError(
        "Compiler <sqlalchemy.dialects.sqlite.base.SQLiteTypeCompiler object at 0x7fcb16994590> "
        "can't render element of type ARRAY\nmore"
    )
    assert first_line(error) == (
        "Compiler <sqlalchemy.dialects.sqlite.base.SQLiteTypeCompiler> "
        "can't render element of type ARRAY"
    )

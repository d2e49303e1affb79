"""Stage 4's own promises: bad data refused up front, hashed passwords, a faithful downgrade."""

from pathlib import Path

import pytest
from sqlalchemy import URL, Connection, event, text

from scripts.passwords import verify_password
from scripts.stages import STAIRWAY
from sqlalchemy_stairway.check.engines import make_engine
from sqlalchemy_stairway.check.errors import StairwayError
from sqlalchemy_stairway.check.schema import rows, structure
from sqlalchemy_stairway.checks import Checker
from sqlalchemy_stairway.seeding import seed
from tests.conftest import on_databases
from tests.helpers import (
    assert_one_line_error,
    climb,
    column_order_around,
    invoke,
    lesson_needs,
    move,
)

STAGE = STAIRWAY[4]
BEFORE = STAIRWAY.previous(STAGE)


def snapshot(connection: Connection, url: URL):
    """What the database is: its file's bytes (SQLite), or its schema, rows and stamp."""
    if connection.dialect.name == "sqlite":
        return Path(url.database).read_bytes()
    stamp = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    state = (structure(connection), rows(connection), stamp)
    connection.rollback()
    return state


BREAKING_ROWS = {
    "long name": (
        "INSERT INTO users (user_name) VALUES ('Bartholomew Montgomery-Featherstone')",
        ["user names longer than 30 characters", "'Bartholomew Montgomery-Featherstone'",
         "Shorten them to 30 characters at most"],
    ),
    "address of nobody": (
        # what the 0.3 tutorial's `del mary.addresses[1]` leaves behind
        "UPDATE email_addresses SET user_id = NULL WHERE email_address = 'mary@example.com'",
        ["e-mail addresses that belong to no user", "'mary@example.com'",
         "Give each a user_id, or delete them"],
    ),
    "nameless user": (
        "INSERT INTO users (password) VALUES ('x')",
        ["users without a user_name", "Give each a name, or delete them"],
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", BREAKING_ROWS)
def test_an_upgrade_refused_for_its_data_changes_nothing(case, connection, scratch_url):
    statement, expected = BREAKING_ROWS[case]
    climb(connection, BEFORE)
    connection.execute(text(statement))
    connection.commit()
    before = snapshot(connection, scratch_url)
    with pytest.raises(StairwayError) as refused:
        move(connection, STAGE)
    for words in expected:
        assert words in str(refused.value)
    assert str(refused.value).endswith("Nothing was changed.")
    assert snapshot(connection, scratch_url) == before


# an address whose user_id names no user, written past the foreign key, as each
# database allows it (the connection fixture's SQLite engine has foreign keys off)
GHOST = "INSERT INTO email_addresses VALUES (99, 'ghost@example.com', 404)"
WRITTEN_PAST_THE_FOREIGN_KEY = {
    "sqlite": (GHOST,),
    "postgresql": (
        "ALTER TABLE email_addresses DISABLE TRIGGER ALL",
        GHOST,
        "ALTER TABLE email_addresses ENABLE TRIGGER ALL",
    ),
    "mariadb": ("SET foreign_key_checks = 0", GHOST, "SET foreign_key_checks = 1"),
}


@pytest.mark.parametrize("database", on_databases("sqlite", "mariadb"))
def test_an_address_of_a_user_that_does_not_exist_is_refused_before_any_ddl(
    database, connection, scratch_url
):
    """Where the foreign key is made again (SQLite's rebuild, MariaDB's ALTER)."""
    climb(connection, BEFORE)
    for statement in WRITTEN_PAST_THE_FOREIGN_KEY[database]:
        connection.execute(text(statement))
    connection.commit()
    before = snapshot(connection, scratch_url)
    with pytest.raises(StairwayError) as refused:
        move(connection, STAGE)
    said = str(refused.value)
    assert "e-mail addresses whose user_id names no user" in said
    assert "99, 'ghost@example.com', 404" in said and said.endswith("Nothing was changed.")
    assert snapshot(connection, scratch_url) == before


@pytest.mark.parametrize("database", on_databases("postgresql"))
def test_on_postgresql_an_address_of_a_user_that_does_not_exist_stays_as_it_was(
    database, connection
):
    """PostgreSQL renames its foreign key in place: the upgrade neither looks nor breaks it."""
    climb(connection, BEFORE)
    for statement in WRITTEN_PAST_THE_FOREIGN_KEY[database]:
        connection.execute(text(statement))
    connection.commit()
    statements: list[str] = []

    @event.listens_for(connection, "before_cursor_execute")
    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.upper())

    move(connection, STAGE)
    event.remove(connection, "before_cursor_execute", record)
    ghost = connection.execute(text("SELECT id, email_address, user_id FROM address WHERE id = 99"))
    assert ghost.all() == [(99, "ghost@example.com", 404)]
    assert not [s for s in statements if "EMAIL_ADDRESSES LEFT OUTER JOIN" in s], "an anti-join ran"


def data_checks(statements: list[str]) -> list[str]:
    """The revision's reads of users and email_addresses that look for rows it would refuse."""
    return [
        s
        for s in statements
        if s.upper().startswith("SELECT")
        and ("FROM email_addresses" in s or "user_name" in s)
        and "information_schema" not in s
        and "pg_catalog" not in s
    ]


@pytest.mark.parametrize("passwords", ["none", "some"])
def test_clean_data_costs_one_query_per_table_and_hashing_one_more_look(
    passwords, connection, database
):
    """Under the lock one query per table; before the hashing again, only if there is any.

    PostgreSQL refuses such rows itself as it alters the columns: under the lock it looks
    for none, and the rows are named only if it refuses (the tests of BREAKING_ROWS).
    """
    climb(connection, BEFORE)
    if passwords == "none":
        connection.execute(text("UPDATE users SET password = NULL"))
        connection.commit()
    statements: list[str] = []

    @event.listens_for(connection, "before_cursor_execute")
    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()))

    move(connection, STAGE, password_iterations=1000)
    event.remove(connection, "before_cursor_execute", record)
    looks = (0 if database == "postgresql" else 1) + (passwords == "some")
    checks = data_checks(statements)
    assert len(checks) == 2 * looks, checks
    # PostgreSQL renames its foreign key in place: a scan for addresses of nobody, no anti-join
    anti_joins = 0 if database == "postgresql" else looks
    assert len([s for s in checks if "LEFT OUTER JOIN" in s.upper()]) == anti_joins
    assert not [s for s in statements if "NOT (EXISTS" in s.upper()]  # no row to name


def test_data_that_breaks_stage_4_is_refused_before_the_hashing(connection):
    climb(connection, BEFORE)
    connection.execute(text(BREAKING_ROWS["long name"][0]))
    connection.commit()
    hashed: list[bool] = []
    with pytest.raises(StairwayError, match="user names longer than 30 characters"):
        move(connection, STAGE, password_iterations=1000, before_the_lock=lambda: hashed.append(1))
    assert hashed == [], "the passwords were hashed before the refusal"


def test_both_troubles_of_the_users_are_told_apart_first_the_nameless(connection):
    climb(connection, BEFORE)
    for case in ("nameless user", "long name"):
        connection.execute(text(BREAKING_ROWS[case][0]))
    connection.commit()
    with pytest.raises(StairwayError, match="users without a user_name"):
        move(connection, STAGE)


def test_the_refusal_is_one_line_from_invoke_too(tmp_path):
    url = f"sqlite:///{tmp_path / 't.db'}"
    assert invoke("stage", str(BEFORE.number), "--url", url, "--no-lesson").returncode == 0
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text(BREAKING_ROWS["long name"][0]))
    engine.dispose()
    before = (tmp_path / "t.db").read_bytes()
    result = invoke("stage", str(STAGE.number), "--url", url)
    assert_one_line_error(result, "user names longer than 30 characters")
    assert (tmp_path / "t.db").read_bytes() == before


# MariaDB cannot roll DDL back; its revisions check their data before any DDL instead
@pytest.mark.parametrize("database", on_databases("sqlite", "postgresql"))
def test_a_failure_midway_through_ddl_rolls_back_on_transactional_databases(
    connection, scratch_url
):
    climb(connection, BEFORE)
    before = snapshot(connection, scratch_url)

    def broken(conn, cursor, statement, *args):
        if statement.startswith("UPDATE users SET password_hash"):
            raise RuntimeError("the disk is full")

    # the hashes are written after the first DDL statement: make that write fail
    event.listen(connection, "before_cursor_execute", broken)
    with pytest.raises(RuntimeError, match="the disk is full"):
        move(connection, STAGE)
    event.remove(connection, "before_cursor_execute", broken)
    connection.rollback()
    assert snapshot(connection, scratch_url) == before


def test_rows_seeded_at_stage_1_reach_the_head_with_their_ids(connection):
    climb(connection, STAIRWAY.head)
    users = {
        name: (user_id, password_hash)
        for user_id, name, password_hash in connection.execute(
            text("SELECT id, name, password_hash FROM user_account ORDER BY id")
        )
    }
    # Mary was user 1 at stage 1, and still is; her password survived as a hash
    assert users["Mary"][0] == 1
    assert verify_password("secure", users["Mary"][1])
    assert not verify_password("insecure", users["Mary"][1])
    assert users["Tom"][1] is None


def test_seeding_directly_at_stage_4_hashes_the_password(connection):
    move(connection, STAGE)
    with connection.begin():
        seed(STAIRWAY, connection, STAGE)
    mary_hash = connection.execute(
        text("SELECT password_hash FROM user_account WHERE name = 'Mary'")
    ).scalar_one()
    assert verify_password("secure", mary_hash)


def test_no_plaintext_password_reaches_the_head(connection):
    climb(connection, STAIRWAY.head)
    everything = rows(connection)
    assert "password" not in {c for r in everything["user_account"] for c in r}
    values = {v for table in everything.values() for row in table for v in row.values()}
    assert "secure" not in values


def test_the_downgrade_names_the_hashes_and_full_names_it_would_lose(tmp_path):
    url = f"sqlite:///{tmp_path / 't.db'}"
    assert invoke("stage", str(STAGE.number), "--url", url, "--no-lesson").returncode == 0
    result = invoke("down", "--url", url)
    assert_one_line_error(
        result, "column user_account.fullname (6 rows)", "user_account.password_hash"
    )


def test_sql_shows_the_renames_without_a_database():
    result = invoke("sql", str(STAGE.number), "--dialect", "postgresql")
    assert result.returncode == 0, result.stderr
    assert "ALTER TABLE users RENAME TO user_account" in result.stdout


def test_the_lesson_needs_commit_as_you_go(tmp_path):
    lesson_needs(
        4, "...     conn.commit()  # without it, the block would end in ROLLBACK", tmp_path
    )


def test_the_downgrade_gives_back_stage_3s_column_order_where_the_database_can(
    connection, database
):
    fresh, after = column_order_around(connection, STAGE)
    assert fresh["users"] == ["user_id", "user_name", "password", "number"]
    if database == "postgresql":
        # PostgreSQL adds a column only at the end and cannot move one: the
        # restored password comes after number, and nothing else moves
        expected = {**fresh, "users": ["user_id", "user_name", "number", "password"]}
    else:
        expected = fresh
    assert after == expected


def test_the_checks_match_stage_3_by_column_name_after_the_round_trip(
    connection, reference_connection
):
    column_order_around(connection, STAGE)
    Checker(STAIRWAY, connection, reference_connection).assert_matches(BEFORE, "round trip")


# Ann as stage 3 would insert her: password "1234", number 5551234
NAMED_INSERT = (
    "INSERT INTO users (user_id, user_name, password, number) VALUES (100, 'Ann', '1234', 5551234)"
)
POSITIONAL_INSERT = "INSERT INTO users VALUES (100, 'Ann', '1234', 5551234)"


def anns_password_and_number(connection: Connection) -> tuple:
    found = connection.execute(text("SELECT password, number FROM users WHERE user_id = 100"))
    return tuple(found.one())


def test_an_insert_naming_its_columns_works_after_the_round_trip(connection):
    column_order_around(connection, STAGE)
    connection.execute(text(NAMED_INSERT))
    assert anns_password_and_number(connection) == ("1234", 5551234)


def test_a_positional_insert_fails_only_where_the_order_cannot_be_restored(connection, database):
    column_order_around(connection, STAGE)
    connection.execute(text(POSITIONAL_INSERT))
    if database == "postgresql":
        # the lesson's caveat: each value silently lands in the other's column
        assert anns_password_and_number(connection) == ("5551234", 1234)
    else:
        assert anns_password_and_number(connection) == ("1234", 5551234)


def test_a_password_stored_as_bytes_is_refused_with_its_user_before_any_change(tmp_path):
    # only SQLite lets a VARCHAR hold bytes: a client that binds bytes stores a BLOB
    import sqlite3

    from tests.helpers import alembic

    path = tmp_path / "t.db"
    url = f"sqlite:///{path}"
    assert invoke("stage", str(BEFORE.number), "--url", url, "--no-lesson").returncode == 0
    with sqlite3.connect(path) as db:
        (user_id,) = db.execute("SELECT min(user_id) FROM users").fetchone()
        db.execute("UPDATE users SET password = ? WHERE user_id = ?", (b"s3cret", user_id))
    before = path.read_bytes()
    said = f"passwords stored as bytes (BLOB), not text, cannot be hashed (user_id): {user_id}."
    assert_one_line_error(invoke("stage", str(STAGE.number), "--url", url), said)
    assert path.read_bytes() == before
    result = alembic("-x", f"url={url}", "upgrade", STAGE.revision)
    assert result.returncode != 0 and "Traceback" not in result.stdout + result.stderr
    assert said in " ".join((result.stdout + result.stderr).split())
    assert path.read_bytes() == before

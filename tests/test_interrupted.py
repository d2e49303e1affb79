"""A move killed half-way is named precisely, and finished by running it again.

MariaDB commits each DDL statement on its own, so the half-applied states
are made here as a killed run leaves them: the revision's first statements
run by hand, the stamp unchanged.  On the databases that roll DDL back the
same change can only have been made by hand, and is reported so.
"""

import pytest
from sqlalchemy import URL, Connection, inspect, text

from scripts.passwords import verify_password
from scripts.stages import STAIRWAY
from sqlalchemy_stairway.check.engines import make_engine
from sqlalchemy_stairway.check.schema import rows
from sqlalchemy_stairway.guards import drift
from sqlalchemy_stairway.interrupted import find_interrupted
from tests.conftest import on_databases
from tests.helpers import alembic, assert_one_line_error, climb, invoke, move, stage_of

# two statements of revision 0004's upgrade on MariaDB (which renames the table
# last: the operations that skip themselves finish it in any order)
HALF_OF_STAGE_4 = (
    "ALTER TABLE users ADD COLUMN password_hash VARCHAR(128)",
    "ALTER TABLE users RENAME TO user_account",
)
# the first statement of revision 0005's downgrade
HALF_OF_GOING_DOWN_TO_4 = ("DROP TABLE item",)
# the first statement of revision 0004's downgrade
HALF_OF_GOING_DOWN_TO_3 = ("ALTER TABLE user_account DROP COLUMN fullname",)


def run_by_hand(connection: Connection, statements) -> None:
    for statement in statements:
        connection.execute(text(statement))
    connection.commit()


def url_of(scratch_url: URL) -> str:
    return scratch_url.render_as_string(hide_password=False)


mariadb_only = pytest.mark.parametrize("database", on_databases("mariadb"), indirect=True)
rolling_back = pytest.mark.parametrize(
    "database", on_databases("sqlite", "postgresql"), indirect=True
)


@mariadb_only
def test_a_half_applied_upgrade_is_named_and_finished(connection, scratch_url):
    climb(connection, STAIRWAY[3])
    run_by_hand(connection, HALF_OF_STAGE_4)
    interrupted = find_interrupted(STAIRWAY, connection, stage_of(connection))
    said = "stage 4 was interrupted after renaming users to user_account; "
    assert str(interrupted) == said + "run `invoke stage 4` to finish it"
    connection.close()
    url = url_of(scratch_url)

    shown = invoke("stages", "--url", url)
    assert shown.returncode == 0, shown
    assert said + "run `invoke stage 4` to finish it" in " ".join(shown.stdout.split())

    elsewhere = invoke("stage", "2", "--url", url, "--yes", "--no-lesson")
    assert_one_line_error(elsewhere, said, "Nothing was migrated")
    assert "by hand" not in elsewhere.stderr and "reset" not in elsewhere.stderr

    finished = invoke("stage", "4", "--url", url, "--no-lesson")
    assert finished.returncode == 0, finished.stderr


@mariadb_only
def test_the_finished_upgrade_keeps_every_row_and_hashes_the_passwords(engine, connection):
    climb(connection, STAIRWAY[3])
    before = rows(connection)
    connection.rollback()
    run_by_hand(connection, HALF_OF_STAGE_4)
    connection.close()

    finished = invoke("stage", "4", "--url", url_of(engine.url), "--no-lesson")
    assert finished.returncode == 0, finished.stderr
    with engine.connect() as again:
        assert stage_of(again) == STAIRWAY[4]
        assert drift(again, STAIRWAY[4]) == []
        people = {row["id"]: row for row in rows(again)["user_account"]}
    for user in before["users"]:
        person = people[user["user_id"]]
        assert person["name"] == user["user_name"]
        if user["password"] is not None:
            assert verify_password(user["password"], person["password_hash"])


@mariadb_only
def test_the_alembic_command_finishes_a_half_applied_upgrade_too(connection, scratch_url):
    climb(connection, STAIRWAY[3])
    run_by_hand(connection, HALF_OF_STAGE_4)
    connection.close()
    result = alembic("-x", f"url={url_of(scratch_url)}", "upgrade", "head")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


@mariadb_only
def test_a_half_applied_downgrade_is_named_and_finished(connection, scratch_url):
    climb(connection, STAIRWAY[5])
    run_by_hand(connection, HALF_OF_GOING_DOWN_TO_4)
    said = "the move down to stage 4 was interrupted after dropping item; "
    assert str(find_interrupted(STAIRWAY, connection, stage_of(connection))).startswith(said)
    connection.close()
    url = url_of(scratch_url)

    assert_one_line_error(invoke("stage", "5", "--url", url, "--no-lesson"), said)
    unasked = invoke("stage", "4", "--url", url, "--no-lesson")
    assert_one_line_error(unasked, "interrupted half-way", "run it again with --yes")
    finished = invoke("stage", "4", "--url", url, "--yes", "--no-lesson")
    assert finished.returncode == 0, finished.stderr


@mariadb_only
def test_no_stage_reached_whole_is_taken_for_one_half_way(connection):
    for stage in STAIRWAY.stages:
        if stage.number:
            move(connection, stage)
        assert find_interrupted(STAIRWAY, connection, stage) is None, stage


@rolling_back
def test_where_ddl_rolls_back_the_same_change_was_made_by_hand(connection, scratch_url):
    climb(connection, STAIRWAY[3])
    connection.execute(text("ALTER TABLE users RENAME TO user_account"))
    connection.commit()
    assert find_interrupted(STAIRWAY, connection, stage_of(connection)) is None
    connection.close()
    result = invoke("stage", "4", "--url", url_of(scratch_url), "--no-lesson")
    assert_one_line_error(result, "at stage 3, but changed by hand since")


@mariadb_only
def test_the_alembic_command_refuses_to_move_away_from_a_half_applied_downgrade(
    connection, scratch_url
):
    climb(connection, STAIRWAY[4])
    run_by_hand(connection, HALF_OF_GOING_DOWN_TO_3)
    connection.close()
    url = url_of(scratch_url)
    said = "the move down to stage 3 was interrupted after dropping user_account.fullname; "

    result = alembic("-x", f"url={url}", "upgrade", "head")
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "Traceback" not in output, output
    assert said in output and "Nothing was changed." in output
    engine = make_engine(scratch_url)
    try:
        with engine.connect() as again:
            assert find_interrupted(STAIRWAY, again, stage_of(again)) is not None
            assert not inspect(again).has_table("order")
    finally:
        engine.dispose()

    finished = alembic("-x", f"url={url}", "-x", "allow_data_loss=true", "downgrade", "0003")
    assert finished.returncode == 0, finished.stderr


@mariadb_only
def test_a_half_applied_first_stage_is_named_from_its_operations(connection, scratch_url):
    # Alembic makes its version table first; revision 0001 then creates users
    connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
    run_by_hand(
        connection,
        [
            "CREATE TABLE users (user_id INTEGER NOT NULL, user_name VARCHAR(40), "
            "password VARCHAR(10), CONSTRAINT pk_users PRIMARY KEY (user_id))"
        ],
    )
    said = "stage 1 was interrupted after creating users; run `invoke stage 1` to finish it"
    assert str(find_interrupted(STAIRWAY, connection, stage_of(connection))) == said
    connection.close()
    finished = invoke("stage", "1", "--url", url_of(scratch_url), "--no-lesson")
    assert finished.returncode == 0, finished.stderr


@mariadb_only
def test_another_applications_users_table_is_not_taken_for_a_first_stage_half_way(connection):
    run_by_hand(
        connection,
        ["CREATE TABLE users (user_id INTEGER, user_name VARCHAR(40), password VARCHAR(10))"],
    )
    assert find_interrupted(STAIRWAY, connection, stage_of(connection)) is None

"""The Invoke tasks, run as a user runs them: `invoke ...` in the project folder."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.database import make_engine
from scripts.schema import rows, structure
from tests.conftest import DATABASES

PROJECT = Path(__file__).resolve().parent.parent


def invoke(*args: str, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run `invoke ARGS` in the project folder; return the finished process."""
    return subprocess.run(
        [sys.executable, "-m", "invoke", *args],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )


def assert_one_line_error(result: subprocess.CompletedProcess, *expected: str) -> None:
    assert result.returncode == 1, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.stdout + result.stderr
    for text in expected:
        assert text in lines[0]


def sqlite_stage(path: Path) -> str | None:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT version_num FROM alembic_version").fetchone()[0]


def test_list_shows_every_task_with_its_docstring():
    result = invoke("--list")
    assert result.returncode == 0
    for name in ("walk", "stages", "stage", "up", "down", "show", "seed", "sql", "check"):
        assert f"\n  {name} " in result.stdout


def test_stage_moves_up_and_down_and_seeds(tmp_path):
    url = f"sqlite:///{tmp_path / 't.db'}"
    result = invoke("stage", "3", "--url", url, "--no-lesson")
    assert result.returncode == 0, result.stderr
    assert sqlite_stage(tmp_path / "t.db") == "0003"
    assert "stage 3 (0003): Jenny's number" in result.stdout
    with sqlite3.connect(tmp_path / "t.db") as db:
        assert db.execute("SELECT number FROM users WHERE user_name = 'Jenny'").fetchone() == (
            8675309,
        )
    result = invoke("down", "--url", url, "--yes")
    assert result.returncode == 0, result.stderr
    assert sqlite_stage(tmp_path / "t.db") == "0002"
    result = invoke("up", "--url", url)
    assert result.returncode == 0, result.stderr
    assert sqlite_stage(tmp_path / "t.db") == "0003"


def test_stages_marks_where_the_database_is(tmp_path):
    url = f"sqlite:///{tmp_path / 't.db'}"
    invoke("stage", "2", "--url", url, "--no-lesson")
    result = invoke("stages", "--url", url)
    assert result.returncode == 0
    marked = [line for line in result.stdout.splitlines() if "you are" in line]
    assert len(marked) == 1 and "0002" in marked[0]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["stage", "x"], "stage must be a number from 0 to 5, not 'x'"),
        (["stage", "9"], "there is no stage 9"),
        (["stage", "-1"], "there is no stage -1"),
        (["stage", "2.5"], "stage must be a number"),
        (["stage", "1", "--url", "nonsense"], "'nonsense' is not a database URL"),
        (["stage", "1", "--url", "foo://x"], "unknown database driver 'foo'"),
        (["stage", "1", "--url", "sqlite:///no/such/folder/t.db"], "does not exist"),
        (
            ["stage", "1", "--url", "postgresql+psycopg://root:s3cret@127.0.0.1:1/x"],
            "cannot connect to postgresql+psycopg://root:***@127.0.0.1:1/x",
        ),
        (["sql", "4", "--dialect", "oracle"], "unknown dialect 'oracle'"),
        (["sql", "0"], "stage 0 is the empty database"),
    ],
)
def test_bad_input_is_one_clear_line(args, expected, tmp_path):
    before = sorted(PROJECT.iterdir())
    result = invoke(*args)
    assert_one_line_error(result, expected)
    assert "s3cret" not in result.stdout + result.stderr
    assert sorted(PROJECT.iterdir()) == before  # nothing created, nothing changed


def test_a_file_that_is_not_sqlite_is_named_and_left_alone(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 100)
    result = invoke("stage", "1", "--url", f"sqlite:///{path}")
    assert_one_line_error(result, "is not a SQLite database")
    assert path.read_text() == "these are my notes, not a database\n" * 100


def test_a_read_only_database_is_named_and_left_alone(tmp_path):
    path = tmp_path / "t.db"
    assert invoke("stage", "1", "--url", f"sqlite:///{path}", "--no-lesson").returncode == 0
    content = path.read_bytes()
    path.chmod(0o444)
    try:
        result = invoke("stage", "2", "--url", f"sqlite:///{path}")
    finally:
        path.chmod(0o644)
    assert_one_line_error(result, "read-only")
    assert path.read_bytes() == content


def test_a_locked_database_waits_then_says_so(tmp_path):
    path = tmp_path / "t.db"
    assert invoke("stage", "1", "--url", f"sqlite:///{path}", "--no-lesson").returncode == 0
    content = path.read_bytes()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = invoke(
            "stage", "2", "--url", f"sqlite:///{path}", env={"STAIRWAY_LOCK_TIMEOUT": "1"}
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert_one_line_error(result, "another process is writing to the database")
    assert path.read_bytes() == content


def test_sql_prints_a_revision_without_a_database():
    result = invoke("sql", "4", "--dialect", "postgresql")
    assert result.returncode == 0, result.stderr
    assert "ALTER TABLE users RENAME TO user_account" in result.stdout
    result = invoke("sql", "5", "--down", "--dialect", "mysql")
    assert "DROP TABLE `order`" in result.stdout


def test_walk_climbs_every_stage_and_keeps_every_stage_data(scratch_url):
    url = scratch_url.render_as_string(hide_password=False)
    result = invoke("walk", "--url", url, "--no-lessons")
    assert result.returncode == 0, result.stderr
    for number in range(1, 6):
        assert f"Stage {number}:" in result.stdout
    assert "Done: the database is at stage 5" in result.stdout
    engine = make_engine(scratch_url)
    with engine.connect() as connection:
        everything = rows(connection)
    engine.dispose()
    names = {row["name"] for row in everything["user_account"]}
    assert {"Mary", "Tom", "Fred", "Harry", "Jenny", "spongebob", "pkrabs"} <= names
    assert len(everything["pet"]) == 4
    assert len(everything["order"]) == 1 and len(everything["item"]) == 2
    # a second walk needs an empty database, and says how to get one
    result = invoke("walk", "--url", url, "--no-lessons")
    assert_one_line_error(result, "the database is at stage 5", "invoke walk --reset")


def test_check_passes_on_every_database_and_leaves_it_untouched(database, tmp_path):
    url = DATABASES[database]
    if database == "sqlite":
        url = f"sqlite:///{tmp_path / 'mine.db'}"

    def named_database():
        engine = make_engine(url)
        with engine.connect() as connection:
            found = structure(connection)
        engine.dispose()
        return found

    before = named_database()
    result = invoke("check", "--url", url)
    assert result.returncode == 0, result.stderr
    assert "all checks passed" in result.stdout
    assert "stage 4: after downgrade: every row restored" in result.stdout
    assert named_database() == before


# a server that checks passwords: the MariaDB here refuses a wrong one
@pytest.mark.parametrize("database", [d for d in DATABASES if d == "mariadb"])
def test_a_wrong_password_is_refused_and_never_printed(database):
    url = make_engine(DATABASES[database]).url.set(username="stairway_nobody", password="s3cret")
    result = invoke("stage", "1", "--url", url.render_as_string(hide_password=False))
    assert_one_line_error(result, "cannot connect to", "stairway_nobody:***@", "Access denied")
    assert "s3cret" not in result.stdout + result.stderr

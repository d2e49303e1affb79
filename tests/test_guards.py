"""The guards (sqlalchemy_stairway.guards): drift refused, SQLite files checked and backed up."""

import os
import resource
import signal
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import URL, Connection, text

from scripts.stages import STAIRWAY
from sqlalchemy_stairway.check.errors import StairwayError
from sqlalchemy_stairway.check.schema import rows, structure
from sqlalchemy_stairway.guards import refuse_drift
from tests.helpers import PROJECT, assert_one_line_error, climb, invoke


def snapshot(connection: Connection, url: URL):
    """What the database is: its file's bytes (SQLite), or its schema, rows and stamp."""
    if connection.dialect.name == "sqlite":
        return Path(url.database).read_bytes()
    stamp = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    state = (structure(connection), rows(connection), stamp)
    connection.rollback()
    return state


def add_column_by_hand(connection: Connection) -> str:
    """Add a column to a table of the database's stage, as a person might; return its table."""
    table = next(iter(STAIRWAY.head.metadata.tables))
    quoted = connection.dialect.identifier_preparer.quote(table)
    connection.execute(text(f"ALTER TABLE {quoted} ADD COLUMN added_by_hand INTEGER"))
    connection.commit()
    return table


def test_a_schema_changed_by_hand_is_reported_and_not_migrated(connection, scratch_url):
    head = STAIRWAY.head
    climb(connection, head)
    add_column_by_hand(connection)
    before = snapshot(connection, scratch_url)
    with pytest.raises(StairwayError) as refused:
        refuse_drift(connection, head)
    said = str(refused.value)
    assert f"at stage {head.number}, but changed by hand since" in said
    assert "that stage" in said and "added_by_hand" in said
    assert "Column(" not in said and "('" not in said  # words, not Alembic's tuples
    assert snapshot(connection, scratch_url) == before


def drifted_sqlite(path: Path, change: str) -> str:
    """Return the URL of a SQLite database at the last stage, then changed by ``change``."""
    url = f"sqlite:///{path}"
    assert invoke("stage", str(STAIRWAY.head.number), "--url", url, "--no-lesson").returncode == 0
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA foreign_keys=OFF")  # as a person with the sqlite3 shell would
        db.execute(change)
    return url


def a_table_and_column():
    table = next(iter(STAIRWAY.head.metadata.tables.values()))
    column = next(c.name for c in table.columns if not c.primary_key)
    return table.name, column


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ('ALTER TABLE "{t}" ADD COLUMN nickname VARCHAR(20)', "it has a column {t}.nickname that"),
        ('ALTER TABLE "{t}" DROP COLUMN "{c}"', "column {t}.{c} is missing"),
        ('DROP TABLE "{t}"', "table {t} is missing"),
        ("CREATE TABLE notes (id INTEGER PRIMARY KEY)", "it has a table notes that"),
    ],
)
def test_drift_is_said_in_words_with_how_to_start_again(tmp_path, change, said):
    table, column = a_table_and_column()
    url = drifted_sqlite(tmp_path / "t.db", change.format(t=table, c=column))
    result = invoke("down", "--url", url, "--yes")
    assert_one_line_error(
        result,
        f"at stage {STAIRWAY.head.number}, but changed by hand since",
        said.format(t=table, c=column),
        "Nothing was migrated",
        "invoke reset --yes",
    )


def test_reset_and_walk_reset_start_again_from_a_drifted_database(tmp_path):
    table, column = a_table_and_column()
    url = drifted_sqlite(tmp_path / "t.db", f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
    refused = invoke("reset", "--url", url)  # no terminal to ask: --yes is needed
    assert_one_line_error(refused, "changed by hand", "invoke reset --yes", "Nothing was changed")
    result = invoke("reset", "--url", url, "--yes")
    assert result.returncode == 0, result.stderr
    assert "Emptied: dropped" in result.stdout and "at stage 0" in result.stdout
    assert "backup of the database before emptying it" in result.stdout
    with sqlite3.connect(tmp_path / "t.db") as db:
        assert db.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall() == []

    url = drifted_sqlite(tmp_path / "t2.db", f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
    result = invoke("walk", "--url", url, "--reset")
    assert result.returncode == 0, result.stderr
    assert f"Done: the database is at stage {STAIRWAY.head.number}" in result.stdout


def test_a_database_never_migrated_here_is_not_called_stage_0_and_never_dropped(tmp_path):
    path = tmp_path / "theirs.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    url = f"sqlite:///{path}"
    for args in (["stage", "1"], ["reset", "--yes"], ["walk", "--reset"]):
        result = invoke(*args, "--url", url)
        assert_one_line_error(
            result, "never migrated by this project", "invoices", "another database"
        )
        assert "stage 0" not in result.stderr
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT name FROM sqlite_master").fetchall() == [("invoices",)]


def test_drift_stops_invoke_before_it_migrates(tmp_path):
    path = tmp_path / "t.db"
    url = f"sqlite:///{path}"
    assert invoke("stage", str(STAIRWAY.head.number), "--url", url, "--no-lesson").returncode == 0
    from sqlalchemy_stairway.check.engines import make_engine

    engine = make_engine(url)
    with engine.connect() as connection:
        add_column_by_hand(connection)
    engine.dispose()
    before = path.read_bytes()
    result = invoke("down", "--url", url, "--yes")
    assert_one_line_error(result, "changed by hand", "added_by_hand", "Nothing was migrated")
    assert path.read_bytes() == before


def test_sqlite_runs_keep_a_backup_that_restores(tmp_path):
    path = tmp_path / "t.db"
    url = f"sqlite:///{path}"
    head = STAIRWAY.head
    assert invoke("stage", str(head.number), "--url", url, "--no-lesson").returncode == 0
    result = invoke("stage", "1", "--url", url, "--yes", "--no-lesson")
    assert result.returncode == 0, result.stderr
    line = next(li for li in result.stdout.splitlines() if "backup of the database" in li)
    backup = Path(line.split(": ", 1)[1].strip())
    assert backup.parent == tmp_path / "backups"
    # restoring is copying the file back
    path.write_bytes(backup.read_bytes())
    result = invoke("show", "--url", url)
    assert f"{head.label}" in result.stdout


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


@contextmanager
def umask(mask: int) -> Iterator[None]:
    """Run the block (and the processes it starts) with ``mask`` as the umask."""
    before = os.umask(mask)
    try:
        yield
    finally:
        os.umask(before)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("mask", [0o000, 0o022, 0o277], ids=oct)
def test_backups_are_readable_by_their_owner_alone_whatever_the_umask(tmp_path, mask):
    path = tmp_path / "t.db"
    url = f"sqlite:///{path}"
    assert invoke("stage", "3", "--url", url, "--no-lesson").returncode == 0
    with umask(mask):
        result = invoke("down", "--url", url, "--yes")
    assert result.returncode == 0, result.stderr
    line = next(li for li in result.stdout.splitlines() if "backup of the database" in li)
    backup = Path(line.split(": ", 1)[1].strip())
    assert mode(backup.parent) == 0o700
    assert mode(backup) == 0o600
    # still a whole copy: stage 3's plaintext password is in it
    with sqlite3.connect(backup) as copy:
        assert copy.execute("SELECT password FROM users WHERE user_name = 'Mary'").fetchall() == [
            ("secure",)
        ]
    copy.close()


def test_a_backup_folder_made_by_an_older_version_is_made_private(tmp_path):
    path = tmp_path / "t.db"
    url = f"sqlite:///{path}"
    assert invoke("stage", "2", "--url", url, "--no-lesson").returncode == 0
    folder = tmp_path / "backups"
    folder.mkdir()
    folder.chmod(0o755)
    result = invoke("up", "--url", url)
    assert result.returncode == 0, result.stderr
    assert mode(folder) == 0o700
    assert [mode(each) for each in folder.iterdir()] == [0o600]


def test_a_backup_the_disk_has_no_room_for_is_one_line_and_leaves_no_copy(tmp_path):
    database = tmp_path / "t.db"
    url = f"sqlite:///{database}"
    assert invoke("stage", "3", "--url", url, "--no-lesson").returncode == 0
    before = database.read_bytes()
    room = len(before) // 2  # the copy's writes fail half-way, as on a full disk

    def with_little_room() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails, EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (room, room))

    result = subprocess.run(
        [sys.executable, "-m", "invoke", "up", "--url", url],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        preexec_fn=with_little_room,
        check=False,
    )
    assert_one_line_error(result, f"cannot back the database up into {tmp_path / 'backups'}")
    assert result.stderr.rstrip().endswith("Nothing was changed.")
    assert database.read_bytes() == before
    assert not (tmp_path / "backups").exists()  # no 0-byte or half copy left

"""Moving between stages (sqlalchemy_stairway.migrate): up, down, refusals, concurrent runs."""

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import URL, Connection, text

from scripts.stages import STAGES, STAIRWAY
from sqlalchemy_stairway.check.engines import make_engine
from sqlalchemy_stairway.check.errors import StairwayError
from sqlalchemy_stairway.check.schema import rows, structure
from sqlalchemy_stairway.migrate import offline_sql
from sqlalchemy_stairway.seeding import rows_at
from tests.conftest import DATABASES
from tests.helpers import PROJECT, climb, move, stage_of


def snapshot(connection: Connection, url: URL):
    """What the database is: its file's bytes (SQLite), or its schema, rows and stamp."""
    if connection.dialect.name == "sqlite":
        return Path(url.database).read_bytes()
    stamp = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    state = (structure(connection), rows(connection), stamp)
    connection.rollback()
    return state


@pytest.mark.parametrize("stage", STAGES[1:], ids=lambda s: f"from-stage{s.number}")
def test_a_downgrade_that_would_lose_data_asks_first(stage, connection, scratch_url):
    climb(connection, stage)
    before = snapshot(connection, scratch_url)
    with pytest.raises(StairwayError) as refused:
        move(connection, STAIRWAY.previous(stage))
    assert "this downgrade would lose" in str(refused.value)
    assert "--yes" in str(refused.value)
    assert snapshot(connection, scratch_url) == before
    move(connection, STAIRWAY.previous(stage), allow_data_loss=True)
    assert stage_of(connection) == STAIRWAY.previous(stage)


def test_an_unknown_revision_is_reported_and_not_migrated(connection, scratch_url):
    climb(connection, STAIRWAY[1])
    connection.execute(text("UPDATE alembic_version SET version_num = 'f00dcafe'"))
    connection.commit()
    before = snapshot(connection, scratch_url)
    with pytest.raises(StairwayError, match="revision 'f00dcafe', which this project does not"):
        move(connection, STAIRWAY.head)
    assert snapshot(connection, scratch_url) == before


def test_a_migration_refuses_a_transaction_left_open(connection):
    connection.execute(text("SELECT 1"))
    with pytest.raises(RuntimeError, match="commit or roll back the caller's first"):
        move(connection, STAIRWAY[1])


@pytest.mark.parametrize("command", ["invoke", "alembic"])
def test_two_runs_at_once_end_consistent(command, scratch_url):
    url = scratch_url.render_as_string(hide_password=False)
    head = STAIRWAY.head
    if command == "invoke":
        args = [sys.executable, "-m", "invoke", "stage", str(head.number), "--url", url,
                "--no-lesson"]  # fmt: skip
    else:
        args = [sys.executable, "-m", "alembic", "-x", f"url={url}", "upgrade", "head"]
    runs = [
        subprocess.Popen(args, cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    for run in runs:
        _, err = run.communicate(timeout=300)
        assert run.returncode == 0, err.decode()
    engine = make_engine(scratch_url)
    with engine.connect() as connection:
        assert stage_of(connection) == head
        if command == "invoke":  # every stage's rows once, not twice
            counts = {table: len(found) for table, found in rows(connection).items()}
            wanted = {table: len(found) for table, found in rows_at(STAIRWAY, head).items()}
            assert counts == {table: wanted.get(table, 0) for table in counts}
    engine.dispose()


@pytest.mark.parametrize("database", [d for d in DATABASES if d == "sqlite"])
def test_sqlite_migrations_refuse_rows_that_break_a_foreign_key(connection, scratch_url):
    # migrations run with SQLite's foreign keys off (batch rebuilds need it), so
    # env.py checks them itself before COMMIT whenever a run moved rows
    first = STAIRWAY[1]
    child = next(t for t in first.metadata.sorted_tables if t.foreign_keys)
    (fk,) = child.foreign_keys
    climb(connection, first)
    before = snapshot(connection, scratch_url)
    row = {
        c.name: (10_000 if c is fk.parent else "x" if c.type.python_type is str else None)
        for c in child.columns
        if not c.primary_key
    }

    def insert_a_row_that_points_nowhere(ctx, step, heads, run_args):
        ctx.connection.execute(child.insert().values(row))

    with pytest.raises(StairwayError, match="foreign keys broken by this migration") as refused:
        move(connection, STAIRWAY[2], on_version_apply=[insert_a_row_that_points_nowhere])
    assert f"{child.name} row " in str(refused.value) and "older ones" not in str(refused.value)
    assert snapshot(connection, scratch_url) == before


def add_an_older_orphan(path: Path) -> str:
    """Point a stage-1 e-mail address at no user, as any client without foreign keys on can."""
    import sqlite3

    with sqlite3.connect(path) as db:
        db.execute("PRAGMA foreign_keys=OFF")  # SQLite's own default, per connection
        db.execute(
            "INSERT INTO email_addresses (address_id, email_address, user_id) "
            "VALUES (500, 'ghost@example.com', 99)"
        )
    return "email_addresses row 500 (user_id = 99, no such users row)"


def test_sqlite_orphans_from_before_a_migration_are_named_not_blamed(tmp_path):
    from tests.helpers import alembic, invoke

    path = tmp_path / "t.db"
    url = f"sqlite:///{path}"
    assert invoke("stage", "1", "--url", url, "--no-lesson").returncode == 0
    orphan = add_an_older_orphan(path)
    runs = {
        2: ["invoke", "stage", "2"],  # seeds pet rows: moves rows
        3: ["invoke", "stage", "3"],
        1: ["alembic", "-x", "allow_data_loss=true", "downgrade", "0001"],  # drops pet
    }
    for target, (command, *args) in runs.items():
        if command == "invoke":
            result = invoke(*args, "--url", url, "--no-lesson")
        else:
            result = alembic("-x", f"url={url}", *args)
        assert result.returncode == 0, result.stderr
        said = " ".join(result.stderr.split())
        assert "note: 1 row already pointed at no row before this run" in said
        assert orphan in said and "broken by this migration" not in said
        engine = make_engine(url)
        with engine.connect() as connection:
            assert stage_of(connection) == STAIRWAY[target]
        engine.dispose()


@pytest.mark.parametrize("database", [d for d in DATABASES if d == "sqlite"])
def test_sqlite_orphans_a_migration_makes_are_refused_beside_older_ones(connection, scratch_url):
    climb(connection, STAIRWAY[1])
    orphan = add_an_older_orphan(Path(scratch_url.database))
    before = snapshot(connection, scratch_url)

    def insert_a_row_that_points_nowhere(ctx, step, heads, run_args):
        ctx.connection.exec_driver_sql(
            "INSERT INTO email_addresses (address_id, email_address, user_id) "
            "VALUES (600, 'new@example.com', 77)"
        )

    with pytest.raises(StairwayError) as refused:
        move(connection, STAIRWAY[2], on_version_apply=[insert_a_row_that_points_nowhere])
    said = str(refused.value)
    assert said.startswith(
        "foreign keys broken by this migration: email_addresses row 600 (user_id = 77, "
        "no such users row) (older ones, left as they were: " + orphan
    )
    assert snapshot(connection, scratch_url) == before


def test_offline_sql_refuses_what_it_cannot_show():
    with pytest.raises(StairwayError, match="stage 0 is the empty database"):
        offline_sql(STAIRWAY, STAIRWAY.base, "sqlite")
    with pytest.raises(StairwayError, match="unknown dialect 'oracle'"):
        offline_sql(STAIRWAY, STAIRWAY.head, "oracle")


def test_sqlite_sql_marks_where_the_online_upgrade_hashes_as_offline_sql_does():
    def notes(sql: str) -> list[str]:
        return [line for line in sql.splitlines() if line.startswith("-- here")]

    stage = STAIRWAY[4]
    sqlite, postgresql = (
        offline_sql(STAIRWAY, stage, dialect) for dialect in ("sqlite", "postgresql")
    )
    assert len(notes(sqlite)) == 2 and notes(sqlite) == notes(postgresql)
    # where they are: hashing before the first ALTER, writing the hashes after the new column
    lines = sqlite.splitlines()
    hashing, writing = (lines.index(note) for note in notes(sqlite))
    first_alter = next(n for n, line in enumerate(lines) if line.startswith("ALTER"))
    assert hashing < first_alter < writing
    assert "ADD COLUMN password_hash" in "\n".join(lines[hashing:writing])
    assert not any(line.startswith("--") and line.endswith(";") for line in lines)

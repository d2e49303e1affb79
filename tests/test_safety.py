"""Nothing lost, nobody surprised: failed and destructive steps, drift, concurrent runs, secrets."""

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import URL, Connection, text

from models.stages import STAGES
from scripts.database import make_engine
from scripts.errors import StairwayError
from scripts.migrate import current_stage, move
from scripts.safety import refuse_drift
from scripts.schema import rows, structure
from tests.conftest import DATABASES
from tests.helpers import climb
from tests.test_tasks import PROJECT, assert_one_line_error, invoke


def snapshot(connection: Connection, url: URL):
    """What the database is: its file's bytes (SQLite), or its schema, rows and stamp."""
    if connection.dialect.name == "sqlite":
        return Path(url.database).read_bytes()
    stamp = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    state = (structure(connection), rows(connection), stamp)
    if connection.in_transaction():
        connection.commit()
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
    climb(connection, STAGES[3])
    connection.execute(text(statement))
    connection.commit()
    before = snapshot(connection, scratch_url)
    with pytest.raises(StairwayError) as refused:
        move(connection, STAGES[4])
    for words in expected:
        assert words in str(refused.value)
    assert str(refused.value).endswith("Nothing was changed.")
    assert snapshot(connection, scratch_url) == before


def sqlite_at_stage_3_then(tmp_path: Path, statement: str) -> str:
    """Make a SQLite database at stage 3 through invoke, run ``statement`` on it; return its URL."""
    url = f"sqlite:///{tmp_path / 't.db'}"
    assert invoke("stage", "3", "--url", url, "--no-lesson").returncode == 0
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text(statement))
    engine.dispose()
    return url


def test_the_refusal_is_one_line_from_invoke_too(tmp_path):
    url = sqlite_at_stage_3_then(tmp_path, BREAKING_ROWS["long name"][0])
    before = (tmp_path / "t.db").read_bytes()
    result = invoke("stage", "4", "--url", url)
    assert_one_line_error(result, "user names longer than 30 characters")
    assert (tmp_path / "t.db").read_bytes() == before


# MariaDB cannot roll DDL back; its revisions check their data before any DDL instead
@pytest.mark.parametrize("database", [d for d in DATABASES if d != "mariadb"])
def test_a_failure_midway_through_ddl_rolls_back_on_transactional_databases(
    connection, scratch_url, monkeypatch
):
    climb(connection, STAGES[3])
    before = snapshot(connection, scratch_url)
    # make revision 0004 fail after its renames: the hash step raises
    import hashlib

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(hashlib, "pbkdf2_hmac", broken)
    with pytest.raises(RuntimeError, match="the disk is full"):
        move(connection, STAGES[4])
    connection.rollback()
    assert snapshot(connection, scratch_url) == before


@pytest.mark.parametrize("stage", STAGES[1:], ids=lambda s: f"from-stage{s.number}")
def test_a_downgrade_that_would_lose_data_asks_first(stage, connection, scratch_url):
    climb(connection, stage)
    before = snapshot(connection, scratch_url)
    with pytest.raises(StairwayError) as refused:
        move(connection, STAGES[stage.number - 1])
    assert "this downgrade would lose" in str(refused.value)
    assert "--yes" in str(refused.value)
    assert snapshot(connection, scratch_url) == before
    move(connection, STAGES[stage.number - 1], allow_data_loss=True)
    assert current_stage(connection) == STAGES[stage.number - 1]


def test_the_downgrade_says_exactly_what_would_be_lost(tmp_path):
    url = f"sqlite:///{tmp_path / 't.db'}"
    assert invoke("stage", "5", "--url", url, "--no-lesson").returncode == 0
    result = invoke("down", "--url", url)
    assert_one_line_error(result, "table order (1 rows), table item (2 rows)")
    result = invoke("stage", "3", "--url", url)
    assert_one_line_error(result, "table order (1 rows)")
    assert invoke("stage", "4", "--url", url, "--yes", "--no-lesson").returncode == 0
    result = invoke("down", "--url", url)
    assert_one_line_error(
        result, "column user_account.fullname (6 rows)", "user_account.password_hash"
    )


def test_sqlite_runs_keep_a_backup_that_restores(tmp_path):
    path = tmp_path / "t.db"
    assert invoke("stage", "5", "--url", f"sqlite:///{path}", "--no-lesson").returncode == 0
    result = invoke("stage", "3", "--url", f"sqlite:///{path}", "--yes", "--no-lesson")
    assert result.returncode == 0, result.stderr
    line = next(li for li in result.stdout.splitlines() if "backup of the database" in li)
    backup = Path(line.split(": ", 1)[1].strip())
    assert backup.parent == tmp_path / "backups"
    # restoring is copying the file back
    path.write_bytes(backup.read_bytes())
    result = invoke("show", "--url", f"sqlite:///{path}")
    assert "stage 5 (0005)" in result.stdout
    assert "order: 1 rows" in result.stdout


def test_a_schema_changed_by_hand_is_reported_and_not_migrated(connection, scratch_url):
    climb(connection, STAGES[3])
    connection.execute(text("ALTER TABLE pet ADD COLUMN owner INTEGER"))
    connection.commit()
    before = snapshot(connection, scratch_url)
    with pytest.raises(StairwayError, match="stamped at stage 3 but its schema differs"):
        refuse_drift(connection, STAGES[3])
    assert snapshot(connection, scratch_url) == before


def test_drift_stops_invoke_before_it_migrates(tmp_path):
    url = sqlite_at_stage_3_then(tmp_path, "ALTER TABLE pet ADD COLUMN owner INTEGER")
    before = (tmp_path / "t.db").read_bytes()
    result = invoke("stage", "4", "--url", url)
    assert_one_line_error(result, "schema differs", "owner", "nothing was migrated")
    assert (tmp_path / "t.db").read_bytes() == before


def test_an_unknown_revision_is_reported_and_not_migrated(connection, scratch_url):
    climb(connection, STAGES[2])
    connection.execute(text("UPDATE alembic_version SET version_num = 'f00dcafe'"))
    connection.commit()
    before = snapshot(connection, scratch_url)
    with pytest.raises(StairwayError, match="revision 'f00dcafe', which this project does not"):
        move(connection, STAGES[3])
    assert snapshot(connection, scratch_url) == before


@pytest.mark.parametrize("command", ["invoke", "alembic"])
def test_two_runs_at_once_end_consistent(command, scratch_url):
    url = scratch_url.render_as_string(hide_password=False)
    if command == "invoke":
        args = [sys.executable, "-m", "invoke", "stage", "5", "--url", url, "--no-lesson"]
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
        assert connection.execute(text("SELECT version_num FROM alembic_version")).all() == [
            ("0005",)
        ]
        if command == "invoke":  # every stage's rows once, not twice
            names = connection.execute(text("SELECT name FROM user_account")).scalars().all()
            assert sorted(names) == sorted(set(names)) and len(names) == 11
    engine.dispose()


# needs a server that accepts any password: the PostgreSQL here trusts local users
@pytest.mark.parametrize("database", [d for d in DATABASES if d == "postgresql"])
def test_a_password_in_the_url_is_never_printed(database):
    url = make_engine(DATABASES["postgresql"]).url.set(password="s3cret-pw")
    shown = url.render_as_string(hide_password=False)
    result = invoke("check", "--url", shown)
    assert result.returncode == 0, result.stderr
    assert "s3cret-pw" not in result.stdout + result.stderr
    assert "***" in result.stdout


def test_no_plaintext_password_reaches_the_head(connection):
    climb(connection, STAGES[-1])
    everything = rows(connection)
    assert "password" not in {c for r in everything["user_account"] for c in r}
    values = {v for table in everything.values() for row in table for v in row.values()}
    assert "secure" not in values


@pytest.mark.parametrize("database", [d for d in DATABASES if d == "sqlite"])
def test_sqlite_migrations_refuse_rows_that_break_a_foreign_key(connection, scratch_url):
    # migrations run with SQLite's foreign keys off (batch rebuilds need it), so
    # env.py checks them itself before COMMIT whenever a run moved rows
    climb(connection, STAGES[1])
    before = snapshot(connection, scratch_url)

    def insert_an_address_of_nobody(ctx, step, heads, run_args):
        ctx.connection.execute(
            text(
                "INSERT INTO email_addresses (email_address, user_id) VALUES ('x@example.com', 99)"
            )
        )

    with pytest.raises(StairwayError, match="foreign keys broken by this migration"):
        move(connection, STAGES[2], on_version_apply=[insert_an_address_of_nobody])
    assert snapshot(connection, scratch_url) == before

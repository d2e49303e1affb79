"""The Invoke tasks, run as a user runs them: `invoke ...` in the project folder."""

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from scripts.stages import STAIRWAY
from sqlalchemy_stairway.check.engines import make_engine
from sqlalchemy_stairway.check.schema import rows, structure
from sqlalchemy_stairway.seeding import rows_at
from tests.conftest import DATABASES, on_databases
from tests.helpers import PROJECT, assert_one_line_error, climb, invoke, stage_of


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
    head = STAIRWAY.head
    before = STAIRWAY.previous(head)
    result = invoke("stage", str(head.number), "--url", url, "--no-lesson")
    assert result.returncode == 0, result.stderr
    assert sqlite_stage(tmp_path / "t.db") == head.revision
    assert str(head) in result.stdout
    with sqlite3.connect(tmp_path / "t.db") as db:
        for table, found in rows_at(STAIRWAY, head).items():
            quoted = f'"{table}"'
            assert db.execute(f"SELECT count(*) FROM {quoted}").fetchone() == (len(found),)
    result = invoke("down", "--url", url, "--yes")
    assert result.returncode == 0, result.stderr
    assert sqlite_stage(tmp_path / "t.db") == before.revision
    result = invoke("up", "--url", url)
    assert result.returncode == 0, result.stderr
    assert sqlite_stage(tmp_path / "t.db") == head.revision


def test_stages_marks_where_the_database_is(tmp_path):
    url = f"sqlite:///{tmp_path / 't.db'}"
    invoke("stage", "2", "--url", url, "--no-lesson")
    result = invoke("stages", "--url", url)
    assert result.returncode == 0
    marked = [line for line in result.stdout.splitlines() if "you are" in line]
    assert len(marked) == 1 and STAIRWAY[2].revision in marked[0]
    # piped: plain text, for grep and diff
    assert not re.search("[\u2500-\u257f]", result.stdout), result.stdout  # no box drawing
    assert all(line == line.rstrip() for line in result.stdout.splitlines())


def test_a_relative_database_url_is_shown_with_the_folder_it_means(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "invoke", "-r", str(PROJECT), "stages"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": "sqlite:///here.db"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0]
    meant = tmp_path.resolve() / "here.db"
    assert first == f"database: sqlite:///here.db (from $DATABASE_URL), the file {meant}"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["stage", "x"], f"stage must be a number from 0 to {STAIRWAY.head.number}, not 'x'"),
        (["stage", str(len(STAIRWAY))], f"there is no stage {len(STAIRWAY)}"),
        (["stage", "-1"], "there is no stage -1"),
        (["stage", "2.5"], "stage must be a number"),
        (["stage", "1", "--url", "nonsense"], "'nonsense' is not a database URL"),
        (["stage", "1", "--url", "foo://x"], "unknown database driver 'foo'"),
        (["stage", "1", "--url", "sqlite:///no/such/folder/t.db"], "does not exist"),
        (["stage", "1", "--url", "sqlite:///t%00.db"], "the file name in the database URL holds"),
        (["stages", "--url", "postgresql+psycopg://u:p%00@h/x"], "the password in the URL"),
        (
            ["stage", "1", "--url", "postgresql+psycopg://root:s3cret@127.0.0.1:1/x"],
            "cannot connect to postgresql+psycopg://root:***@127.0.0.1:1/x",
        ),
        (
            ["stage", "1", "--url", "postgresql+psycopg://root@127.0.0.1:54x32/x"],
            "the port '54x32' in the database URL is not a number",
        ),
        (
            ["stages", "--url", "mysql+pymysql://root@127.0.0.1/x?charset=nonsense"],
            "MariaDB knows no character set 'nonsense'",
        ),
        (["sql", "1", "--dialect", "oracle"], "unknown dialect 'oracle'"),
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


def test_sql_to_a_pipe_is_byte_for_byte_the_golden_file():
    from scripts.golden import GOLDEN

    for stage in STAIRWAY.stages[1:]:
        result = invoke("sql", str(stage.number), "--dialect", "postgresql")
        assert result.returncode == 0, result.stderr
        assert result.stdout == GOLDEN.expected_sql(stage, "postgresql")
    down = invoke("sql", str(STAIRWAY.head.number), "--down", "--dialect", "sqlite")
    assert down.stdout == GOLDEN.expected_sql(STAIRWAY.head, "sqlite", down=True)


def test_sql_for_mariadb_is_the_mysql_sql_mariadb_runs():
    from scripts.golden import GOLDEN

    for stage in STAIRWAY.stages[1:]:
        result = invoke("sql", str(stage.number), "--dialect", "mariadb")
        assert result.returncode == 0, result.stderr
        assert result.stdout == GOLDEN.expected_sql(stage, "mysql")


def test_every_task_names_its_database_and_where_the_url_came_from(tmp_path):
    url = f"sqlite:///{tmp_path / 't.db'}"
    result = invoke("stages", "--url", url)
    assert result.stdout.splitlines()[0] == f"database: {url} (from --url)"
    result = invoke("show", env={"DATABASE_URL": url})
    assert result.stdout.splitlines()[0] == f"database: {url} (from $DATABASE_URL)"
    result = invoke("check", env={"DATABASE_URL": url})
    assert result.stdout.splitlines()[0] == f"database: {url} (from $DATABASE_URL)"


def test_the_default_database_is_the_project_folders_wherever_a_task_runs(tmp_path):
    default = PROJECT / "tutorial.db"
    existed = default.exists()
    elsewhere = PROJECT / "docs"
    before = sorted(elsewhere.iterdir())
    for task in ("stages", "show"):
        result = run_in(elsewhere, task, env={"DATABASE_URL": ""})
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines()[0] == f"database: sqlite:///{default} (the default)"
    # read-only tasks create no file: neither here nor in the project folder
    assert sorted(elsewhere.iterdir()) == before
    assert default.exists() == existed


def test_a_path_the_user_gives_stays_relative_to_where_they_are(tmp_path):
    result = run_in(tmp_path, "stage", "1", "--url", "sqlite:///mine.db", "--no-lesson")
    assert result.returncode == 0, result.stderr
    assert sqlite_stage(tmp_path / "mine.db") == STAIRWAY[1].revision
    assert not (PROJECT / "mine.db").exists()


def test_read_only_tasks_never_create_a_database_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    for task in ("stages", "show"):
        result = invoke(task, "--url", url)
        assert result.returncode == 0, result.stderr
        assert "does not exist yet" in result.stdout
    assert list(tmp_path.iterdir()) == []


def run_in(folder: Path, *args: str, env: dict | None = None):
    """Run `invoke ARGS` from ``folder``, which may be anywhere: the tasks are found by path."""
    import os
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "invoke", "--search-root", str(PROJECT), *args],
        cwd=folder,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # PyMySQL is installed; mysql:// asks for MySQLdb, which is not
        (
            "mysql://root@127.0.0.1/x",
            "asks for the driver 'MySQLdb', which is not installed; "
            "use mysql+pymysql://root@127.0.0.1/x",
        ),
        ("mariadb://root@127.0.0.1/x", "write MariaDB URLs as mysql+pymysql://"),
        ("mariadb+pymysql://root@127.0.0.1/x", "write MariaDB URLs as mysql+pymysql://"),
    ],
)
def test_a_wrong_driver_gets_a_hint_that_works(url, expected):
    result = invoke("stages", "--url", url)
    assert_one_line_error(result, expected)
    assert "[?]" not in result.stderr


def test_no_op_tasks_say_so_and_keep_no_backup(tmp_path):
    url = f"sqlite:///{tmp_path / 't.db'}"
    result = invoke("reset", "--url", url)
    assert "already empty, at stage 0; nothing to do" in result.stdout
    head = STAIRWAY.head
    assert invoke("stage", str(head.number), "--url", url, "--no-lesson").returncode == 0
    said = {
        ("stage", str(head.number), "--no-lesson"): "nothing to do",
        ("up",): f"already at the last stage, {head.number}; nothing to do",
        ("seed",): "is already there; nothing to do",
    }
    for args, expected in said.items():
        result = invoke(*args, "--url", url)
        assert result.returncode == 0, result.stderr
        assert expected in " ".join(result.stdout.split())  # a long title wraps the line
    # a refused downgrade changes nothing either: no backup of it
    refused = invoke("down", "--url", url)
    assert_one_line_error(refused, "would lose", "--yes", "Nothing was changed")
    assert not (tmp_path / "backups").exists()


def test_a_downgrade_in_a_terminal_asks_first(tmp_path):
    import pexpect

    from tests.helpers import screen_text, terminal

    url = f"sqlite:///{tmp_path / 't.db'}"
    head = STAIRWAY.head
    assert invoke("stage", str(head.number), "--url", url, "--no-lesson").returncode == 0
    for answer, status, revision in (
        ("n", 1, head.revision),
        ("y", 0, STAIRWAY.previous(head).revision),
    ):
        child = terminal("down", "--url", url)
        child.expect_exact("Lose them? [y/N]")
        assert f"going from stage {head.number} to stage {head.number - 1} loses" in (
            screen_text(child.before).lower()
        )
        child.send(f"{answer}\r")
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == status
        assert sqlite_stage(tmp_path / "t.db") == revision
    assert len(list((tmp_path / "backups").iterdir())) == 1  # only the run that changed it


def test_show_says_null_and_an_empty_table_in_one_line(tmp_path):
    url = f"sqlite:///{tmp_path / 't.db'}"
    head = STAIRWAY.head
    assert invoke("stage", str(head.number), "--url", url, "--no-lesson").returncode == 0
    child = next(
        t for t in reversed(head.metadata.sorted_tables) if rows_at(STAIRWAY, head).get(t.name)
    )
    with sqlite3.connect(tmp_path / "t.db") as db:
        db.execute(f'DELETE FROM "{child.name}"')
    result = invoke("show", "--url", url)
    assert f"{child.name}: 0 rows" in result.stdout
    lines = result.stdout.splitlines()
    after = lines[lines.index(next(li for li in lines if f"{child.name}: 0 rows" in li)) + 1 :]
    assert not after or after[0].strip() != ""  # no empty table drawn below it
    assert "NULL" in result.stdout.split("rows", 1)[1]  # a value that is NULL says so


def test_lesson_goes_through_a_pager_in_a_terminal(tmp_path):
    import pexpect

    from tests.helpers import terminal

    child = terminal("lesson", "1")
    child.expect_exact("Stage 1")
    child.expect_exact("┌ ")  # the diagram as a picture
    child.send("G")  # less: to the end
    child.expect_exact("Next:")
    child.send("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    piped = invoke("lesson", "1")
    assert piped.returncode == 0 and "erDiagram" not in piped.stdout


def test_walk_climbs_every_stage_and_keeps_every_stage_data(scratch_url):
    url = scratch_url.render_as_string(hide_password=False)
    head = STAIRWAY.head
    result = invoke("walk", "--url", url)
    assert result.returncode == 0, result.stderr
    for stage in STAIRWAY.stages[1:]:
        assert f"Stage {stage.number} of {head.number}: {stage.title}" in result.stdout
    assert f"Done: the database is at stage {head.number}" in result.stdout
    engine = make_engine(scratch_url)
    with engine.connect() as connection:
        found = {table: len(found) for table, found in rows(connection).items()}
    engine.dispose()
    assert found == {table: len(rows) for table, rows in rows_at(STAIRWAY, head).items()}
    # a second walk has nothing left to climb, and says how to walk again
    result = invoke("walk", "--url", url)
    assert result.returncode == 0, result.stderr
    assert f"at the last stage, {head.number}: the walk is over" in result.stdout
    assert "invoke walk --from 1" in result.stdout and "invoke walk --reset" in result.stdout


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
    for stage in STAIRWAY.stages[1:]:
        assert f"stage {stage.number}: after downgrade: every row restored" in result.stdout
    assert named_database() == before


# a server that checks passwords: the MariaDB here refuses a wrong one
@pytest.mark.parametrize("database", on_databases("mariadb"))
def test_a_wrong_password_is_refused_and_never_printed(database):
    url = make_engine(DATABASES[database]).url.set(username="stairway_nobody", password="s3cret")
    result = invoke("stage", "1", "--url", url.render_as_string(hide_password=False))
    assert_one_line_error(result, "cannot connect to", "stairway_nobody:***@", "Access denied")
    assert "s3cret" not in result.stdout + result.stderr


# needs a server that accepts any password: the PostgreSQL here trusts local users
@pytest.mark.parametrize("database", on_databases("postgresql"))
def test_a_password_in_the_url_is_never_printed(database):
    url = make_engine(DATABASES["postgresql"]).url.set(password="s3cret-pw")
    shown = url.render_as_string(hide_password=False)
    result = invoke("check", "--url", shown)
    assert result.returncode == 0, result.stderr
    assert "s3cret-pw" not in result.stdout + result.stderr
    assert "***" in result.stdout


def test_a_database_of_another_application_is_pointed_out_when_read(tmp_path):
    path = tmp_path / "theirs.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    for task in ("stages", "show"):
        result = invoke(task, env={"DATABASE_URL": f"sqlite:///{path}"})
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert lines[0].endswith("(from $DATABASE_URL)")
        assert "never migrated by this project" in lines[1] and "invoices" in lines[1]


@pytest.mark.parametrize("project", ["trace_index", "correct_renames"])
def test_check_config_gives_stairway_checks_verdict_on_another_project(project, tmp_path):
    from sqlalchemy_stairway.check.project import Project
    from sqlalchemy_stairway.check.project_checks import check_project
    from tests.corpus.chain import CORPUS

    ini = CORPUS / project / "alembic.ini"
    url = f"sqlite:///{tmp_path / 'server.db'}"
    result = invoke("check", "--config", str(ini), "--url", url)
    report = check_project(Project(ini), [url], use_squawk=False)
    assert result.returncode == report.exit_status, result.stdout + result.stderr
    shown = [line for line in result.stdout.splitlines() if line.startswith("defect: ")]
    assert [line.split("  (reproduce")[0] for line in shown] == [
        f"defect: {r.summary}" for r in report.defects
    ]


def test_a_failed_move_says_which_stage_the_database_is_at(scratch_url, connection):
    """Stage 2 → 4 where stage 4 refuses a name: only what was committed is announced."""
    url = scratch_url.render_as_string(hide_password=False)
    climb(connection, STAIRWAY[2])
    with connection.begin():
        connection.execute(
            text("UPDATE users SET user_name = :name WHERE user_id = 1"), {"name": "x" * 35}
        )
    result = invoke("stage", "4", "--url", url, "--no-lesson")
    assert_one_line_error(result, "user names longer than 30 characters")
    if connection.dialect.name == "mysql":
        # MariaDB cannot roll DDL back: 0003 stays done, and both outputs say so
        assert stage_of(connection) == STAIRWAY[3]
        assert "→ stage 3" in result.stdout and "stage 4" not in result.stdout
        assert f"the database is at {STAIRWAY[3]} now" in result.stderr
        assert "Nothing was changed" not in result.stderr
    else:
        assert stage_of(connection) == STAIRWAY[2]
        assert "→" not in result.stdout
        assert result.stderr.strip().endswith("Nothing was changed.")


# -- what a database is, said truly ---------------------------------------------


def state(url) -> tuple:
    """What a database holds: every table's columns and rows, and its stamp if any."""
    engine = make_engine(url)
    with engine.connect() as connection:
        found = (structure(connection), rows(connection))
    engine.dispose()
    return found


def execute(url, *statements: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)
    engine.dispose()


def test_two_stamped_revisions_are_one_clear_line_from_every_task(scratch_url):
    url = scratch_url.render_as_string(hide_password=False)
    assert invoke("stage", "2", "--url", url, "--no-lesson").returncode == 0
    execute(scratch_url, "INSERT INTO alembic_version (version_num) VALUES ('0001')")
    before = state(scratch_url)
    for args in (["stages"], ["show"], ["up"], ["down", "--yes"], ["seed"], ["reset", "--yes"]):
        result = invoke(*args, "--url", url)
        assert_one_line_error(
            result,
            "alembic_version holds 2 revisions, 0001 and 0002",
            "its tables are those of stage 2",
            "alembic stamp --purge 0002",
        )
        assert state(scratch_url) == before, args


VERSION_TABLE = "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"


def test_a_stamp_without_its_tables_is_no_stage_at_all(scratch_url):
    url = scratch_url.render_as_string(hide_password=False)
    execute(scratch_url, VERSION_TABLE, "INSERT INTO alembic_version VALUES ('0003')")
    before = state(scratch_url)
    for args in (["stages"], ["show"], ["up"]):
        result = invoke(*args, "--url", url)
        assert_one_line_error(
            result,
            "stamped at stage 3 (0003), but none of its tables is there",
            "invoke reset --yes",
        )
        assert "you are here" not in result.stdout
    assert state(scratch_url) == before


def another_applications_database(url) -> None:
    execute(
        url,
        "CREATE TABLE customers (id INTEGER PRIMARY KEY, name VARCHAR(40))",
        "CREATE TABLE invoices (id INTEGER PRIMARY KEY, customer INTEGER)",
        "INSERT INTO customers (id, name) VALUES (1, 'Acme')",
        "INSERT INTO invoices (id, customer) VALUES (7, 1)",
    )


def test_another_applications_database_is_named_when_read(scratch_url):
    url = scratch_url.render_as_string(hide_password=False)
    another_applications_database(scratch_url)
    for task in ("stages", "show"):
        result = invoke(task, "--url", url)
        assert result.returncode == 0, result.stderr
        said = result.stdout.splitlines()[1]
        assert "not the tutorial's" in said and "customers, invoices" in said
        assert "stage 0" not in result.stdout and "you are here" not in result.stdout


def test_tasks_that_change_data_refuse_another_applications_database(scratch_url):
    url = scratch_url.render_as_string(hide_password=False)
    another_applications_database(scratch_url)
    before = state(scratch_url)
    changing = (["stage", "1"], ["stage", "0"], ["up"], ["down", "--yes"], ["seed"],
                ["reset", "--yes"], ["walk", "--reset"])  # fmt: skip
    for args in changing:
        result = invoke(*args, "--url", url)
        assert_one_line_error(
            result, "not the tutorial's", "the tables customers, invoices", "another database"
        )
        assert state(scratch_url) == before, args


def test_show_reads_only_the_rows_it_shows(scratch_url, capsys):
    from invoke import Context
    from sqlalchemy import Engine, event, text

    import tasks

    url = scratch_url.render_as_string(hide_password=False)
    assert invoke("stage", "1", "--url", url, "--no-lesson").returncode == 0
    engine = make_engine(scratch_url)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO users (user_name) VALUES (:name)"),
            [{"name": f"user {n}"} for n in range(10_000)],
        )
        total = connection.execute(text("SELECT count(*) FROM users")).scalar_one()
    engine.dispose()
    reads: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        said = " ".join(statement.split())
        if said.upper().startswith("SELECT") and " FROM users" in said and "count(" not in said:
            reads.append(said)

    event.listen(Engine, "before_cursor_execute", note)
    try:
        tasks.show(Context(), url=url)
    finally:
        event.remove(Engine, "before_cursor_execute", note)
    assert f"{total - 12} more rows" in capsys.readouterr().out
    assert reads and all(" LIMIT " in s.upper() for s in reads), reads

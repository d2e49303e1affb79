"""The checker's engine on chains that fail: every revision reached, never a traceback."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy

from sqlalchemy_stairway.check import cli, project_checks
from sqlalchemy_stairway.check.hooks import hooks_file, load_hooks
from sqlalchemy_stairway.check.project import Project
from sqlalchemy_stairway.check.project_checks import check_project
from sqlalchemy_stairway.check.results import FAILED, PASSED, SKIPPED, WARNING
from sqlalchemy_stairway.check.schema import structure
from tests.check_projects import CONNECT_ENV, CREATE_ITEMS, make_project
from tests.conftest import DATABASES, on_databases

ITEMS_MODELS = """
from sqlalchemy import Column, Integer, MetaData, String, Table

target_metadata = MetaData()
Table("items", target_metadata, Column("id", Integer, primary_key=True),
      Column("name", String(40), nullable=False){extra})
"""

# each upgrade writes a line here: how often a revision ran is the cost of the walk
LOGGED = """
from pathlib import Path
with open(Path(__file__).parent.parent / "runs.log", "a") as log:
    log.write(revision + "\\n")
"""


def server(database: str, tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/server.db" if database == "sqlite" else DATABASES[database]


def run_check(ini: Path, url: str):
    project = Project(ini)
    return check_project(
        project, [url], load_hooks(hooks_file(project.ini, None)), use_squawk=False
    )


def statuses(report, check: str) -> dict[str, str]:
    return {r.revision: r.status for r in report.results if r.check == check}


def lines(report, check: str, revision: str) -> str:
    return " ".join(
        line
        for r in report.results
        if (r.check, r.revision) == (check, revision)
        for line in r.lines
    )


def stairway(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sqlalchemy_stairway.check.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def failing_chain(folder: Path) -> Path:
    """A chain where each kind of failure happens once, with a revision above each."""
    return make_project(
        folder,
        [
            (
                "0001",
                None,
                CREATE_ITEMS,
                'raise RuntimeError("Base revision, no downgrade is possible")',
            ),
            (
                "0002",
                "0001",
                'op.add_column("items", sa.Column("note", sa.Text))',
                "raise NotImplementedError()",
            ),
            (
                "0003",
                "0002",
                """
                if op.get_bind().execute(sa.text("SELECT count(*) FROM items")).scalar():
                    raise RuntimeError("items must be empty")
                op.create_table("tags", sa.Column("id", sa.Integer, primary_key=True))
                """,
                'op.drop_table("tags")',
            ),
            ("0004", "0003", 'op.execute("INSERT INTO nowhere VALUES (1)")', ""),
            (
                "0005",
                "0004",
                'op.create_table("t5", sa.Column("id", sa.Integer, primary_key=True))',
                'op.drop_table("t5")',
            ),
        ],
        models=ITEMS_MODELS.format(extra=', Column("note", Text)').replace(
            "String,", "String, Text,"
        ),
    )


def test_every_revision_is_reached_whatever_failed_below(tmp_path):
    report = run_check(failing_chain(tmp_path / "project"), server("sqlite", tmp_path))
    downgrades = statuses(report, "downgrade")
    # a downgrade that refuses is one-way: a warning, and the walk goes on
    assert downgrades["0001"] == WARNING
    assert "Base revision, no downgrade is possible" in lines(report, "downgrade", "0001")
    assert downgrades["0002"] == WARNING
    assert "NotImplementedError" in lines(report, "downgrade", "0002")
    # reached from a database at 0002 although 0002's downgrade raised
    assert statuses(report, "upgrade-with-data")["0003"] == FAILED
    assert "items must be empty" in lines(report, "upgrade-with-data", "0003")
    # reached from a database at 0003 although 0003 failed with rows
    assert statuses(report, "upgrade")["0004"] == FAILED
    assert "RuntimeError" not in lines(report, "upgrade", "0004")
    assert "nowhere" in lines(report, "upgrade", "0004")
    assert statuses(report, "upgrade")["0005"] == SKIPPED
    assert lines(report, "upgrade", "0005") == "not reached: 0004 below it does not upgrade"
    assert report.exit_status == 1


@pytest.mark.database
def test_a_chain_of_failures_costs_its_length_not_its_square(database, tmp_path):
    """Each revision's downgrade refuses, so each next one starts from a copy at its parent."""
    revisions = [("0001", None, CREATE_ITEMS + LOGGED, "raise NotImplementedError()")]
    for number in range(2, 9):
        rid, parent = f"{number:04}", f"{number - 1:04}"
        column = f'op.add_column("items", sa.Column("c{number}", sa.Integer))'
        revisions.append((rid, parent, column + LOGGED, "raise NotImplementedError()"))
    extra = "".join(f', Column("c{n}", Integer)' for n in range(2, 9))
    folder = tmp_path / "project"
    report = run_check(
        make_project(folder, revisions, models=ITEMS_MODELS.format(extra=extra)),
        server(database, tmp_path),
    )
    assert report.defects == []
    assert set(statuses(report, "downgrade").values()) == {WARNING}
    assert set(statuses(report, "upgrade").values()) == {PASSED}
    assert statuses(report, "models-match") == {"0008": PASSED}
    runs = (folder / "runs.log").read_text().split()
    # once in `upgrade heads`, once on the working database, once on the spine it is
    # copied from, once for `upgrade --sql`; replaying the chain for each revision
    # would run 0001 eleven times
    assert max(runs.count(rid) for rid, *_ in revisions) <= 4, runs


MISSING_OWNERS = """
op.execute(
    "CREATE TABLE items (id INTEGER PRIMARY KEY, owner_id INTEGER REFERENCES owners (id))"
)
"""


def test_failures_in_the_projects_code_are_findings_not_tracebacks(tmp_path):
    models = """
    from sqlalchemy import Column, Index, Integer, MetaData, String, Table

    metadata = MetaData()
    items = Table("items", metadata, Column("id", Integer, primary_key=True),
                  Column("owner_id", Integer), Column("name", String(40)))
    # one name declared twice, on two columns: create_all() fails (twice alike is
    # a warning, compared once: tests/test_project_checks.py)
    Index("ix_items_name", items.c.name)
    Index("ix_items_name", items.c.owner_id)
    target_metadata = [metadata, "not a MetaData"]
    """
    ini = make_project(
        tmp_path / "project",
        [
            # SQLite accepts a foreign key to a table that does not exist; reading it back raises
            (
                "0001",
                None,
                MISSING_OWNERS,
                'op.drop_table("items")',
            ),
            (
                "0002",
                "0001",
                'op.add_column("items", sa.Column("name", sa.String(40)))\n'
                'op.create_index("ix_items_name", "items", ["name"])',
                'op.drop_index("ix_items_name", "items")\nop.drop_column("items", "name")',
            ),
        ],
        models=models,
    )
    result = stairway("check", "--config", str(ini), "--url", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    defects = [line for line in result.stdout.splitlines() if line.startswith("defect: ")]
    [filling] = [line for line in defects if "generated-rows" in line]
    assert filling.startswith("defect: 0002 [sqlite] generated-rows: ")
    assert "NoSuchTableError" in filling and "owners" in filling
    assert "(reproduce: stairway check --config" in filling
    models_lines = [line for line in defects if "models-match" in line]
    assert any("not a MetaData" in line for line in models_lines), models_lines
    # SQLAlchemy 2.0 keeps one of two indexes of the same name; 2.1's create_all() emits both
    if tuple(int(part) for part in sqlalchemy.__version__.split(".")[:2]) >= (2, 1):
        assert any(
            "the models cannot be compared" in line and "ix_items_name" in line
            for line in models_lines
        ), models_lines
    # the revision after the unreadable table is still checked
    assert "0002 [sqlite] downgrade-schema" not in result.stdout


def test_a_failure_of_the_tool_itself_exits_3_in_one_line(tmp_path, monkeypatch, capsys):
    ini = make_project(
        tmp_path / "project", [("0001", None, CREATE_ITEMS, 'op.drop_table("items")')]
    )

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("sqlalchemy_stairway.check.project_checks.check_project", broken)
    assert cli.main(["check", "--config", str(ini), "--url", str(tmp_path)]) == 3
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("internal error: ZeroDivisionError: division by zero at ")
    assert "report it" in line


def test_a_revisions_print_does_not_corrupt_json(tmp_path):
    ini = make_project(
        tmp_path / "project",
        [("0001", None, CREATE_ITEMS + '\nprint("hello from 0001")', 'op.drop_table("items")')],
        models=ITEMS_MODELS.format(extra=""),
    )
    result = stairway(
        "check", "--config", str(ini), "--url", str(tmp_path), "--format", "json", cwd=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["exit_status"] == 0
    assert "hello from 0001" in result.stderr
    # progress is for a person at a terminal, not for a log
    assert "revision 1 of" not in result.stderr


def test_at_a_terminal_progress_says_dialect_revision_and_time(tmp_path):
    import pexpect

    ini = make_project(
        tmp_path / "project",
        [
            ("0001", None, CREATE_ITEMS, 'op.drop_table("items")'),
            (
                "0002",
                "0001",
                'op.add_column("items", sa.Column("note", sa.Text))',
                'op.drop_column("items", "note")',
            ),
        ],
    )
    child = pexpect.spawn(
        sys.executable,
        [
            "-m",
            "sqlalchemy_stairway.check.cli",
            "check",
            "--config",
            str(ini),
            "--url",
            str(tmp_path),
        ],
        cwd=tmp_path,
        encoding="utf-8",
        timeout=120,
    )
    shown = child.read()
    child.close()
    assert re.search(r"sqlite: revision 1 of 2 \(0001\), \d+s", shown), shown
    assert re.search(r"sqlite: revision 2 of 2 \(0002\), \d+s", shown), shown
    # the report follows on a line of its own
    assert re.search(r"\nproject: \d+ defect\(s\)", shown), shown


def a_project_with_an_index_on_an_expression(folder: Path) -> Path:
    """items, with an index on lower(name) in the revision and the models alike."""
    index = 'Index("ix_items_lower_name", func.lower(target_metadata.tables["items"].c.name))'
    create = 'op.create_index("ix_items_lower_name", "items", [sa.text("lower(name)")])'
    drop = 'op.drop_index("ix_items_lower_name", table_name="items")\nop.drop_table("items")'
    return make_project(
        folder,
        [("0001", None, CREATE_ITEMS + create, drop)],
        models=ITEMS_MODELS.format(extra="") + f"from sqlalchemy import Index, func\n{index}\n",
    )


NOT_COMPARED = (
    "note: the database cannot read back indexes on expressions, so these were not compared: "
    "ix_items_lower_name"
)


def test_indexes_on_expressions_sqlite_cannot_read_back_are_named_in_one_line(tmp_path):
    ini = a_project_with_an_index_on_an_expression(tmp_path / "project")
    result = stairway("check", "--config", str(ini), "--url", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    # neither SQLAlchemy's warning nor Alembic's, each from every place that reflects
    assert result.stderr.splitlines() == [NOT_COMPARED]


def test_servers_checked_side_by_side_name_them_in_the_one_line_too(tmp_path):
    # each server's walk runs in a process of its own, which gathers what it skipped
    ini = a_project_with_an_index_on_an_expression(tmp_path / "project")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    urls = ["--url", str(tmp_path / "a"), "--url", str(tmp_path / "b"), "--jobs", "2"]
    result = stairway("check", "--config", str(ini), *urls, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr.splitlines() == [NOT_COMPARED]


def test_at_a_terminal_the_note_has_a_line_of_its_own_after_the_progress(tmp_path):
    import pexpect

    ini = a_project_with_an_index_on_an_expression(tmp_path / "project")
    command = ["-m", "sqlalchemy_stairway.check.cli", "check", "--config", str(ini)]
    child = pexpect.spawn(
        sys.executable,
        [*command, "--url", str(tmp_path)],
        cwd=tmp_path,
        encoding="utf-8",
        timeout=120,
    )
    shown = child.read()
    child.close()
    assert f"\r\x1b[K{NOT_COMPARED}\r\n" in shown, shown  # the progress line cleared first


def test_several_servers_side_by_side_give_what_one_after_the_other_gives(tmp_path):
    ini = make_project(
        tmp_path / "project",
        [("0001", None, CREATE_ITEMS + '\nprint("hello from 0001")', 'op.drop_table("items")')],
        models=ITEMS_MODELS.format(extra=""),
    )
    servers = []
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        servers += ["--url", str(tmp_path / name)]
    outputs = []
    for jobs in ("1", "2"):
        result = stairway(
            "check",
            "--config",
            str(ini),
            *servers,
            "--jobs",
            jobs,
            "--format",
            "json",
            cwd=tmp_path,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        # the workers' stdout is kept clean too
        assert "hello from 0001" in result.stderr
        outputs.append(json.loads(result.stdout)["results"])
    one_after_the_other, side_by_side = outputs
    assert side_by_side == one_after_the_other
    assert [r["status"] for r in side_by_side if r["check"] == "reupgrade"] == [PASSED, PASSED]


LEGACY_CHAIN = [
    # the first revision changes a table made before the project used Alembic
    (
        "0001",
        None,
        'op.add_column("legacy", sa.Column("note", sa.Text))',
        'op.drop_column("legacy", "note")',
    ),
    ("0002", "0001", CREATE_ITEMS, 'op.drop_table("items")'),
    (
        "0003",
        "0002",
        'op.create_index("ix_items_name", "items", ["name"])',
        'op.drop_index("ix_items_name", "items")',
    ),
]
LEGACY_MODELS = """
from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Text

target_metadata = MetaData()
Table("legacy", target_metadata, Column("id", Integer, primary_key=True), Column("note", Text))
items = Table("items", target_metadata, Column("id", Integer, primary_key=True),
              Column("name", String(40), nullable=False))
Index("ix_items_name", items.c.name)
"""


def test_without_a_starting_schema_the_first_revision_fails(tmp_path):
    report = run_check(
        make_project(tmp_path / "p", LEGACY_CHAIN, models=LEGACY_MODELS), server("sqlite", tmp_path)
    )
    assert statuses(report, "upgrade")["0001"] == FAILED
    assert "legacy" in lines(report, "upgrade", "0001")


def test_a_starting_schema_built_by_a_hook_lets_the_chain_run(tmp_path):
    hooks = """
    def starting_schema(connection):
        connection.exec_driver_sql("CREATE TABLE legacy (id INTEGER NOT NULL PRIMARY KEY)")
    """
    ini = make_project(tmp_path / "p", LEGACY_CHAIN, models=LEGACY_MODELS, hooks=hooks)
    report = run_check(ini, server("sqlite", tmp_path))
    assert report.defects == [], [r.summary for r in report.defects]
    assert statuses(report, "upgrade") == {"0001": PASSED, "0002": PASSED, "0003": PASSED}
    assert statuses(report, "models-match") == {"0003": PASSED}


@pytest.mark.database
def test_a_starting_schema_at_a_revision_is_stamped_and_checked_above(database, tmp_path):
    hooks = """
    from sqlalchemy import Column, Integer, MetaData, String, Table, Text

    def starting_schema(connection):
        # the application's own create_all, with its models as they were at 0002
        metadata = MetaData()
        Table("legacy", metadata, Column("id", Integer, primary_key=True), Column("note", Text))
        Table("items", metadata, Column("id", Integer, primary_key=True),
              Column("name", String(40), nullable=False))
        metadata.create_all(connection)
        return "0002"
    """
    models = LEGACY_MODELS.replace('Index("ix_items_name", items.c.name)', "")
    chain = [
        *LEGACY_CHAIN[:2],
        (
            LEGACY_CHAIN[2][0],
            "0002",
            'op.add_column("items", sa.Column("size", sa.Integer))',
            'op.drop_column("items", "size")',
        ),
    ]
    models = models.replace(
        'Column("name", String(40), nullable=False))',
        'Column("name", String(40), nullable=False), Column("size", Integer))',
    )
    ini = make_project(tmp_path / "p", chain, models=models, hooks=hooks)
    report = run_check(ini, server(database, tmp_path))
    assert report.defects == [], [r.summary for r in report.defects]
    assert statuses(report, "upgrade") == {"0001": SKIPPED, "0002": SKIPPED, "0003": PASSED}
    assert "starting schema is at 0002" in lines(report, "upgrade", "0001")
    assert statuses(report, "downgrade") == {"0003": PASSED}
    assert set(statuses(report, "models-match").values()) == {PASSED}


@pytest.mark.database
def test_a_revision_reading_through_a_second_connection_is_not_locked_out(
    database, tmp_path, monkeypatch
):
    """JupyterHub's and Buildbot's revisions read the schema through ``op.get_bind().engine``.

    That opens a second connection while the checker's holds the revision's
    transaction: on SQLite it must read, not wait for the write lock.
    """
    monkeypatch.setenv("STAIRWAY_LOCK_TIMEOUT", "2")
    reads = """
    tables = sa.inspect(op.get_bind().engine).get_table_names()
    if "items" in tables:
        op.add_column("items", sa.Column("note", sa.Text))
    """
    # JupyterHub's env.py: .connect() on the connection it is handed, a transaction
    # per revision (the second connection sees what the revisions below committed)
    env = CONNECT_ENV.replace("{key}", "connection").replace(
        "target_metadata=target_metadata)\n        with",
        "target_metadata=target_metadata,\n"
        "                          transaction_per_migration=True)\n        with",
    )
    assert "transaction_per_migration" in env
    ini = make_project(
        tmp_path / "project",
        [
            ("0001", None, CREATE_ITEMS, 'op.drop_table("items")'),
            ("0002", "0001", reads, 'op.drop_column("items", "note")'),
        ],
        env=env,
        models=ITEMS_MODELS.format(extra=', Column("note", Text)').replace(
            "String,", "String, Text,"
        ),
    )
    report = run_check(ini, server(database, tmp_path))
    assert report.defects == [], [r.summary for r in report.defects]
    assert statuses(report, "downgrade-schema") == {"0001": PASSED, "0002": PASSED}
    assert statuses(report, "models-match") == {"0002": PASSED}


@pytest.mark.parametrize(
    ("hook", "revision"),
    [("starting_schema", "0001"), ("hand_url", "env.py"), ("before_revision", "0002")],
)
def test_a_hook_that_raises_is_a_finding_not_an_internal_error(hook, revision, tmp_path):
    """The hooks file is the project's code: its failure is reported like a revision's."""
    body = (
        "    raise ValueError('the settings file is missing\\nsettings.toml not found')\n"
        if hook != "before_revision"
        else "    if revision == '0002':\n        raise ValueError('settings.toml not found')\n"
    )
    arguments = "connection, revision" if hook == "before_revision" else "*args"
    hooks = f"def {hook}({arguments}):\n{body}"
    ini = make_project(
        tmp_path / "project",
        [
            ("0001", None, CREATE_ITEMS, 'op.drop_table("items")'),
            (
                "0002",
                "0001",
                'op.add_column("items", sa.Column("note", sa.Text))',
                'op.drop_column("items", "note")',
            ),
        ],
        hooks=hooks,
    )
    result = stairway("check", "--config", str(ini), "--url", str(tmp_path), cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output and "internal error" not in output
    [line] = [line for line in result.stdout.splitlines() if " hooks: " in line]
    assert line.startswith(f"defect: {revision} [sqlite] hooks: "), line
    assert f"the hooks file's {hook}() raised ValueError: settings.toml not found" in line
    assert "(reproduce: stairway check --config" in line


# before each revision's fill, how many rows each table holds: written to a file beside it
COUNTING_HOOKS = """
import json
from pathlib import Path

import sqlalchemy as sa

SEEN = Path(__file__).with_name("seen.json")


def before_revision(connection, revision):
    seen = json.loads(SEEN.read_text()) if SEEN.exists() else {}
    tables = sa.inspect(connection).get_table_names()
    seen[revision] = {
        t: connection.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar()
        for t in tables
        if t != "alembic_version"
    }
    SEEN.write_text(json.dumps(seen))
"""


def test_a_table_gets_new_rows_only_when_its_shape_is_new(database, tmp_path):
    """Rows do not pile up in a table the revisions leave alone: each reads them all back."""
    ini = make_project(
        tmp_path / "project",
        [
            ("0001", None, CREATE_ITEMS, 'op.drop_table("items")'),
            (
                "0002",
                "0001",
                'op.create_table("things", sa.Column("id", sa.Integer, primary_key=True))',
                'op.drop_table("things")',
            ),
            (
                "0003",
                "0002",
                'op.add_column("things", sa.Column("size", sa.Integer))',
                'op.drop_column("things", "size")',
            ),
            ("0004", "0003", 'op.execute("UPDATE items SET name = name")', ""),
            ("0005", "0004", 'op.execute("UPDATE items SET name = name")', ""),
        ],
        models=ITEMS_MODELS.format(extra=""),
        hooks=COUNTING_HOOKS,
    )
    run_check(ini, server(database, tmp_path))
    seen = json.loads((ini.parent / "seen.json").read_text())
    # items is filled once, before 0002; things when it is made and when 0003 reshapes it
    assert seen["0003"] == {"items": 3, "things": 0}
    assert seen["0004"] == {"items": 3, "things": 3}
    assert seen["0005"] == {"items": 3, "things": 6}


@pytest.mark.parametrize("database", on_databases())
def test_rows_a_downgrade_loses_or_changes_are_found_where_others_are_not_read_again(
    database, tmp_path
):
    # PostgreSQL reads rows found as they were (each table's digest) only once: a
    # downgrade that loses a row or changes a value must still be found, in the same words
    first, last = "(SELECT min(id) FROM items)", "(SELECT max(id) FROM items)"
    chain = [
        ("0001", None, CREATE_ITEMS, 'op.drop_table("items")'),
        (
            "0002",
            "0001",
            'op.add_column("items", sa.Column("note", sa.Text))',
            'op.drop_column("items", "note")',
        ),
        (
            "0003",
            "0002",
            "",
            f'op.execute("DELETE FROM items WHERE id = {first}")',
        ),
        (
            "0004",
            "0003",
            "",
            f"""op.execute("UPDATE items SET name = 'changed' WHERE id = {last}")""",
        ),
    ]
    models = ITEMS_MODELS.format(extra=', Column("note", Text)').replace("String,", "String, Text,")
    report = run_check(
        make_project(tmp_path / "p", chain, models=models), server(database, tmp_path)
    )
    assert statuses(report, "downgrade-data") == {
        "0001": PASSED,
        "0002": PASSED,
        "0003": FAILED,
        "0004": FAILED,
    }
    assert re.search(r"items: \d+ rows before, \d+ after", lines(report, "downgrade-data", "0003"))
    assert "-> 'changed'" in lines(report, "downgrade-data", "0004")
    assert statuses(report, "downgrade-schema") == dict.fromkeys(
        ["0001", "0002", "0003", "0004"], PASSED
    )


@pytest.mark.parametrize("database", on_databases())
def test_the_tables_are_reflected_again_only_when_the_structure_changed(
    database, tmp_path, monkeypatch
):
    reflected = []
    reflect = project_checks.Walk.reflect

    def spy(walk):
        metadata = reflect(walk)
        reflected.append(dict(metadata.tables))  # the Table objects the generator gets
        return metadata

    monkeypatch.setattr(project_checks.Walk, "reflect", spy)
    chain = [
        ("0001", None, CREATE_ITEMS, 'op.drop_table("items")'),
        ("0002", "0001", "op.execute(\"UPDATE items SET name = 'x'\")", ""),  # data only
        (
            "0003",
            "0002",
            'op.add_column("items", sa.Column("note", sa.Text))',
            'op.drop_column("items", "note")',
        ),
        ("0004", "0003", "", ""),
    ]
    models = ITEMS_MODELS.format(extra=', Column("note", Text)').replace("String,", "String, Text,")
    report = run_check(
        make_project(tmp_path / "p", chain, models=models), server(database, tmp_path)
    )
    assert statuses(report, "generated-rows") == {}  # every table filled before each revision
    assert set(statuses(report, "reupgrade").values()) == {PASSED}
    before_0002, before_0003, before_0004 = reflected
    assert before_0003["items"] is before_0002["items"], "a data-only revision reflected again"
    assert before_0004["items"] is not before_0003["items"]
    assert "note" in before_0004["items"].c


def test_only_the_tables_that_changed_and_those_that_refer_to_them_are_reflected_again():
    from sqlalchemy_stairway.check.project_checks import _to_reflect_again

    def table(*refers_to):
        return {
            "columns": {},
            "foreign keys": [("fk", ("x",), t, ("id",), None) for t in refers_to],
        }

    then = {"tables": {"a": table(), "b": table("a"), "c": table("b"), "d": table()}}
    now = {
        "tables": {**then["tables"], "a": {**table(), "columns": {"n": "INTEGER"}}, "e": table()}
    }
    assert _to_reflect_again(then, now) == {"a", "b", "c", "e"}  # d stays as it was
    assert _to_reflect_again({**then, "types": [("t", ("x",))]}, now) is None  # an enum changed


@pytest.mark.parametrize("database", on_databases("postgresql"))
def test_on_postgresql_only_the_tables_whose_rows_changed_are_read_again(
    database, tmp_path, monkeypatch
):
    reads: dict[str, int] = {}
    raw_rows = project_checks.raw_rows

    def spy(connection, found):
        for table in found["tables"]:
            reads[table] = reads.get(table, 0) + 1
        return raw_rows(connection, found)

    monkeypatch.setattr(project_checks, "raw_rows", spy)
    chain = [
        (
            "0001",
            None,
            CREATE_ITEMS + 'op.create_table("tags", sa.Column("id", sa.Integer, primary_key=True))',
            'op.drop_table("tags")\nop.drop_table("items")',
        ),
        (
            "0002",
            "0001",
            "",
            'op.execute("DELETE FROM items WHERE id = (SELECT min(id) FROM items)")',
        ),
    ]
    models = (
        ITEMS_MODELS.format(extra="")
        + 'Table("tags", target_metadata, Column("id", Integer, primary_key=True))\n'
    )
    report = run_check(
        make_project(tmp_path / "p", chain, models=models), server(database, tmp_path)
    )
    assert statuses(report, "downgrade-data") == {"0001": PASSED, "0002": FAILED}
    assert reads["tags"] < reads["items"]  # the lost row is in items; tags was read less


@pytest.mark.parametrize("database", on_databases("sqlite", "postgresql"))
def test_a_structure_read_table_by_table_is_the_structure_read_in_full(connection, tmp_path):
    """The walk reads again only the tables whose digest changed, and those that refer to them."""
    walk = project_checks.Walk(
        Project(make_project(tmp_path / "project", [])),
        connection.engine.url,
        load_hooks(None),
        project_checks.Report("project"),
        use_squawk=False,
    )
    walk.connection = connection
    changes = [
        "CREATE TABLE parent (id INTEGER PRIMARY KEY, name VARCHAR(10))",
        # its foreign key names no column: the column is read off the parent
        "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent)",
        "CREATE TABLE other (id INTEGER PRIMARY KEY)",
        "ALTER TABLE parent RENAME COLUMN id TO parent_key",
        "ALTER TABLE other ADD COLUMN n INTEGER",
        "CREATE UNIQUE INDEX ix_other_n ON other (n)",
        "DROP TABLE other",
    ]
    for change in changes:
        connection.execute(sqlalchemy.text(change))
        connection.commit()
        assert walk.known_structure() == structure(connection), change
        connection.rollback()

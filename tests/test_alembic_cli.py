"""Alembic on its own: `alembic upgrade/downgrade/history/check` from the project folder."""

import pytest
from sqlalchemy import URL, inspect, text

from scripts.stages import STAGES, STAIRWAY
from sqlalchemy_stairway.check.engines import make_engine
from tests.conftest import on_databases
from tests.helpers import PROJECT, alembic, invoke
from tests.helpers import stage_of as stage_at


def stage_of(url: URL | str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return stage_at(connection).number
    finally:
        engine.dispose()


def test_upgrade_downgrade_check_on_every_database(scratch_url):
    url = scratch_url.render_as_string(hide_password=False)
    middle = STAIRWAY[len(STAIRWAY) // 2]
    result = alembic("-x", f"url={url}", "upgrade", middle.revision)
    assert result.returncode == 0, result.stderr
    assert stage_of(scratch_url) == middle.number
    result = alembic("-x", f"url={url}", "downgrade", "-1")
    assert result.returncode == 0, result.stderr
    assert stage_of(scratch_url) == middle.number - 1
    result = alembic("-x", f"url={url}", "check")
    assert result.returncode != 0  # not at head: alembic check refuses
    assert "Target database is not up to date" in result.stderr
    assert alembic("-x", f"url={url}", "upgrade", "head").returncode == 0
    result = alembic("-x", f"url={url}", "check")
    assert result.returncode == 0, result.stderr
    assert "No new upgrade operations detected" in result.stdout


def test_history_lists_every_stage_in_order():
    result = alembic("history")
    assert result.returncode == 0
    lines = result.stdout.strip().splitlines()
    expected = [
        f"{STAIRWAY.previous(s).revision or '<base>'} -> {s.revision}"
        + (" (head)" if s == STAIRWAY.head else "")
        for s in reversed(STAGES[1:])
    ]
    assert [line.split(",")[0] for line in lines] == expected


def test_x_url_wins_over_database_url(tmp_path):
    from_x, from_env = tmp_path / "x.db", tmp_path / "env.db"
    env = {"DATABASE_URL": f"sqlite:///{from_env}"}
    assert alembic("-x", f"url=sqlite:///{from_x}", "upgrade", "+1", env=env).returncode == 0
    assert stage_of(f"sqlite:///{from_x}") == 1
    assert not from_env.exists()
    assert alembic("upgrade", "+2", env=env).returncode == 0
    assert stage_of(f"sqlite:///{from_env}") == 2


def test_a_downgrade_that_loses_data_asks_first(tmp_path):
    url = f"sqlite:///{tmp_path / 't.db'}"
    head = STAIRWAY.head
    assert invoke("stage", str(head.number), "--url", url, "--no-lesson").returncode == 0
    before = (tmp_path / "t.db").read_bytes()
    result = alembic("-x", f"url={url}", "downgrade", "-1")
    assert result.returncode != 0  # Alembic exits 255 on FAILED
    said = " ".join((result.stdout + result.stderr).split())  # Alembic wraps its lines
    assert f"FAILED: going from stage {head.number} to stage {head.number - 1} would lose" in said
    assert "Traceback" not in result.stderr
    assert (tmp_path / "t.db").read_bytes() == before
    result = alembic("-x", f"url={url}", "-x", "allow_data_loss=true", "downgrade", "-1")
    assert result.returncode == 0, result.stderr
    assert stage_of(url) == head.number - 1


def test_downgrade_base_names_every_loss_on_the_way_before_changing_anything(scratch_url):
    url = scratch_url.render_as_string(hide_password=False)
    head = STAIRWAY.head
    assert invoke("stage", str(head.number), "--url", url, "--no-lesson").returncode == 0
    result = alembic("-x", f"url={url}", "downgrade", "base")
    assert result.returncode != 0
    said = " ".join((result.stdout + result.stderr).split())
    assert f"going from stage {head.number} to stage 0 would lose" in said
    for what in ("table order", "column user_account.password_hash", "table users"):
        assert what in said
    assert "Traceback" not in said
    assert stage_of(scratch_url) == head.number  # on MariaDB too: refused before any DDL


def readme_alembic_block() -> list[list[str]]:
    """Return the commands of the README's "Alembic works on its own" block, in order."""
    import shlex

    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    block = readme.split("Alembic works on its own too", 1)[1].split("```text\n", 1)[1]
    block = block.split("```", 1)[0]
    return [shlex.split(line) for line in block.splitlines() if line.strip()]


def test_the_readmes_alembic_block_runs_in_order(tmp_path):
    url = f"sqlite:///{tmp_path / 't.db'}"
    commands = readme_alembic_block()
    assert [c[0] for c in commands] == ["alembic"] * len(commands)
    assert "check" in [c[-1] for c in commands]
    for command in commands:
        # the README's URLs are examples: every line runs against a scratch file here
        args = [a if not a.startswith("url=") else f"url={url}" for a in command[1:]]
        result = alembic(*args, env={"DATABASE_URL": url})
        assert result.returncode == 0, (command, result.stderr)


def tables_and_stamp(url: URL) -> tuple[list[str], list]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            tables = sorted(inspect(connection).get_table_names())
            stamp = []
            if "alembic_version" in tables:
                stamp = sorted(connection.execute(text("SELECT * FROM alembic_version")).all())
            return tables, stamp
    finally:
        engine.dispose()


def execute(url: URL, *statements: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)
    engine.dispose()


def assert_one_failed_line(result, *expected: str) -> None:
    """Alembic failed with its one FAILED line holding ``expected``, and no traceback."""
    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    said = " ".join((result.stdout + result.stderr).split())  # Alembic wraps its lines
    assert said.count("FAILED: ") == 1, said
    failed = said.split("FAILED: ", 1)[1]
    for text_ in expected:
        assert text_ in failed, failed


def test_another_applications_database_is_refused_before_alembic_writes_anything(scratch_url):
    url = scratch_url.render_as_string(hide_password=False)
    execute(scratch_url, "CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    for args in (["upgrade", "head"], ["upgrade", "+1"], ["downgrade", "base"]):
        result = alembic("-x", f"url={url}", *args)
        assert_one_failed_line(result, "not the tutorial's", "the tables invoices")
        # no empty alembic_version left behind, on MariaDB neither, where DDL commits
        assert tables_and_stamp(scratch_url) == (["invoices"], [])
    # stamping is how a person adopts a database on purpose
    assert alembic("-x", f"url={url}", "stamp", "0001").returncode == 0
    assert tables_and_stamp(scratch_url) == (["alembic_version", "invoices"], [("0001",)])


def test_two_revisions_stamped_one_above_the_other_are_refused(scratch_url):
    url = scratch_url.render_as_string(hide_password=False)
    assert alembic("-x", f"url={url}", "upgrade", "0002").returncode == 0
    execute(scratch_url, "INSERT INTO alembic_version (version_num) VALUES ('0001')")
    before = tables_and_stamp(scratch_url)
    for args in (["upgrade", "head"], ["downgrade", "-1"], ["downgrade", "base"]):
        result = alembic("-x", f"url={url}", "-x", "allow_data_loss=true", *args)
        assert_one_failed_line(
            result, "alembic_version holds 0001 and 0002", "alembic stamp --purge REVISION"
        )
        assert tables_and_stamp(scratch_url) == before
    # the fix it names works
    assert alembic("-x", f"url={url}", "stamp", "--purge", "0002").returncode == 0
    assert alembic("-x", f"url={url}", "upgrade", "head").returncode == 0
    assert stage_of(scratch_url) == STAIRWAY.head.number


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql+psycopg://root@127.0.0.1:54x32/x", "the port '54x32'"),
        ("mysql+pymysql://root@127.0.0.1/x?charset=nonsense", "no character set 'nonsense'"),
        ("sqlite:///%00", "the file name in the database URL holds a NUL byte (%00)"),
    ],
)
def test_a_bad_url_is_one_line(url, expected):
    assert_one_failed_line(alembic("-x", f"url={url}", "upgrade", "head"), expected)


@pytest.mark.parametrize("database", on_databases("sqlite", "postgresql"))
def test_any_database_error_is_one_line_saying_what_was_changed(scratch_url):
    url = scratch_url.render_as_string(hide_password=False)
    assert invoke("stage", "4", "--url", url, "--no-lesson").returncode == 0
    execute(scratch_url, 'CREATE TABLE "order" (made_by_hand INTEGER)')
    result = alembic("-x", f"url={url}", "upgrade", "head")
    assert_one_failed_line(
        result,
        "the database said: ",
        "Nothing was changed: the database is at stage 4 (0004) still.",
    )
    assert stage_of(scratch_url) == 4


@pytest.mark.parametrize("database", on_databases("mariadb"))
def test_a_refusal_after_committed_revisions_says_where_the_database_is(scratch_url):
    url = scratch_url.render_as_string(hide_password=False)
    assert invoke("stage", "2", "--url", url, "--no-lesson").returncode == 0
    execute(scratch_url, "INSERT INTO users (user_id, user_name) VALUES (900, NULL)")
    result = alembic("-x", f"url={url}", "upgrade", "head")
    assert_one_failed_line(
        result,
        "users without a user_name",
        "The revisions before it were committed (this database cannot roll DDL back): "
        "the database is at stage 3 (0003) now, not stage 2 (0002)",
    )
    assert "Nothing was changed" not in result.stderr
    assert stage_of(scratch_url) == 3


@pytest.mark.parametrize("database", on_databases("mariadb"))
def test_a_downgrade_relative_to_a_revision_counts_every_loss_first(scratch_url):
    url = scratch_url.render_as_string(hide_password=False)
    assert invoke("stage", "5", "--url", url, "--no-lesson").returncode == 0
    execute(scratch_url, "DELETE FROM item", "DELETE FROM `order`")  # 0005's own: nothing
    result = alembic("-x", f"url={url}", "downgrade", "0005-2")
    assert_one_failed_line(
        result, "going from stage 5 to stage 3 would lose", "column user_account.password_hash"
    )
    assert stage_of(scratch_url) == 5  # refused before 0005's downgrade dropped anything
    engine = make_engine(scratch_url)
    try:
        with engine.connect() as connection:
            assert {"order", "item"} <= set(inspect(connection).get_table_names())
    finally:
        engine.dispose()

"""`invoke bench --stairway-check`: the generated chain, its broken copy, the real chains."""

from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from scripts.bench_check import (
    break_every_tenth,
    real_chain_dialect,
    real_chain_ini,
    real_chain_target,
    write_chain,
)
from sqlalchemy_stairway.check.project import Project
from sqlalchemy_stairway.check.project_checks import check_project
from sqlalchemy_stairway.check.results import FAILED


def test_every_tenth_revision_of_the_copy_fails_and_every_revision_is_still_checked(tmp_path):
    chain = write_chain(tmp_path / "chain", 20).parent
    ini = break_every_tenth(chain, tmp_path / "broken")
    report = check_project(Project(ini), [f"sqlite:///{tmp_path}/server.db"], use_squawk=False)
    failed = {(r.check, r.revision) for r in report.with_status(FAILED)}
    assert failed == {("downgrade", "0010"), ("downgrade", "0020")}
    upgraded = {r.revision for r in report.results if r.check == "upgrade"}
    assert upgraded == {f"{n:04d}" for n in range(1, 21)}
    # the chain it was copied from is left whole
    whole = check_project(Project(chain / "alembic.ini"), [f"sqlite:///{tmp_path}/whole.db"])
    assert whole.with_status(FAILED) == []


@pytest.mark.full  # reads Prefect's revisions: the realchains extra, which the slow run installs
def test_a_real_chains_ini_names_the_revisions_of_the_dialect_it_is_timed_on(tmp_path):
    ini = real_chain_ini("prefect", "postgresql", tmp_path)
    scripts = ScriptDirectory.from_config(Config(str(ini)))
    paths = {Path(script.path).parent.name for script in scripts.walk_revisions()}
    # Prefect keeps one folder of revisions per dialect; env.py names it only at run time
    assert paths == {"postgresql"}
    assert len(scripts.get_heads()) == 1


def test_a_real_chain_is_refused_in_one_line_where_it_has_no_glue():
    with pytest.raises(SystemExit, match=r"^error: prefect's chain is timed on sqlite, postgresql"):
        real_chain_dialect("prefect", "mysql+pymysql://root@localhost/test")
    with pytest.raises(SystemExit, match=r"^error: no real chain 'airflow'"):
        real_chain_dialect("airflow", "sqlite:///x.db")
    assert real_chain_dialect("dagster", "sqlite:///x.db") == "sqlite"
    with pytest.raises(SystemExit, match=r"^error: dagster's chain is timed on sqlite, postgresql"):
        real_chain_dialect("dagster", "mysql+pymysql://root@localhost/test")


ENV_IN_A_WORKER_THREAD = """
import anyio.from_thread
from alembic import context
from sqlalchemy import create_engine


async def url():
    return context.config.get_main_option("sqlalchemy.url")


# as Prefect's env.py: hands its work back to the event loop of the thread it runs in,
# which fails in a thread that is not an AnyIO worker thread
engine = create_engine(anyio.from_thread.run(url))
with engine.connect() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
"""

HOOKS = """
import sqlalchemy as sa

handed = []


def hand_url(url):
    handed.append(url)


def starting_schema(connection):
    connection.execute(sa.text("CREATE TABLE before_the_chain (id INTEGER)"))
"""


def test_pytest_alembics_glue_hands_the_url_builds_the_start_and_runs_env_in_a_worker_thread(
    tmp_path, monkeypatch
):
    (tmp_path / "versions").mkdir()
    (tmp_path / "env.py").write_text(ENV_IN_A_WORKER_THREAD, encoding="utf-8")
    (tmp_path / "hooks.py").write_text(HOOKS, encoding="utf-8")
    ini = tmp_path / "alembic.ini"
    ini.write_text(f"[alembic]\nscript_location = {tmp_path}\n", encoding="utf-8")
    # the glue patches Alembic for the pytest process it runs in: undone after this test
    monkeypatch.setattr(ScriptDirectory, "run_env", ScriptDirectory.run_env)
    setup = real_chain_target("prefect", ini, tmp_path / "hooks.py").setup
    glue: dict = {}
    exec(compile(setup, "glue", "exec"), glue)
    url = f"sqlite:///{tmp_path}/peer.db"
    engine = create_engine(url)
    glue["baseline"](engine)
    assert glue["HOOKS"].handed == [url]
    assert inspect(engine).get_table_names() == ["before_the_chain"]
    config = Config(glue["INI"])
    config.set_main_option("sqlalchemy.url", url)
    command.stamp(config, "base")  # env.py ran: in a worker thread, or it would have raised
    engine.dispose()


ENV_HANDED_A_CONNECTION = """
from alembic import context

# as Dagster's env.py: the application hands it a Connection, never an Engine
context.configure(connection=context.config.attributes["connection"])
with context.begin_transaction():
    context.run_migrations()
"""


def test_pytest_alembics_engine_reaches_an_env_py_that_wants_a_connection_as_one(
    tmp_path, monkeypatch
):
    (tmp_path / "versions").mkdir()
    (tmp_path / "env.py").write_text(ENV_HANDED_A_CONNECTION, encoding="utf-8")
    (tmp_path / "hooks.py").write_text("", encoding="utf-8")
    ini = tmp_path / "alembic.ini"
    ini.write_text(f"[alembic]\nscript_location = {tmp_path}\n", encoding="utf-8")
    monkeypatch.setattr(ScriptDirectory, "run_env", ScriptDirectory.run_env)
    glue: dict = {}
    exec(
        compile(real_chain_target("dagster", ini, tmp_path / "hooks.py").setup, "glue", "exec"),
        glue,
    )
    engine = create_engine(f"sqlite:///{tmp_path}/peer.db")
    # what pytest-alembic hands env.py
    config = Config(str(ini), attributes={"connection": engine})
    command.stamp(config, "base")
    assert config.attributes["connection"] is engine
    assert "alembic_version" in inspect(engine).get_table_names()
    engine.dispose()

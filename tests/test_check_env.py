"""The env.py patterns teams have, each checked to its end on a small chain."""

from itertools import pairwise

import pytest

from sqlalchemy_stairway.check.hooks import hooks_file, load_hooks
from sqlalchemy_stairway.check.project import Project
from sqlalchemy_stairway.check.project_checks import check_project
from sqlalchemy_stairway.check.results import PASSED
from tests.check_projects import (
    ASYNC_ENV,
    CONNECT_ENV,
    CREATE_ITEMS,
    LOOP_WORKER_ENV,
    SETTINGS_ENV,
    make_project,
)
from tests.conftest import DATABASES, on_databases

MODELS = """
from sqlalchemy import Column, Integer, MetaData, String, Table

items_metadata = MetaData()
Table("items", items_metadata, Column("id", Integer, primary_key=True),
      Column("name", String(40), nullable=False))
notes_metadata = MetaData()
Table("notes", notes_metadata, Column("id", Integer, primary_key=True))
# a list, as autogenerate accepts
target_metadata = [items_metadata, notes_metadata]
"""

CHAIN = [
    ("0001", None, CREATE_ITEMS, 'op.drop_table("items")'),
    (
        "0002",
        "0001",
        'op.create_table("notes", sa.Column("id", sa.Integer, primary_key=True))',
        'op.drop_table("notes")',
    ),
]


def server(database: str, tmp_path) -> str:
    return f"sqlite:///{tmp_path}/server.db" if database == "sqlite" else DATABASES[database]


def check(ini, database, tmp_path):
    project = Project(ini)
    report = check_project(
        project, [server(database, tmp_path)], load_hooks(hooks_file(ini, None)), use_squawk=False
    )
    assert report.defects == [], [r.summary for r in report.defects]
    checked = {(r.check, r.revision) for r in report.results if r.status == PASSED}
    for rid in ("0001", "0002"):
        assert {("upgrade", rid), ("downgrade", rid), ("reupgrade", rid)} <= checked
    assert ("models-match", "0002") in checked
    return report


@pytest.mark.database
def test_the_older_recipe_calling_connect_on_what_it_is_handed(database, tmp_path):
    env = CONNECT_ENV.replace("{key}", "connection")
    check(make_project(tmp_path / "p", CHAIN, models=MODELS, env=env), database, tmp_path)


def test_the_connection_under_another_key(tmp_path):
    env = CONNECT_ENV.replace("{key}", "db")
    hooks = 'CONNECTION_ATTRIBUTE = "db"\n'
    ini = make_project(tmp_path / "p", CHAIN, models=MODELS, env=env, hooks=hooks)
    check(ini, "sqlite", tmp_path)


def test_alembic_attributes_override_the_connection(tmp_path):
    # with no connection handed, the recipe makes its engine from sqlalchemy.url
    env = CONNECT_ENV.replace("{key}", "connection")
    hooks = 'ALEMBIC_ATTRIBUTES = {"connection": None}\n'
    ini = make_project(tmp_path / "p", CHAIN, models=MODELS, env=env, hooks=hooks)
    check(ini, "sqlite", tmp_path)


@pytest.mark.database
def test_an_async_env_py(database, tmp_path):
    check(make_project(tmp_path / "p", CHAIN, models=MODELS, env=ASYNC_ENV), database, tmp_path)


@pytest.mark.database
def test_an_async_env_py_that_hands_its_migration_back_to_the_calling_event_loop(
    database, tmp_path
):
    ini = make_project(tmp_path / "p", CHAIN, models=MODELS, env=LOOP_WORKER_ENV)
    check(ini, database, tmp_path)


def test_a_url_from_the_applications_settings_is_refused_at_the_first_step(tmp_path, monkeypatch):
    monkeypatch.setenv("APP_DATABASE_URL", f"sqlite:///{tmp_path}/production.db")
    ini = make_project(tmp_path / "p", CHAIN, models=MODELS, env=SETTINGS_ENV)
    report = check_project(Project(ini), [server("sqlite", tmp_path)], use_squawk=False)
    [refused] = report.defects
    assert refused.check == "url-honoured"
    assert "not the database it was handed" in refused.lines[0]
    assert "hand_url(url)" in refused.lines[0], "the line does not say what to change"
    assert not (tmp_path / "production.db").exists() or (
        (tmp_path / "production.db").stat().st_size == 0
    )


@pytest.mark.database
def test_a_hook_hands_each_scratch_url_to_the_applications_settings(
    database, tmp_path, monkeypatch
):
    monkeypatch.setenv("APP_DATABASE_URL", "sqlite:///nowhere.db")
    hooks = """
    import os

    def hand_url(url):
        os.environ["APP_DATABASE_URL"] = url
    """
    ini = make_project(tmp_path / "p", CHAIN, models=MODELS, env=SETTINGS_ENV, hooks=hooks)
    check(ini, database, tmp_path)


@pytest.mark.database
def test_the_url_is_handed_again_only_when_env_py_moves_to_another_database(
    database, tmp_path, monkeypatch
):
    """After a failed downgrade the walk restores from a second database, and back."""
    monkeypatch.setenv("APP_DATABASE_URL", "sqlite:///nowhere.db")
    handed = tmp_path / "handed.txt"
    hooks = f"""
    import os

    def hand_url(url):
        os.environ["APP_DATABASE_URL"] = url
        with open({str(handed)!r}, "a") as calls:
            calls.write(url + "\\n")
    """
    chain = [
        *CHAIN,
        ("0003", "0002", 'op.add_column("notes", sa.Column("text", sa.String(20)))', ""),
        ("0004", "0003", 'op.execute("UPDATE items SET name = name")', "raise ValueError('no')"),
        ("0005", "0004", 'op.execute("UPDATE items SET name = name")', ""),
    ]
    ini = make_project(tmp_path / "p", chain, models=MODELS, env=SETTINGS_ENV, hooks=hooks)
    report = check_project(
        Project(ini),
        [server(database, tmp_path)],
        load_hooks(hooks_file(ini, None)),
        use_squawk=False,
    )
    statuses = {(r.check, r.revision): r.status for r in report.results}
    assert statuses[("downgrade", "0004")] == "failed"
    assert statuses[("upgrade", "0005")] == PASSED, "the revision after the restore"
    assert not [r for r in report.results if r.check == "url-honoured" and r.status != PASSED]
    urls = handed.read_text().splitlines()
    assert len(set(urls)) >= 2, "the restore's second database was never handed"
    assert all(a != b for a, b in pairwise(urls)), "the same URL handed twice in a row"
    assert len(urls) < 10, urls  # against some twenty Alembic runs


def test_an_async_env_py_without_its_driver_is_refused_in_one_line(tmp_path, monkeypatch):
    import importlib.util

    from sqlalchemy_stairway.check.errors import StairwayError

    ini = make_project(tmp_path / "p", CHAIN, models=MODELS, env=ASYNC_ENV)
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name == "aiosqlite" else real_find_spec(name, *args),
    )
    with pytest.raises(StairwayError, match=r"asyncio engine.*sqlalchemy-stairway\[async\]"):
        check_project(Project(ini), [server("sqlite", tmp_path)], use_squawk=False)


TRIGRAM_MODELS = """
from sqlalchemy import Column, Index, Integer, MetaData, String, Table

target_metadata = MetaData()
flows = Table("flows", target_metadata, Column("id", Integer, primary_key=True),
              Column("name", String(40), nullable=False))
Index("trgm_ix_flows_name", flows.c.name, postgresql_using="gin",
      postgresql_ops={"name": "gin_trgm_ops"})
"""

TRIGRAM_CHAIN = [
    (
        "0001",
        None,
        """
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_table("flows", sa.Column("id", sa.Integer, primary_key=True),
                        sa.Column("name", sa.String(40), nullable=False))
        op.create_index("trgm_ix_flows_name", "flows", ["name"], postgresql_using="gin",
                        postgresql_ops={"name": "gin_trgm_ops"})
        """,
        'op.drop_table("flows")',
    ),
]


@pytest.mark.server("postgresql")
def test_the_models_are_made_with_the_extensions_the_chain_installed(tmp_path):
    # Prefect's chain installs pg_trgm for its trigram indexes; the models need it too
    ini = make_project(tmp_path / "p", TRIGRAM_CHAIN, models=TRIGRAM_MODELS)
    report = check_project(Project(ini), [DATABASES["postgresql"]], use_squawk=False)
    [compared] = [r for r in report.results if r.check == "models-match"]
    assert compared.status == PASSED, compared.lines


# an index made as busy servers need it made: PostgreSQL refuses CONCURRENTLY in a transaction
CONCURRENT_INDEX_CHAIN = [
    *CHAIN,
    (
        "0003",
        "0002",
        'op.create_index("ix_items_name", "items", ["name"], postgresql_concurrently=True)',
        'op.drop_index("ix_items_name", "items", postgresql_concurrently=True)',
    ),
]

CONCURRENT_INDEX_MODELS = MODELS.replace(
    'Column("name", String(40), nullable=False))',
    'Column("name", String(40), nullable=False, index=True))',
)


@pytest.mark.parametrize("database", on_databases("postgresql"))
def test_a_project_that_migrates_in_autocommit_says_so_in_its_hooks(database, tmp_path):
    env = CONNECT_ENV.replace("{key}", "connection")
    ini = make_project(
        tmp_path / "in-transactions",
        CONCURRENT_INDEX_CHAIN,
        models=CONCURRENT_INDEX_MODELS,
        env=env,
    )
    project = Project(ini)
    report = check_project(project, [server(database, tmp_path)], use_squawk=False)
    assert {(r.check, r.revision) for r in report.defects} == {("upgrade", "0003")}
    assert "cannot run inside a transaction block" in report.defects[0].lines[0]

    hooks = 'ISOLATION_LEVEL = {"postgresql": "AUTOCOMMIT"}\n'
    ini = make_project(
        tmp_path / "autocommit",
        CONCURRENT_INDEX_CHAIN,
        models=CONCURRENT_INDEX_MODELS,
        env=env,
        hooks=hooks,
    )
    report = check_project(
        Project(ini),
        [server(database, tmp_path)],
        load_hooks(hooks_file(ini, None)),
        use_squawk=False,
    )
    assert report.defects == [], [r.summary for r in report.defects]
    checked = {(r.check, r.revision) for r in report.results if r.status == PASSED}
    for check_ in ("upgrade", "downgrade", "reupgrade", "models-match"):
        assert (check_, "0003") in checked

"""Alembic on its own: `alembic upgrade/downgrade/history/check` from the project folder."""

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import URL

from models.stages import STAGES
from scripts.database import make_engine
from scripts.migrate import current_stage

PROJECT = Path(__file__).resolve().parent.parent


def alembic(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "alembic", *args],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
        timeout=300,
    )


def stage_of(url: URL | str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return current_stage(connection).number
    finally:
        engine.dispose()


def test_upgrade_downgrade_check_on_every_database(scratch_url):
    url = scratch_url.render_as_string(hide_password=False)
    result = alembic("-x", f"url={url}", "upgrade", "0003")
    assert result.returncode == 0, result.stderr
    assert stage_of(scratch_url) == 3
    result = alembic("-x", f"url={url}", "downgrade", "-1")
    assert result.returncode == 0, result.stderr
    assert stage_of(scratch_url) == 2
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
    assert [line.split(",")[0] for line in lines] == [
        "0004 -> 0005 (head)",
        "0003 -> 0004",
        "0002 -> 0003",
        "0001 -> 0002",
        "<base> -> 0001",
    ]
    assert all(stage.title for stage in STAGES)


def test_x_url_wins_over_database_url(tmp_path):
    from_x, from_env = tmp_path / "x.db", tmp_path / "env.db"
    env = {"DATABASE_URL": f"sqlite:///{from_env}"}
    assert alembic("-x", f"url=sqlite:///{from_x}", "upgrade", "0001", env=env).returncode == 0
    assert stage_of(f"sqlite:///{from_x}") == 1
    assert not from_env.exists()
    assert alembic("upgrade", "0002", env=env).returncode == 0
    assert stage_of(f"sqlite:///{from_env}") == 2


def test_a_downgrade_that_loses_data_asks_first(tmp_path):
    url = f"sqlite:///{tmp_path / 't.db'}"
    from tests.test_tasks import invoke

    assert invoke("stage", "2", "--url", url, "--no-lesson").returncode == 0
    before = (tmp_path / "t.db").read_bytes()
    result = alembic("-x", f"url={url}", "downgrade", "0001")
    assert result.returncode != 0  # Alembic exits 255 on FAILED
    said = " ".join((result.stdout + result.stderr).split())  # Alembic wraps its lines
    assert "FAILED: this downgrade would lose table pet (4 rows)" in said
    assert "Traceback" not in result.stderr
    assert (tmp_path / "t.db").read_bytes() == before
    result = alembic("-x", f"url={url}", "-x", "allow_data_loss=true", "downgrade", "0001")
    assert result.returncode == 0, result.stderr
    assert stage_of(url) == 1

"""Ctrl-C in the middle of a move: one line saying where the database stopped, how to go on.

The interrupt is a real SIGINT, sent just before a chosen statement
(tests/faults/interrupting.py): after stage 4's upgrade has renamed users,
before it renames email_addresses.  PostgreSQL and SQLite roll the move
back; MariaDB has committed the first renames, and says so.
"""

import subprocess
import sys

import pytest

from sqlalchemy_stairway.check.engines import make_engine
from tests.helpers import PROJECT, alembic, invoke
from tests.helpers import stage_of as stage_at

pytestmark = pytest.mark.full  # a process per run, each hashing at full cost: half a minute

HALF_WAY = "ALTER TABLE email_addresses RENAME"
INTERRUPTING = PROJECT / "tests" / "faults" / "interrupting.py"


def interrupted(command: str, *args: str) -> subprocess.CompletedProcess:
    """Run ``command ARGS`` and press Ctrl-C just before its statement HALF_WAY."""
    return subprocess.run(
        [sys.executable, str(INTERRUPTING), HALF_WAY, command, *args],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def stage_of(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return stage_at(connection).number
    finally:
        engine.dispose()


@pytest.mark.parametrize("command", ["invoke", "alembic"])
def test_ctrl_c_half_way_says_where_the_database_stopped_and_a_rerun_finishes(
    command, database, scratch_url
):
    url = scratch_url.render_as_string(hide_password=False)
    assert invoke("stage", "3", "--url", url, "--no-lesson").returncode == 0
    if command == "invoke":
        args = ["stage", "4", "--url", url, "--no-lesson"]
    else:
        args = ["-x", f"url={url}", "upgrade", "0004"]
    result = interrupted(command, *args)
    said = " ".join(result.stderr.split())  # Alembic wraps its lines
    assert result.returncode == (130 if command == "invoke" else 255), said
    assert "Traceback" not in said and "Interrupted (Ctrl-C)." in said
    if database == "mariadb":
        assert "The database is stamped at stage 3 (0003), and the move up to stage 4 " in said
        assert "stopped half-way, after " in said
        assert "run the same command again to finish it." in said
    else:
        assert "Nothing was changed: the database is at stage 3 (0003) still." in said
        assert stage_of(url) == 3
    # the same command again finishes the move
    again = invoke(*args) if command == "invoke" else alembic(*args)
    assert again.returncode == 0, again.stderr
    assert stage_of(url) == 4

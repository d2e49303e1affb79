"""Small helpers the tests share."""

import atexit
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from contextlib import closing
from pathlib import Path

from sqlalchemy import Connection, inspect

from scripts.stages import STAIRWAY
from sqlalchemy_stairway.check.engines import make_engine
from sqlalchemy_stairway.migrate import current_stage, migrate
from sqlalchemy_stairway.seeding import seed_on_the_way
from sqlalchemy_stairway.stages import Stage


def climb(connection: Connection, target: Stage) -> None:
    """Migrate an empty database to ``target``, seeding each stage on the way.

    On SQLite the climb is made once per run and stage, in a file of its
    own, and copied page by page into the database under test (SQLite's
    backup API): the same bytes the climb would write, without hashing the
    seeded passwords at 600,000 iterations again for every test.
    """
    assert current_stage(STAIRWAY, connection) == STAIRWAY.base
    if connection.dialect.name != "sqlite" or not connection.engine.url.database:
        migrate(STAIRWAY, connection, target, after_each=seed_on_the_way(STAIRWAY))
        return
    connection.rollback()  # reading the stage began a transaction; the copy needs none
    with closing(sqlite3.connect(climbed_once(target))) as climbed:
        climbed.backup(connection.connection.driver_connection)


CLIMBED: dict[int, Path] = {}  # stage number -> a SQLite file climbed to it in this run


def climbed_once(target: Stage) -> Path:
    """Return a SQLite file climbed to ``target``, made at the first call of the run."""
    if target.number not in CLIMBED:
        folder = Path(tempfile.mkdtemp(prefix="climbed-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        engine = make_engine(f"sqlite:///{folder / 'climbed.db'}", for_migrations=True)
        try:
            with engine.connect() as connection:
                migrate(STAIRWAY, connection, target, after_each=seed_on_the_way(STAIRWAY))
        finally:
            engine.dispose()
        CLIMBED[target.number] = folder / "climbed.db"
    return CLIMBED[target.number]


def move(connection: Connection, target: Stage, **kw) -> Stage:
    """Migrate the tutorial's database to ``target`` without seeding; return where it was."""
    return migrate(STAIRWAY, connection, target, **kw)


def stage_of(connection: Connection) -> Stage:
    """Return the stage the tutorial's database is at."""
    return current_stage(STAIRWAY, connection)


def column_order(connection: Connection) -> dict[str, list[str]]:
    """Return every table's column names (but Alembic's) in the order the database keeps them."""
    insp = inspect(connection)
    order = {
        table: [column["name"] for column in insp.get_columns(table)]
        for table in sorted(set(insp.get_table_names()) - {"alembic_version"})
    }
    connection.rollback()  # the reading began a transaction; a migration needs none open
    return order


def column_order_around(connection: Connection, stage: Stage) -> tuple[dict, dict]:
    """Return the column order of a fresh stage before ``stage``, then after up to it and back."""
    before = STAIRWAY.previous(stage)
    climb(connection, before)
    fresh = column_order(connection)
    move(connection, stage, password_iterations=1000)
    move(connection, before, allow_data_loss=True)
    return fresh, column_order(connection)


# -- running the project's commands as a user does ---------------------------

PROJECT = Path(__file__).resolve().parent.parent


def run_in_project(*args: str, env: dict | None = None, timeout: int = 300):
    """Run ``args`` in the project folder; return the finished process."""
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )


def invoke(*args: str, env: dict | None = None, timeout: int = 300):
    """Run `invoke ARGS` in the project folder; return the finished process."""
    return run_in_project("invoke", *args, env=env, timeout=timeout)


def alembic(*args: str, env: dict | None = None, timeout: int = 300):
    """Run `alembic ARGS` in the project folder; return the finished process."""
    return run_in_project("alembic", *args, env=env, timeout=timeout)


def assert_one_line_error(result: subprocess.CompletedProcess, *expected: str) -> None:
    """The process failed with exit status 1 and one `error:` line holding ``expected``."""
    assert result.returncode == 1, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.stdout + result.stderr
    for text in expected:
        assert text in lines[0]


def lesson_needs(stage: int, line: str, tmp_path: Path) -> None:
    """Fail unless stage ``stage``'s lesson fails without ``line`` (its effect is shown later)."""
    from scripts.lessons import lesson_text, run_lesson

    lines = lesson_text(stage).splitlines(keepends=True)
    found = [i for i, each in enumerate(lines) if each.rstrip("\n") == line]
    assert len(found) == 1, f"{line!r} is in the lesson {len(found)} times, not once"
    del lines[found[0]]
    results = run_lesson(stage, tmp_path, text="".join(lines), out=[].append, fail_fast=True)
    assert results.failed > 0, f"the lesson still passes without {line!r}"


# -- a person at a terminal ----------------------------------------------------

SCREEN = (40, 120)  # rows, columns: the terminal the walk is written for
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\r")


def terminal_env(**extra: str) -> dict[str, str]:
    """The environment of a pseudo-terminal: the terminal's own size, not $COLUMNS.

    pytest-xdist's workers inherit COLUMNS=80 and LINES=24, which would win
    over the window size every program asks the terminal for.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    return {**env, "TERM": "xterm-256color", **extra}


def terminal(*args: str, env: dict | None = None, cwd: Path = PROJECT):
    """Start `invoke ARGS` in a 120x40 pseudo-terminal; return the pexpect child."""
    import pexpect

    return pexpect.spawn(
        sys.executable,
        ["-m", "invoke", *args],
        cwd=cwd,
        env=terminal_env(**(env or {})),
        dimensions=SCREEN,
        encoding="utf-8",
        timeout=120,
    )


def screen_text(raw: str) -> str:
    """Return what a terminal shows of ``raw``, without colours and carriage returns."""
    return ANSI.sub("", raw)

"""A project's say in the checks: its own rows, the shape of generated rows, lossy downgrades.

A hooks file is a Python file named by ``--hooks FILE`` or by
``hooks = FILE`` in a ``[stairway]`` section of alembic.ini (relative to
alembic.ini).  Every name in it is optional:

``before_revision(connection, revision) -> set[str] | None``
    Runs before ``revision`` is checked, in the checker's transaction: add
    your own rows here.  Return the tables the generator must then leave
    alone (your rows are the ones that fit them).
``starting_schema(connection) -> str | None``
    Build, in each new scratch database, the schema the chain starts from:
    the tables that existed before the first revision (return None), or the
    schema as it is at a revision, e.g. with the application's own
    ``metadata.create_all(connection)`` (return that revision's id: the
    database is stamped there and only the revisions above it are checked).
``shape_row(revision, table, row) -> dict | None``
    Change a generated row before it is inserted, or return None to drop it.
``LOSSY_DOWNGRADES = {revision: why}``
    Downgrades that lose data by design, reported as such, not as defects
    (a revision can say the same with ``LOSSY_DOWNGRADE = "why"``, or with
    ``op.confirm_data_loss``).
``ONE_WAY_REVISIONS = {revision: why}``
    Revisions not meant to be downgraded (``downgrade()`` does nothing or
    refuses): their round trip is reported as a warning, not checked (a
    revision can say the same with ``ONE_WAY = "why"``).
``ALEMBIC_ATTRIBUTES = {name: value}``
    Extra ``config.attributes`` for every Alembic run of the checks; they
    win over the checker's own (``{"connection": None}`` makes env.py use
    ``sqlalchemy.url``).
``CONNECTION_ATTRIBUTE = "name"``
    The ``config.attributes`` key env.py reads the connection from
    (default ``connection``).
``ISOLATION_LEVEL = "AUTOCOMMIT"`` (or ``{"postgresql": "AUTOCOMMIT"}``, by dialect)
    The isolation level the application's own migrations run in, given to
    the connection env.py is handed for every Alembic run (an application
    that migrates on an AUTOCOMMIT engine can have revisions that need it:
    PostgreSQL's ``CREATE INDEX CONCURRENTLY`` refuses a transaction).
``hand_url(url)``
    Called with each scratch database's URL (password included) before
    env.py runs on it, and again whenever env.py moves to another one:
    for an env.py that takes its URL from the application's settings, put
    it there (an environment variable, a settings object).
"""

import configparser
import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from sqlalchemy_stairway.check.errors import StairwayError


class HookFailed(Exception):
    """A hook of the project's hooks file raised: a finding about the project, not a bug here."""

    def __init__(self, hook: str, exc: BaseException) -> None:
        lines = str(exc).strip().splitlines()
        said = f"{type(exc).__name__}: {lines[-1]}" if lines else type(exc).__name__
        super().__init__(f"the hooks file's {hook}() raised {said}")
        self.hook = hook


def reporting_failures(hook: str, function: Callable | None) -> Callable | None:
    """``function``, raising :class:`HookFailed` (naming the hook) when it fails."""
    if function is None:
        return None

    def call(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except Exception as exc:
            raise HookFailed(hook, exc) from exc

    return call


@dataclass
class Hooks:
    """The hooks a project gave, each None (or empty) when its file does not define it."""

    before_revision: Callable[[Connection, str], set[str] | None] | None = None
    shape_row: Callable[[str, str, dict], dict | None] | None = None
    starting_schema: Callable[[Connection], str | None] | None = None
    lossy_downgrades: dict[str, str] = field(default_factory=dict)
    one_way_revisions: dict[str, str] = field(default_factory=dict)
    alembic_attributes: dict[str, Any] = field(default_factory=dict)
    connection_attribute: str = "connection"
    isolation_level: str | dict[str, str] | None = None
    hand_url: Callable[[str], None] | None = None
    path: Path | None = None


def hooks_file(ini: Path, given: str | Path | None) -> Path | None:
    """The hooks file: ``given``, else alembic.ini's ``[stairway] hooks``, else none."""
    if given:
        return Path(given)
    parser = configparser.ConfigParser()
    parser.read(ini, encoding="utf-8")
    named = parser.get("stairway", "hooks", fallback=None)
    return (ini.parent / named) if named else None


def load_hooks(path: Path | None) -> Hooks:
    """Run the hooks file at ``path`` and return what it defines (no file: no hooks).

    A ``path`` that is not a file raises :class:`StairwayError`, saying
    how to fix ``--hooks`` or ``[stairway] hooks``.
    """
    if path is None:
        return Hooks()
    if not path.is_file():
        raise StairwayError(f"no hooks file at {path}; fix --hooks or [stairway] hooks")
    spec = importlib.util.spec_from_file_location(f"stairway_hooks_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    # kept, as an import keeps a module: what the file sets up at its top level (a
    # context it enters for the whole check) must outlive this function
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return Hooks(
        before_revision=reporting_failures(
            "before_revision", getattr(module, "before_revision", None)
        ),
        shape_row=reporting_failures("shape_row", getattr(module, "shape_row", None)),
        starting_schema=reporting_failures(
            "starting_schema", getattr(module, "starting_schema", None)
        ),
        lossy_downgrades=dict(getattr(module, "LOSSY_DOWNGRADES", {})),
        one_way_revisions=dict(getattr(module, "ONE_WAY_REVISIONS", {})),
        alembic_attributes=dict(getattr(module, "ALEMBIC_ATTRIBUTES", {})),
        connection_attribute=getattr(module, "CONNECTION_ATTRIBUTE", "connection"),
        isolation_level=getattr(module, "ISOLATION_LEVEL", None),
        hand_url=reporting_failures("hand_url", getattr(module, "hand_url", None)),
        path=path,
    )

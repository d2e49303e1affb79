"""Exercises: a migration for a learner to write, in a scratch copy, graded by the checks.

An :class:`Exercise` starts from the chain's head and asks for one more
stage: its :attr:`~Exercise.target` is that stage, declared as every stage
is (models, carries, rows).  The project sets up a folder for it with
:func:`copy_project` and :func:`write_files`: a copy of the project whose
models already are the target, with whatever files the exercise starts
from (a revision with a bug, two branches to merge).  The learner writes
revisions there with Alembic.

:func:`grade` checks the folder's chain with the same
:class:`~sqlalchemy_stairway.checks.Checker` as ``invoke check``, in
scratch databases: upgrade to the learner's head matches the target's
models and carries every row, downgrade leaves no trace and gives every
row back, upgrade again matches again.  Each failure comes back as a
paragraph a learner can act on, with the exercise's own hint for it.
"""

import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData

from sqlalchemy_stairway.check.engines import first_line, make_engine, parse_url
from sqlalchemy_stairway.check.errors import StairwayError
from sqlalchemy_stairway.check.scratch import scratch_database
from sqlalchemy_stairway.checks import CHECK_PASSWORD_ITERATIONS, Checker, CheckFailure
from sqlalchemy_stairway.migrate import migrate
from sqlalchemy_stairway.seeding import insert_rows, seed_on_the_way
from sqlalchemy_stairway.stages import Stage, Stairway

# the kinds of failure an exercise can give a hint for
NO_REVISION = "no revision"
HEADS = "heads"
BROKEN = "broken"  # Alembic cannot read the revisions, or one raised an error
UPGRADE_SCHEMA = "upgrade schema"
UPGRADE_DATA = "upgrade data"
DOWNGRADE_SCHEMA = "downgrade schema"
DOWNGRADE_DATA = "downgrade data"
UPGRADE_AGAIN = "upgrade again"

# what each step of the checks means to someone who wrote the revision
SAID = {
    UPGRADE_SCHEMA: "After your upgrade, the database is not what the exercise's models describe:",
    UPGRADE_DATA: "Your upgrade lost or changed rows that were there before it ran:",
    DOWNGRADE_SCHEMA: (
        "Your downgrade leaves a trace: after it, the database is not what it was before "
        "the upgrade:"
    ),
    DOWNGRADE_DATA: "Your downgrade does not give the rows back as they were:",
    UPGRADE_AGAIN: "Upgrading again after the downgrade does not give the same database:",
}

Extra = Callable[["Grading"], list[str]]


@dataclass(frozen=True)
class Exercise:
    """One exercise: what to build on top of the head, and how to help with it."""

    slug: str
    title: str
    task: str  # Markdown; ``{folder}``, ``{head}`` and ``{number}`` are filled in
    target: Callable[[Stage], Stage]  # the head's stage -> the stage to build
    # files the exercise starts from, relative to its folder, given the head's stage
    files: Callable[[Stage], Mapping[str, str]] = lambda head: {}
    # rows of the head's tables written before grading, for the cases a migration must handle
    rows_before: Mapping[str, Sequence[Mapping]] = field(default_factory=dict)
    # revision ids the folder starts with that must still be there at the end
    kept_revisions: Callable[[Stage], Sequence[str]] = lambda head: ()
    hints: Mapping[str, str] = field(default_factory=dict)
    extra_checks: Sequence[Extra] = ()


@dataclass
class Grading:
    """What an exercise's extra checks see: the stairway graded, and its database at the target."""

    stairway: Stairway
    target: Stage
    connection: Connection


def copy_project(source: Path, folder: Path, parts: Sequence[str]) -> Path:
    """Copy ``parts`` of the project at ``source`` into ``folder`` (no caches, no databases)."""
    ignored = shutil.ignore_patterns("__pycache__", "*.db", "*.db-journal", "backups")
    folder.mkdir(parents=True, exist_ok=True)
    for part in parts:
        path = source / part
        if path.is_dir():
            shutil.copytree(path, folder / part, ignore=ignored)
        else:
            shutil.copy2(path, folder / part)
    return folder


def write_files(folder: Path, files: Mapping[str, str]) -> None:
    """Write ``files`` (relative path -> text) into ``folder``."""
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def explain(kind: str, exercise: Exercise, lines: Sequence[str] = ()) -> str:
    """Return a failure of ``kind`` as a paragraph: what went wrong, the details, the hint."""
    # a step of the checks gets its sentence and the details as a list; the rest are sentences
    parts = [SAID[kind], *(f"  - {line}" for line in lines)] if kind in SAID else list(lines)
    if exercise.hints.get(kind):
        parts.append(exercise.hints[kind])
    return "\n".join(part for part in parts if part)


def _kind(failure: CheckFailure) -> str:
    if failure.step.startswith("after upgrading again"):
        return UPGRADE_AGAIN
    carried = "data was not" in failure.step
    if failure.step.startswith("after downgrade"):
        return DOWNGRADE_DATA if carried else DOWNGRADE_SCHEMA
    return UPGRADE_DATA if carried else UPGRADE_SCHEMA


def chain_problems(exercise: Exercise, base: Stairway) -> tuple[str | None, list[str]]:
    """Return the learner's head revision and why the chain cannot be graded (if it cannot)."""
    head = base.head
    try:
        scripts = ScriptDirectory.from_config(base.alembic_config())
        heads = scripts.get_heads()
        known = {r.revision for r in scripts.walk_revisions()}
    except Exception as exc:  # a learner's file Alembic cannot load: say which, not a traceback
        return None, [explain(BROKEN, exercise, [f"Alembic cannot read the revisions: {exc}"])]
    missing = [r for r in exercise.kept_revisions(head) if r not in known]
    if missing:
        return None, [
            explain(BROKEN, exercise, [f"revision {r} is gone; the exercise builds on it"])
            for r in missing
        ]
    if heads == [head.revision]:
        return None, [
            explain(NO_REVISION, exercise, [f"There is no revision after {head.revision} yet."])
        ]
    if len(heads) != 1:
        return None, [
            explain(
                HEADS,
                exercise,
                [
                    f"The chain has {len(heads)} heads ({', '.join(sorted(heads))}), so Alembic "
                    "cannot tell which one `head` means."
                ],
            )
        ]
    if head.revision not in known:
        return None, [explain(BROKEN, exercise, [f"revision {head.revision} is gone"])]
    return heads[0], []


def grade(
    exercise: Exercise,
    base: Stairway,
    folder: Path,
    url: str,
    report: Callable[[str], None] = lambda line: None,
) -> list[str]:
    """Grade the work in ``folder`` on scratch databases beside ``url``; return what fails.

    ``base`` is the project's stairway; the folder's chain must be its
    revisions and the learner's on top.  An empty list means every check
    passed.
    """
    graded = Stairway(list(base.stages), folder / "alembic.ini")
    revision, problems = chain_problems(exercise, graded)
    if revision is None:
        return problems
    report(f"history: one head, {revision}, on top of {base.head.revision}")
    target = replace(exercise.target(base.head), revision=revision)
    graded = Stairway([*base.stages, target], folder / "alembic.ini")
    parsed = parse_url(url)
    with (
        tempfile.TemporaryDirectory() as scratch,
        scratch_database(parsed, Path(scratch)) as checked_url,
        scratch_database(parsed, Path(scratch)) as reference_url,
    ):
        checked = make_engine(checked_url, for_migrations=True)
        reference = make_engine(reference_url)
        try:
            with checked.connect() as connection, reference.connect() as reference_connection:
                return _check(exercise, graded, target, connection, reference_connection, report)
        finally:
            checked.dispose()
            reference.dispose()


def _check(exercise, graded, target, connection, reference_connection, report) -> list[str]:
    head = graded.previous(target)
    migrate(graded, connection, head, after_each=seed_on_the_way(graded))
    with connection.begin():
        tables = head.metadata.tables
        for table in head.metadata.sorted_tables:
            insert_rows(connection, tables[table.name], exercise.rows_before.get(table.name, ()))
    checker = Checker(graded, connection, reference_connection, report)
    try:
        checker.check_stage(target)
    except CheckFailure as failure:
        return [explain(_kind(failure), exercise, failure.differences)]
    except Exception as exc:  # the learner's revision raised: show the error, not a traceback
        if connection.in_transaction():
            connection.rollback()
        said = first_line(exc) if not isinstance(exc, StairwayError) else str(exc)
        return [explain(BROKEN, exercise, [f"a migration failed: {type(exc).__name__}: {said}"])]
    grading = Grading(graded, target, connection)
    problems = [problem for check in exercise.extra_checks for problem in check(grading)]
    if not problems:
        report("the exercise's own checks pass")
    return problems


# -- checks more than one exercise uses ------------------------------------


def downgrade_asks_first(problem: str) -> Extra:
    """An extra check: the downgrade refuses to lose data unless told yes; else ``problem``."""

    def check(grading: Grading) -> list[str]:
        previous = grading.stairway.previous(grading.target)
        try:
            migrate(
                grading.stairway,
                grading.connection,
                previous,
                password_iterations=CHECK_PASSWORD_ITERATIONS,
            )
        except StairwayError as exc:
            if "would lose" in str(exc):
                return []
            raise
        return [problem]

    return check


def copied_metadata(source: MetaData, without: Sequence[str] = ()) -> MetaData:
    """Return a new MetaData holding ``source``'s tables but ``without``, to build a target on."""
    metadata = MetaData(naming_convention=source.naming_convention)
    for name, table in source.tables.items():
        if name not in without:
            table.to_metadata(metadata)
    return metadata

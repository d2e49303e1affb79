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
paragraph a learner can act on, with the exercise's own hint for it, its
differences in words (:mod:`sqlalchemy_stairway.exercise_words`).

An exercise's extra checks grade what the checks cannot see: that a
downgrade asks before each loss, with the right count
(:func:`downgrade_asks_about`); that a data migration runs in SQL, not
row by row (:func:`statements_stay_few`); that a rename keeps the
column's place (:func:`columns_keep_their_place`).  A migration that
fails is named with the database it failed on and, for the errors
learners commonly meet, a hint (:data:`FAILURE_HINTS`).
"""

import io
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from contextlib import redirect_stderr
from dataclasses import dataclass, field, replace
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData, event, inspect

from sqlalchemy_stairway.check.engines import first_line, make_engine, parse_url
from sqlalchemy_stairway.check.errors import StairwayError
from sqlalchemy_stairway.check.scratch import scratch_database
from sqlalchemy_stairway.checks import CHECK_PASSWORD_ITERATIONS, Checker, CheckFailure
from sqlalchemy_stairway.exercise_words import plain_differences
from sqlalchemy_stairway.migrate import current_stage, migrate
from sqlalchemy_stairway.seeding import insert_rows, seed_on_the_way
from sqlalchemy_stairway.stages import Stage, Stairway
from sqlalchemy_stairway.transactions import reading

# the kinds of failure an exercise can give a hint for
NO_REVISION = "no revision"
HEADS = "heads"
BROKEN = "broken"  # Alembic cannot read the revisions, or one raised an error
UPGRADE_SCHEMA = "upgrade schema"
UPGRADE_DATA = "upgrade data"
# the upgrade left the new columns empty: it moved no data at all
UPGRADE_DATA_EMPTY = "upgrade data, left empty"
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
    # released revisions the folder starts with -> the down_revision they must keep
    released: Callable[[Stage], Mapping[str, str]] = lambda head: {}
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
    if kind in SAID:
        lines = plain_differences(lines)
        # a step of the checks gets its sentence and the details as a list; the rest are sentences
        parts = [SAID[kind], *(f"  - {line}" for line in lines)]
    else:
        parts = list(lines)
    hint = exercise.hints.get(kind)
    if kind == UPGRADE_DATA and lines and all(_left_empty(line) for line in lines):
        hint = exercise.hints.get(UPGRADE_DATA_EMPTY, hint)
    if hint:
        parts.append(hint)
    return "\n".join(part for part in parts if part)


def _left_empty(line: str) -> bool:
    """True for a difference that says a value computed or carried came out NULL."""
    return " is None, which " in line or line.endswith("now None") or "more row" in line


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
    edited = edited_released_revisions(exercise, scripts, head)
    if edited:
        return None, edited
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


def edited_released_revisions(
    exercise: Exercise, scripts: ScriptDirectory, head: Stage
) -> list[str]:
    """Return a sentence per released revision whose down_revision the learner changed."""
    problems = []
    for revision, parent in exercise.released(head).items():
        found = scripts.get_revision(revision)
        if found is not None and found.down_revision != parent:
            problems.append(
                f"revision {revision} now revises {found.down_revision!r}, not {parent!r}: it "
                "was released, and a released revision is never edited (databases are at it "
                "already, and its history is theirs). Put its down_revision back, and join the "
                "heads with a merge revision of your own."
            )
    return problems


DATABASE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL", "mysql": "MariaDB"}

# (what the database said, the database, the hint): errors a learner's revision commonly meets
FAILURE_HINTS = (
    (
        "instr",
        "postgresql",
        "PostgreSQL has no instr(); strpos(string, substring) does the same. Choose the "
        "function by op.get_context().dialect.name, so the revision runs on all three.",
    ),
    (
        "not null",
        "",
        "A NOT NULL column added to a table with rows needs a value for them: give add_column "
        "a server_default, or add it NULL, fill it with one UPDATE, then make it NOT NULL.",
    ),
    (
        "null value",
        "",
        "A NOT NULL column added to a table with rows needs a value for them: give add_column "
        "a server_default, or add it NULL, fill it with one UPDATE, then make it NOT NULL.",
    ),
    (
        "cannot be null",
        "",
        "A NOT NULL column added to a table with rows needs a value for them: give add_column "
        "a server_default, or add it NULL, fill it with one UPDATE, then make it NOT NULL.",
    ),
)


def database_name(connection: Connection) -> str:
    """The database a connection is to, as a person calls it: SQLite, PostgreSQL, MariaDB."""
    return DATABASE_NAMES.get(connection.dialect.name, connection.dialect.name)


def failure_hint(said: str, dialect: str) -> str:
    """Return the hint for an error a revision met on ``dialect`` ("" when none fits)."""
    for words, on, hint in FAILURE_HINTS:
        if words in said.lower() and on in ("", dialect):
            return hint
    return ""


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


# what the checks were doing, told by the last line they reported
PHASES = (
    ("after downgrade: every row restored", "upgrading again after the downgrade"),
    ("after upgrade: every row carried", "downgrading"),
    ("", "upgrading"),
)


def _check(exercise, graded, target, connection, reference_connection, report) -> list[str]:
    head = graded.previous(target)
    # the chain up to the head is the project's, already checked: its lines are not the learner's
    with redirect_stderr(io.StringIO()):
        migrate(graded, connection, head, after_each=seed_on_the_way(graded))
    with connection.begin():
        tables = head.metadata.tables
        for table in head.metadata.sorted_tables:
            insert_rows(connection, tables[table.name], exercise.rows_before.get(table.name, ()))
    reported: list[str] = []

    def track(line: str) -> None:
        reported.append(line)
        report(line)

    checker = Checker(graded, connection, reference_connection, track)
    try:
        checker.check_stage(target)
    except CheckFailure as failure:
        return [explain(_kind(failure), exercise, failure.differences)]
    except Exception as exc:  # the learner's revision raised: show the error, not a traceback
        if connection.in_transaction():
            connection.rollback()
        last = reported[-1] if reported else ""
        phase = next(phase for words, phase in PHASES if words in last)
        return [explain(BROKEN, exercise, failed(exc, target.revision, phase, connection))]
    grading = Grading(graded, target, connection)
    try:
        problems = [problem for check in exercise.extra_checks for problem in check(grading)]
    except Exception as exc:
        if connection.in_transaction():
            connection.rollback()
        return [explain(BROKEN, exercise, failed(exc, target.revision, "checking", connection))]
    if not problems:
        report("the exercise's own checks pass")
    return problems


def failed(exc: Exception, revision: str, phase: str, connection: Connection) -> list[str]:
    """Say which revision failed, on which database, doing what, and what may fix it."""
    said = first_line(exc) if not isinstance(exc, StairwayError) else str(exc)
    where = f"your revision {revision} failed on {database_name(connection)}, {phase}"
    return [f"{where}: {type(exc).__name__}: {said}", failure_hint(said, connection.dialect.name)]


# -- checks more than one exercise uses ------------------------------------


def _rows(count: int) -> str:
    return f"{count} row{'s' * (count != 1)}"


def _back_to_target(grading: Grading) -> None:
    """Upgrade again after a check went down, so the next check starts where this one did."""
    if current_stage(grading.stairway, grading.connection) != grading.target:
        migrate(grading.stairway, grading.connection, grading.target)


def downgrade_asks_about(losses: Mapping[str, Callable[[Connection], int]], fix: str) -> Extra:
    """An extra check: the downgrade asks before each of ``losses``, with the right count.

    ``losses`` maps what is lost (``column pet.chip_number``, as the
    revision names it to op.confirm_data_loss) to a function that counts
    it in the database.  The downgrade runs with every one of them agreed
    to, and op.confirm_data_loss reports what it counted: a loss it was
    never asked about, or counted wrong, is the learner's to fix.
    """

    def check(grading: Grading) -> list[str]:
        connection = grading.connection
        with reading(connection):
            expected = {what: count(connection) for what, count in losses.items()}
        counted: dict[str, int] = {}
        previous = grading.stairway.previous(grading.target)
        try:
            migrate(
                grading.stairway,
                connection,
                previous,
                allow_data_loss={what: 10**9 for what in expected},
                data_loss_counted=counted,
                password_iterations=CHECK_PASSWORD_ITERATIONS,
            )
        except StairwayError as exc:
            if "would lose" not in str(exc):
                raise
        _back_to_target(grading)
        asked = {" ".join(what.split()[:2]): n for what, n in counted.items()}
        problems = []
        for what, rows in expected.items():
            if what not in asked:
                problems.append(
                    f"Your downgrade drops {what} without asking, while {_rows(rows)} "
                    f"would lose it for good. {fix}"
                )
            elif asked[what] != rows:
                problems.append(
                    f"Your downgrade asks before dropping {what}, but its count says "
                    f"{_rows(asked[what])} while {_rows(rows)} would lose data: count only the "
                    "rows whose value the downgrade throws away (a column: WHERE it IS NOT NULL)."
                )
        return problems

    return check


def statements_stay_few(
    table: str, more_rows: Callable[[int], Sequence[Mapping]], fix: str, added: int = 20
) -> Extra:
    """An extra check: the upgrade runs as many writes with ``added`` more rows as without.

    A revision that moves data row by row from Python runs a statement per
    row; one that moves it in SQL runs the same few whatever the rows.
    ``more_rows(n)`` makes ``n`` rows of ``table`` as the stage before has it.
    """

    def check(grading: Grading) -> list[str]:
        connection, stairway = grading.connection, grading.stairway
        previous = stairway.previous(grading.target)
        counts = []
        for extra in (0, added):
            migrate(stairway, connection, previous, allow_data_loss=True)
            with connection.begin():
                insert_rows(connection, previous.metadata.tables[table], more_rows(extra))
            with WriteCounter(connection) as writes:
                migrate(stairway, connection, grading.target)
            counts.append(len(writes))
        if counts[1] > counts[0]:
            return [
                f"Your upgrade wrote {counts[0]} times with the rows the exercise starts with, "
                f"and {counts[1]} times with {added} more rows in {table}: it moves the data "
                f"row by row, from Python. {fix}"
            ]
        return []

    return check


WRITES = ("INSERT", "UPDATE", "DELETE")


class WriteCounter:
    """Collect each row-writing statement run on a connection; an executemany counts per row."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.writes: list[str] = []

    def watch(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith(WRITES) and "alembic_version" not in statement:
            self.writes += [statement] * (len(parameters) if executemany else 1)

    def __enter__(self) -> list[str]:
        event.listen(self.connection, "before_cursor_execute", self.watch)
        return self.writes

    def __exit__(self, *exc) -> None:
        event.remove(self.connection, "before_cursor_execute", self.watch)


def column_order(connection: Connection, table: str) -> list[str]:
    return [column["name"] for column in inspect(connection).get_columns(table)]


def columns_keep_their_place(table: str, fix: str) -> Extra:
    """An extra check: ``table``'s columns are in the models' order after upgrade and downgrade."""

    def check(grading: Grading) -> list[str]:
        connection, stairway = grading.connection, grading.stairway
        previous = stairway.previous(grading.target)
        problems = []
        for stage, step in ((grading.target, "upgrade"), (previous, "downgrade")):
            if stage is previous:
                migrate(stairway, connection, previous, allow_data_loss=True)
            with reading(connection):
                found = column_order(connection, table)
            wanted = [column.name for column in stage.metadata.tables[table].columns]
            if found != wanted:
                problems.append(
                    f"After your {step}, {table}'s columns are {', '.join(found)}: the models, "
                    f"and the table before, have them as {', '.join(wanted)}. {fix}"
                )
        _back_to_target(grading)
        return problems

    return check


def copied_metadata(source: MetaData, without: Sequence[str] = ()) -> MetaData:
    """Return a new MetaData holding ``source``'s tables but ``without``, to build a target on."""
    metadata = MetaData(naming_convention=source.naming_convention)
    for name, table in source.tables.items():
        if name not in without:
            table.to_metadata(metadata)
    return metadata

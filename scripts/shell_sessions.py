"""The lessons' shell sessions: ```console blocks, run in a copy of the project at the stage.

A lesson shows Alembic at the command line as a terminal shows it::

    ```console
    $ alembic current
    INFO  [alembic.runtime.migration] Context impl SQLiteImpl.
    INFO  [alembic.runtime.migration] Will assume transactional DDL.
    ```

Stage N's sessions run in the project as it was at stage N
(:func:`copy_at_stage`, ``invoke copy-at N FOLDER``): ``alembic.ini``,
``alembic/``, ``models/`` and ``scripts/``, without the revisions and
stage declarations that came later, and without any database, so the
learner's ``tutorial.db`` is never touched and a later stage changes
nothing a lesson shows.  :func:`run_sessions` runs every ``$`` line of a
lesson, in order, and compares what it printed, stdout and stderr
together as a terminal shows them, with the lines that follow it.  Only
what varies between runs is normalised: the copy's folder is written
``<project>``, a ``Create Date`` is written ``<date>``, and a random
revision id ``<id>``.  :func:`fill_sessions` (``invoke sessions``)
writes what the commands print into a lesson, as ``invoke golden`` does
for the SQL: for a new session, or when a change is meant.

The commands a session may run are few, and none goes through a shell:
``alembic`` and ``python`` (this interpreter), ``cat`` and ``rm`` (done
in Python, ``*`` patterns expanded in the copy).
"""

import difflib
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from scripts.stages import PROJECT_ROOT, STAIRWAY
from sqlalchemy_stairway import exercises
from sqlalchemy_stairway.check.errors import StairwayError
from sqlalchemy_stairway.stages import Stairway

LANGUAGE = "console"
PROMPT = "$ "
# what a copy of the project holds: enough for alembic, nothing of the learner's
PROJECT_PARTS = ("alembic.ini", "alembic", "models", "scripts")
BLOCK = re.compile(r"^```console\n(?P<body>.*?)^```$", re.MULTILINE | re.DOTALL)
CREATE_DATE = re.compile(r"(Create Date: ?)\d{4}-\d\d-\d\d[ T][\d:.]+")
RANDOM_ID = re.compile(r"(?<![0-9a-z])[0-9a-f]{12}(?![0-9a-z])")
TIMEOUT = 120


@dataclass(frozen=True)
class Command:
    """One ``$`` line of a session and the output the lesson expects from it."""

    line: str
    expected: str
    lineno: int  # of the ``$`` line in the lesson


def commands(text: str) -> list[Command]:
    """Return the commands of every ```console block of ``text``, in order."""
    found: list[Command] = []
    for block in BLOCK.finditer(text):
        first = text.count("\n", 0, block.start("body")) + 1
        current: tuple[str, int] | None = None
        expected: list[str] = []
        for offset, line in enumerate(block["body"].splitlines()):
            if line.startswith(PROMPT):
                if current:
                    found.append(Command(current[0], "\n".join(expected), current[1]))
                current, expected = (line[len(PROMPT) :], first + offset), []
            elif current is None:
                raise StairwayError(
                    f"line {first + offset}: a console block starts with a `$ ` command"
                )
            else:
                expected.append(line)
        if current:
            found.append(Command(current[0], "\n".join(expected), current[1]))
    return found


def copy_project(folder: Path) -> Path:
    """Copy what Alembic needs of the project into ``folder``; return it."""
    return exercises.copy_project(PROJECT_ROOT, folder, PROJECT_PARTS)


def copy_at_stage(number: int, folder: Path, stairway: Stairway = STAIRWAY) -> Path:
    """Copy the project into ``folder`` as it was at stage ``number``; return it.

    The revisions and stage declarations after stage ``number`` are left
    out, so ``head`` is stage ``number`` there, and autogenerate and
    ``alembic check`` compare with its models.
    """
    stage = stairway.parse_stage(number)
    if folder.exists() and any(folder.iterdir()):
        raise StairwayError(f"{folder} is not empty; choose a new folder for the copy")
    copy_project(folder)
    for later in stairway.stages[stage.number + 1 :]:
        revision = Path(stairway.revision_module(later).__file__).name
        (folder / "alembic" / "versions" / revision).unlink()
        (folder / "scripts" / "stages" / f"stage{later.number}.py").unlink()
    return folder


def _paths(arguments: list[str], folder: Path) -> list[Path]:
    paths: list[Path] = []
    for argument in arguments:
        matches = sorted(folder.glob(argument)) if "*" in argument else [folder / argument]
        if not matches:
            raise StairwayError(f"no file matches {argument}")
        paths.extend(matches)
    return paths


def run(line: str, folder: Path) -> str:
    """Run one command line in ``folder``; return what a terminal would show."""
    words = shlex.split(line)
    program, arguments = words[0], words[1:]
    if program == "cat":
        return "".join(path.read_text(encoding="utf-8") for path in _paths(arguments, folder))
    if program == "rm":
        for path in _paths(arguments, folder):
            path.unlink()
        return ""
    if program == "alembic":
        argv = [sys.executable, "-m", "alembic", *arguments]
    elif program == "python":
        argv = [sys.executable, *arguments]
    else:
        raise StairwayError(f"a lesson's session cannot run {program!r}: {line}")
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    environment["PYTHONUNBUFFERED"] = "1"  # stdout and stderr interleave as in a terminal
    # autogenerate walks sets of table names: a fixed hash seed fixes the order it writes
    environment["PYTHONHASHSEED"] = "0"
    result = subprocess.run(
        argv,
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=environment,
        timeout=TIMEOUT,
        check=False,
    )
    return result.stdout


def normalise(output: str, folder: Path) -> str:
    """Return ``output`` with what varies between runs written as a lesson writes it."""
    output = output.replace(str(folder.resolve()), "<project>").replace(str(folder), "<project>")
    output = CREATE_DATE.sub(r"\1<date>", output)
    output = RANDOM_ID.sub("<id>", output)
    lines = [line.rstrip() for line in output.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def _expected(command: Command) -> str:
    lines = [line.rstrip() for line in command.expected.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


# a unit of autogenerate's output: an INFO line it logs, or one op.* call it writes
UNIT_START = re.compile(r"^(?:INFO  \[alembic\.autogenerate[^]]*\] Detected \w+ \w+|    op\.\w+)")


def autogenerate_units(output: str) -> list[str]:
    """Return ``output`` as units, each run of same-kind units Alembic orders by a set sorted.

    Alembic finds added and removed tables as sets of (schema, name) pairs,
    and on Python 3.11 ``hash(None)`` follows None's address, so two removed
    tables come out in either order from one run to the next.  Only a run of
    consecutive units of one kind (``Detected removed table`` lines,
    ``op.drop_table`` calls) is sorted; every other line keeps its place, so
    an operation that moves from ``upgrade()`` to ``downgrade()``, or before
    another kind of operation, is a difference.
    """
    units: list[tuple[str | None, list[str]]] = []
    for line in output.splitlines():
        start = UNIT_START.match(line)
        continues = line.startswith(("    sa.", "    )")) and units and units[-1][0]
        if start:
            units.append((start.group(0), [line]))
        elif continues:
            units[-1][1].append(line)
        else:
            units.append((None, [line]))
    ordered: list[str] = []
    run: list[str] = []
    kind: str | None = None
    for unit_kind, lines in units:
        if unit_kind is None or unit_kind != kind:
            ordered.extend(sorted(run))
            run = []
        kind = unit_kind
        if unit_kind is None:
            ordered.append(lines[0])
        else:
            run.append("\n".join(lines))
    ordered.extend(sorted(run))
    return ordered


def _same_but_for_autogenerates_order(line: str, got: str, want: str) -> bool:
    """True when autogenerate's output differs only in the order of one run of a kind."""
    autogenerate = "--autogenerate" in line or re.search(r"\bcat \S*/auto\w*\.py", line)
    return bool(autogenerate) and autogenerate_units(got) == autogenerate_units(want)


def run_sessions(text: str, stage: int, folder: Path, name: str = "the lesson") -> list[str]:
    """Run ``text``'s console blocks in a copy at ``stage`` made in ``folder``; return failures.

    Each failure names the line of the lesson and shows the difference
    between what it expects and what the command printed.
    """
    copy = copy_at_stage(stage, folder)
    failures = []
    for command in commands(text):
        got = normalise(run(command.line, copy), copy)
        want = _expected(command)
        if got != want and not _same_but_for_autogenerates_order(command.line, got, want):
            diff = difflib.unified_diff(
                want.splitlines(), got.splitlines(), "expected", "printed", lineterm=""
            )
            failures.append(f"{name}, line {command.lineno}: $ {command.line}\n" + "\n".join(diff))
    return failures


def fill_sessions(text: str, stage: int, folder: Path, stairway: Stairway = STAIRWAY) -> str:
    """Return ``text`` with each command's output as it prints now, run in a copy at ``stage``."""
    copy = copy_at_stage(stage, folder, stairway)

    def filled(block: re.Match) -> str:
        lines = []
        for command in commands(block.group(0)):
            lines.append(PROMPT + command.line)
            printed = normalise(run(command.line, copy), copy)
            if printed:
                lines.append(printed)
        return "```console\n" + "\n".join(lines) + "\n```"

    return BLOCK.sub(filled, text)

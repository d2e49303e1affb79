"""Set up the tutorial's exercises in folders of their own, and grade them.

``invoke exercise N`` makes ``exercises/N-<slug>/``: a copy of the
project (``alembic.ini``, ``alembic/``, ``models/``, ``scripts/``) whose
database is ``exercise.db`` in that folder, whose chain gets whatever the
exercise starts from, and whose ``scripts/stages/`` declares the
exercise's target stage, so ``alembic revision --autogenerate`` there
compares with the exercise's models.  The learner's ``tutorial.db`` is
never opened.  ``invoke exercise N --check`` grades the folder with
:func:`sqlalchemy_stairway.exercises.grade`, in scratch databases.
"""

import os
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from scripts.exercises import EXERCISES
from scripts.shell_sessions import PROJECT_PARTS
from scripts.stages import HEAD, PROJECT_ROOT, STAIRWAY
from sqlalchemy_stairway import exercises
from sqlalchemy_stairway.check.engines import parse_url
from sqlalchemy_stairway.check.errors import StairwayError
from sqlalchemy_stairway.exercises import DATABASE_NAMES, Exercise

EXERCISES_DIR = PROJECT_ROOT / "exercises"
BACKUPS_DIR = EXERCISES_DIR / "backups"
SQLITE_SERVER = "sqlite:///exercise.db"  # only its kind counts: grading uses scratch files
# where a learner who has servers says so, as the test suite reads them
SERVER_VARIABLES = ("DATABASE_URL", "TUTORIAL_POSTGRES_URL", "TUTORIAL_MARIADB_URL")
DATABASE_LINE = re.compile(r"^sqlalchemy\.url = .*$", re.MULTILINE)

STAGE_MODULE = '''\
"""Exercise {number}'s target: {title} (written by `invoke exercise {number}`)."""

from scripts.exercises.{module} import exercise
from scripts.stages.stage{head_number} import stage as head

stage = exercise.target(head)
'''


STARTING_AGAIN = """
If `exercise.db` gets stuck (a downgrade that failed half-way leaves it
between two revisions), `invoke exercise {number} --new-database` deletes
it and keeps your revisions; `alembic upgrade head` then makes a clean
one. `invoke exercise {number} --reset` starts the whole exercise again,
and keeps your folder in `exercises/backups/`.
"""


def parse_exercise(text: str | int) -> tuple[int, Exercise]:
    """Return the exercise numbered ``text``, or raise a StairwayError that says why not."""
    last = len(EXERCISES)
    try:
        number = int(text)
    except (TypeError, ValueError):
        raise StairwayError(
            f"an exercise is a number from 1 to {last}, not {text!r}; `invoke exercises` lists them"
        ) from None
    if not 1 <= number <= last:
        raise StairwayError(
            f"there is no exercise {number}; exercises go from 1 to {last} "
            "(`invoke exercises` lists them)"
        )
    return number, EXERCISES[number - 1]


def default_folder(number: int) -> Path:
    """Return where exercise ``number`` is set up: ``exercises/N-<slug>`` in the project."""
    return EXERCISES_DIR / f"{number}-{EXERCISES[number - 1].slug}"


def placeholders(number: int, folder: Path) -> dict[str, str]:
    """What an exercise's task and hints may name: its folder, the head, the next id."""
    try:
        shown = folder.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        shown = folder
    return {
        "number": str(number),
        "folder": str(shown),
        "head": HEAD.revision,
        "next": str(HEAD.number + 1),
        "next_id": f"{HEAD.number + 1:04d}",
    }


def task_text(number: int, folder: Path) -> str:
    """Return exercise ``number``'s task as Markdown, its commands naming ``folder``."""
    exercise = EXERCISES[number - 1]
    filled = placeholders(number, folder)
    return (
        f"# Exercise {number}: {exercise.title}\n\n"
        + exercise.task.format(**filled)
        + STARTING_AGAIN.format(**filled)
    )


def set_up(number: int, folder: Path, *, reset: bool = False) -> Path:
    """Make exercise ``number``'s folder, a copy of the project at its starting point.

    With ``reset``, a folder already there is moved to ``exercises/backups/``
    first (:func:`back_up`), never deleted.
    """
    exercise = EXERCISES[number - 1]
    if folder.exists():
        if not reset:
            raise StairwayError(
                f"{folder} already exists, with your work in it: `invoke exercise {number} "
                f"--check` grades it, `invoke exercise {number} --reset` starts again (and "
                "keeps your work in exercises/backups/)"
            )
        back_up(folder)
    exercises.copy_project(PROJECT_ROOT, folder, PROJECT_PARTS)
    ini = folder / "alembic.ini"
    # the exercise's own database, wherever alembic is run from; never tutorial.db
    text = DATABASE_LINE.sub("sqlalchemy.url = sqlite:///%(here)s/exercise.db", ini.read_text())
    ini.write_text(text)
    module = exercise_module(exercise)
    stage_module = STAGE_MODULE.format(
        number=number, title=exercise.title, module=module, head_number=HEAD.number
    )
    exercises.write_files(
        folder,
        {
            f"scripts/stages/stage{HEAD.number + 1}.py": stage_module,
            "EXERCISE.md": task_text(number, folder),
            **exercise.files(HEAD),
        },
    )
    return folder


def back_up(folder: Path) -> Path:
    """Move ``folder`` into the backups folder, under its name and the time; return where."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    backups = BACKUPS_DIR if folder.parent == EXERCISES_DIR else folder.parent / "backups"
    backups.mkdir(parents=True, exist_ok=True)
    target = backups / f"{folder.name}-{stamp}"
    suffix = 1
    while target.exists():
        suffix += 1
        target = backups / f"{folder.name}-{stamp}-{suffix}"
    shutil.move(str(folder), str(target))
    return target


def new_database(number: int, folder: Path) -> Path | None:
    """Delete the exercise's ``exercise.db`` (your revisions stay); return it if it was there."""
    require_set_up(number, folder)
    database = folder / "exercise.db"
    if not database.exists():
        return None
    database.unlink()
    return database


def exercise_module(exercise: Exercise) -> str:
    """Return the name of the module of ``scripts.exercises`` that declares ``exercise``."""
    return exercise.target.__module__.rsplit(".", 1)[-1]


def require_set_up(number: int, folder: Path) -> None:
    """Fail with one line unless exercise ``number`` is set up in ``folder``."""
    if not (folder / "alembic.ini").is_file():
        raise StairwayError(
            f"exercise {number} is not set up in {folder}; `invoke exercise {number}` sets it up"
        )


def grading_servers(
    urls: Sequence[str] = (), environ: Mapping[str, str] = os.environ
) -> dict[str, str]:
    """Return the databases to grade on, by name: SQLite always, and each server configured.

    A server is configured by ``--url`` or by ``$DATABASE_URL``,
    ``$TUTORIAL_POSTGRES_URL`` or ``$TUTORIAL_MARIADB_URL``; the first URL
    of each kind is used.
    """
    servers = {"SQLite": SQLITE_SERVER}
    given = [*urls, *(environ[name] for name in SERVER_VARIABLES if environ.get(name))]
    for url in given:
        name = DATABASE_NAMES.get(parse_url(url).get_backend_name(), url)
        servers.setdefault(name, url)
    return servers


def only_sqlite_note(number: int) -> str:
    """What to say when the grading covered SQLite alone, and how to cover the others."""
    return (
        "graded on SQLite only; the revision must also run on PostgreSQL and MariaDB: "
        f"`invoke exercise {number} --check --url postgresql+psycopg://USER@HOST/DB "
        "--url mysql+pymysql://USER@HOST/DB` (or $TUTORIAL_POSTGRES_URL and "
        "$TUTORIAL_MARIADB_URL) grades there too, in scratch databases"
    )


def grade(
    number: int, folder: Path, servers: Mapping[str, str] | str, report=lambda line: None
) -> list[str]:
    """Grade exercise ``number`` in ``folder`` on scratch databases on each of ``servers``.

    ``servers`` maps a database's name to a URL on its server (a single
    URL grades there alone).  With more than one, each problem says on
    which database it was found.
    """
    require_set_up(number, folder)
    if isinstance(servers, str):
        servers = {"": servers}
    exercise = EXERCISES[number - 1]
    filled = placeholders(number, folder)
    exercise = replace(
        exercise, hints={kind: hint.format(**filled) for kind, hint in exercise.hints.items()}
    )
    problems = []
    for name, url in servers.items():
        prefix = f"on {name}: " if len(servers) > 1 else ""

        def said(line: str, prefix: str = prefix) -> None:
            report(prefix + line)

        found = exercises.grade(exercise, STAIRWAY, folder, url, said)
        problems += [prefix + problem for problem in found]
    return problems

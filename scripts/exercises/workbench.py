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

import re
import shutil
from dataclasses import replace
from pathlib import Path

from scripts.exercises import EXERCISES
from scripts.shell_sessions import PROJECT_PARTS
from scripts.stages import HEAD, PROJECT_ROOT, STAIRWAY
from sqlalchemy_stairway import exercises
from sqlalchemy_stairway.check.errors import StairwayError
from sqlalchemy_stairway.exercises import Exercise

EXERCISES_DIR = PROJECT_ROOT / "exercises"
DATABASE_LINE = re.compile(r"^sqlalchemy\.url = .*$", re.MULTILINE)

STAGE_MODULE = '''\
"""Exercise {number}'s target: {title} (written by `invoke exercise {number}`)."""

from scripts.exercises.{module} import exercise
from scripts.stages.stage{head_number} import stage as head

stage = exercise.target(head)
'''


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
    return f"# Exercise {number}: {exercise.title}\n\n" + exercise.task.format(
        **placeholders(number, folder)
    )


def set_up(number: int, folder: Path, *, reset: bool = False) -> Path:
    """Make exercise ``number``'s folder, a copy of the project at its starting point."""
    exercise = EXERCISES[number - 1]
    if folder.exists():
        if not reset:
            raise StairwayError(
                f"{folder} already exists, with your work in it: `invoke exercise {number} "
                f"--check` grades it, `invoke exercise {number} --reset` starts again (and "
                "deletes it)"
            )
        shutil.rmtree(folder)
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


def exercise_module(exercise: Exercise) -> str:
    """Return the name of the module of ``scripts.exercises`` that declares ``exercise``."""
    return exercise.target.__module__.rsplit(".", 1)[-1]


def require_set_up(number: int, folder: Path) -> None:
    """Fail with one line unless exercise ``number`` is set up in ``folder``."""
    if not (folder / "alembic.ini").is_file():
        raise StairwayError(
            f"exercise {number} is not set up in {folder}; `invoke exercise {number}` sets it up"
        )


def grade(number: int, folder: Path, url: str, report=lambda line: None) -> list[str]:
    """Grade exercise ``number`` in ``folder`` on scratch databases beside ``url``."""
    require_set_up(number, folder)
    exercise = EXERCISES[number - 1]
    filled = placeholders(number, folder)
    exercise = replace(
        exercise, hints={kind: hint.format(**filled) for kind, hint in exercise.hints.items()}
    )
    return exercises.grade(exercise, STAIRWAY, folder, url, report)

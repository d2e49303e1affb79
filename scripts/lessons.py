"""The lessons: one Markdown page per stage, read top to bottom, run as doctests.

``docs/lessons/stageN.md`` tells what stage N changed and why.  Its
```pycon blocks are its examples, and :func:`run_lesson` runs them, in
order, as one doctest against a fresh ``tutorial.db`` climbed to stage N
(migrated one revision at a time and seeded with the tutorial's rows on
every step, so the rows of stage 1 are the rows that reach stage N).  The
SQL an engine echoes is part of the expected output, every warning is an
error, and a lesson whose examples stop matching the code fails the tests:
the promise the 0.3 tutorial made ("guaranteed to be functioning courtesy
of doctest") and SQLAlchemy's own tutorial still keeps.

Blocks in any other language are read, never run: the old eras' code
that no longer exists (``BoundMetaData``, ``mapper()``, ``session.save``)
is quoted in ```text blocks.

Usage::

    invoke lesson 3                       # read stage 3's lesson in the terminal
    pytest tests/test_lessons.py          # run every lesson's examples
"""

import contextlib
import doctest
import logging
import re
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

from rich.console import Console
from rich.markdown import Markdown
from sqlalchemy import Engine
from sqlalchemy.orm import Session, registry

from models.stages import STAGES
from scripts.database import make_engine
from scripts.errors import StairwayError
from scripts.migrate import PROJECT_ROOT, migration_connection, move
from scripts.seed import seed

LESSONS_DIR = PROJECT_ROOT / "docs" / "lessons"
DATABASE = "tutorial.db"  # the name the lessons open, as the 0.3 tutorial did
RUN_LANGUAGE = "pycon"
OPTIONFLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
ECHO_LOGGER = "sqlalchemy.engine.Engine"  # the logger echo=True writes to
FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})\s*(?P<language>[^\s`]*)")


def lesson_path(stage: int) -> Path:
    """Return the lesson file of ``stage`` (1 to the last stage)."""
    if not 1 <= stage <= STAGES[-1].number:
        raise StairwayError(
            f"there is no lesson for stage {stage}; lessons go from 1 to {STAGES[-1].number}"
        )
    return LESSONS_DIR / f"stage{stage}.md"


def lesson_text(stage: int) -> str:
    """Return the Markdown of ``stage``'s lesson."""
    return lesson_path(stage).read_text(encoding="utf-8")


# -- reading ------------------------------------------------------------------


def render_lesson(console: Console, stage: int) -> None:
    """Print ``stage``'s lesson to ``console``: headings, tables, highlighted code."""
    if stage == 0:
        console.print(
            Markdown(
                f"# Stage 0: {STAGES[0].title}\n\nNo tables yet, and no lesson: "
                "stage 1 creates the first two tables."
            )
        )
        return
    text = lesson_text(stage)
    # the diagram's markers are for scripts.diagrams, not for the reader
    text = re.sub(r"^<!-- .* -->\n", "", text, flags=re.MULTILINE)
    console.print(Markdown(text, code_theme="monokai", hyperlinks=True))


# -- running ------------------------------------------------------------------


def runnable_source(text: str) -> str:
    """Keep the lines inside ```pycon blocks, blank every other line.

    Blanking (rather than dropping) keeps line numbers, so a failure report
    points at the line of the Markdown file, and it keeps ``>>>`` prompts
    quoted from the old tutorials in ```text blocks out of the doctest.
    """
    kept: list[str] = []
    fence: str | None = None
    running = False
    for line in text.splitlines():
        match = FENCE.match(line)
        if fence is None and match:
            fence, running = match["fence"], match["language"] == RUN_LANGUAGE
            kept.append("")
        elif fence is not None and line.strip() == fence:
            fence, running = None, False
            kept.append("")
        else:
            kept.append(line if running else "")
    return "\n".join(kept) + "\n"


def prepare_database(folder: Path, stage: int) -> Path:
    """Create ``folder/tutorial.db`` at ``stage``, climbing and seeding every step."""
    path = folder / DATABASE
    if path.exists():
        # never migrate a database someone may care about; lessons start fresh
        raise StairwayError(f"{path} already exists; lessons run in an empty folder")
    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    try:
        with migration_connection(url) as migrations:
            for step in STAGES[1 : stage + 1]:
                move(migrations, step)
                with engine.begin() as connection:
                    seed(connection, step.number)
    finally:
        engine.dispose()
    return path


class _CurrentStdout:
    """A stream that writes wherever ``sys.stdout`` points now (doctest swaps it)."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


@contextlib.contextmanager
def echo_into_stdout() -> Iterator[None]:
    """Send ``echo=True`` output to stdout, message only, so doctests can expect it.

    With a handler already on the logger, ``echo=True`` adds none of its
    own, so the lines come without the timestamp a terminal would show.
    """
    logger = logging.getLogger(ECHO_LOGGER)
    saved = logger.handlers[:], logger.propagate
    handler = logging.StreamHandler(_CurrentStdout())
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.handlers, logger.propagate = [handler], False
    try:
        yield
    finally:
        logger.handlers, logger.propagate = saved


def _close(globs: dict) -> None:
    """Close the sessions, engines and mappings a lesson left open.

    Mappings outlive the lesson in SQLAlchemy's global list of registries,
    and the next ``configure_mappers()`` anywhere in the process would try
    to configure them; a lesson's own registries are disposed of here.
    """
    values = list(globs.values())
    for value in values:
        if isinstance(value, Session):
            value.close()
    for value in values:
        if isinstance(value, Engine):
            value.dispose()
    module = globs.get("__name__")
    for value in values:
        found = value.registry if isinstance(value, type) and hasattr(value, "registry") else value
        if (
            isinstance(found, registry)
            and found.mappers
            and all(mapper.class_.__module__ == module for mapper in found.mappers)
        ):
            found.dispose()


def run_lesson(
    stage: int,
    tmp_dir: Path,
    *,
    text: str | None = None,
    out: Callable[[str], object] | None = None,
    fail_fast: bool = False,
) -> doctest.TestResults:
    """Run the ```pycon examples of ``stage``'s lesson; return failures and attempts.

    The examples run in ``tmp_dir``, where ``tutorial.db`` waits at
    ``stage``; ``text`` replaces the lesson's own Markdown (the tests use it
    to prove that an example missing its effect fails), ``out``
    receives doctest's failure report (default: stdout), and ``fail_fast``
    stops at the first failure.
    """
    markdown = lesson_text(stage) if text is None else text
    name = f"stage{stage}.md"
    test = doctest.DocTestParser().get_doctest(
        runnable_source(markdown),
        globs={"__name__": f"lesson_stage{stage}"},
        name=name,
        filename=f"docs/lessons/{name}",
        lineno=0,
    )
    prepare_database(tmp_dir, stage)
    runner = doctest.DocTestRunner(
        optionflags=OPTIONFLAGS | (doctest.FAIL_FAST if fail_fast else 0)
    )
    with (
        contextlib.chdir(tmp_dir),
        echo_into_stdout(),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("error")  # no deprecated API may run in a lesson
        try:
            return runner.run(test, out=out, clear_globs=False)
        finally:
            _close(test.globs)
            test.globs.clear()

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

The comparison is exact, statement by statement: doctest's ``ELLIPSIS`` is
off, because one ``[...]`` could then swallow whole statements.  Only what
differs from run to run is normalised, within one line: the timing in
SQLAlchemy's cache note in front of echoed parameters (``[generated in
0.00012s]``, ``[cached since 3.2s ago]``, also ahead of ``(insertmanyvalues)
1/2``), which a lesson writes as ``[...]``, and an object's memory address,
written ``0x...``.  ``[raw sql]`` and ``[insertmanyvalues 2/2 ...]`` never
vary, so a lesson shows them as they are.

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
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.markdown import Markdown
from sqlalchemy import Engine
from sqlalchemy.orm import Session, registry

from scripts.includes import expand_includes
from scripts.stages import PROJECT_ROOT, STAGES, STAIRWAY
from sqlalchemy_stairway.check.engines import make_engine
from sqlalchemy_stairway.check.errors import StairwayError
from sqlalchemy_stairway.migrate import migrate, migration_connection
from sqlalchemy_stairway.pictures import er_picture
from sqlalchemy_stairway.seeding import seed

LESSONS_DIR = PROJECT_ROOT / "docs" / "lessons"
DATABASE = "tutorial.db"  # the name the lessons open, as the 0.3 tutorial did
RUN_LANGUAGE = "pycon"
OPTIONFLAGS = doctest.NORMALIZE_WHITESPACE  # never ELLIPSIS: see EchoChecker
ECHO_LOGGER = "sqlalchemy.engine.Engine"  # the logger echo=True writes to
FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})\s*(?P<language>[^\s`]*)")
# the timed part of the note SQLAlchemy's echo puts before a statement's
# parameters (engine/default.py, _get_cache_stats); [^]\n] keeps it on one line
CACHE_NOTE = re.compile(
    r"^\[(?:generated in|cached since|no key|caching disabled"
    r"|dialect [^]\n]* does not support caching)"
    r" [^]\n]*?(?P<batch> \(insertmanyvalues\) [^]\n]*)?\]",
    flags=re.MULTILINE,
)
# the ER diagram between the markers scripts.diagrams writes
DIAGRAM = re.compile(r"<!-- diagram:begin -->\n.*?<!-- diagram:end -->", re.DOTALL)
MEMORY_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]+\b")
STAGE_LESSON = re.compile(r"stage\d+")
RUNS_AT = re.compile(r"<!-- runs at stage (?P<stage>\d+) -->")


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


@dataclass(frozen=True)
class Page:
    """A page of docs/lessons beside the stages' lessons, and the stage its examples run at."""

    path: Path
    stage: int

    @property
    def name(self) -> str:
        return self.path.name

    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")


def more_pages() -> list[Page]:
    """Return the pages that are not a stage's lesson, each read after its stage's lesson.

    Such a page says on its first line at which stage its examples and
    sessions run (``<!-- runs at stage 4 -->``); a page without that line
    is an error, never a page that silently runs nowhere.
    """
    found = []
    for path in sorted(LESSONS_DIR.glob("*.md")):
        if STAGE_LESSON.fullmatch(path.stem):
            continue
        first = path.read_text(encoding="utf-8").partition("\n")[0]
        marker = RUNS_AT.fullmatch(first.strip())
        if marker is None:
            raise StairwayError(
                f"{path.name} must start with `<!-- runs at stage N -->`, the stage its "
                "examples run at"
            )
        found.append(Page(path, int(marker["stage"])))
    return sorted(found, key=lambda page: (page.stage, page.name))


def all_pages() -> list[Page]:
    """Return every page of docs/lessons in reading order: each lesson, then its stage's pages."""
    extra = more_pages()
    ordered: list[Page] = []
    for stage in STAGES[1:]:
        ordered.append(Page(lesson_path(stage.number), stage.number))
        ordered.extend(page for page in extra if page.stage == stage.number)
    return ordered


# -- reading ------------------------------------------------------------------


def render_lesson(console: Console, stage: int) -> None:
    """Print ``stage``'s lesson to ``console``: headings, tables, highlighted code."""
    console.print(lesson_markdown(stage, width=console.width))


def lesson_markdown(stage: int, width: int = 100) -> Markdown:
    """Return ``stage``'s lesson for a terminal, its ER diagram drawn as a text picture.

    A terminal cannot draw the Mermaid block that GitHub renders, and its
    source is no picture; the models give the same diagram as boxes.
    """
    if stage == 0:
        return Markdown(
            f"# Stage 0: {STAGES[0].title}\n\nNo tables yet, and no lesson: "
            "stage 1 creates the first two tables."
        )
    text = expand_includes(lesson_text(stage), LESSONS_DIR)
    picture = er_picture(STAGES[stage].metadata, width=width - 4)
    text = DIAGRAM.sub(lambda _: f"```text\n{picture}\n```", text)
    text = re.sub(r"^<!-- .* -->\n", "", text, flags=re.MULTILINE)  # notes for the tools
    return Markdown(text, code_theme="monokai", hyperlinks=True)


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
                migrate(STAIRWAY, migrations, step)
                with engine.begin() as connection:
                    seed(STAIRWAY, connection, step)
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


def normalise_echo(text: str) -> str:
    """Return ``text`` with what varies between runs written as a lesson writes it.

    ``[generated in 0.00012s] ('Mary',)`` becomes ``[...] ('Mary',)``, and
    ``<Mapper at 0x7f3a...>`` becomes ``<Mapper at 0x...>``; nothing else
    changes, and nothing is matched across a line break.
    """
    text = CACHE_NOTE.sub(lambda match: f"[...{match['batch'] or ''}]", text)
    return MEMORY_ADDRESS.sub("0x...", text)


class EchoChecker(doctest.OutputChecker):
    """Compare an example's output exactly, after :func:`normalise_echo`."""

    def check_output(self, want: str, got: str, optionflags: int) -> bool:
        return super().check_output(
            normalise_echo(want), normalise_echo(got), optionflags & ~doctest.ELLIPSIS
        )

    def output_difference(self, example: doctest.Example, got: str, optionflags: int) -> str:
        shown = doctest.Example(example.source, normalise_echo(example.want))
        return super().output_difference(shown, normalise_echo(got), optionflags)


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
    name: str | None = None,
) -> doctest.TestResults:
    """Run the ```pycon examples of ``stage``'s lesson; return failures and attempts.

    The examples run in ``tmp_dir``, where ``tutorial.db`` waits at
    ``stage``; ``text`` replaces the lesson's own Markdown (the tests use it
    to prove that an example missing its effect fails), ``out``
    receives doctest's failure report (default: stdout), and ``fail_fast``
    stops at the first failure; ``name`` is the page's file name, for reports
    (default: the stage's lesson).
    """
    markdown = lesson_text(stage) if text is None else text
    name = name or f"stage{stage}.md"
    test = doctest.DocTestParser().get_doctest(
        runnable_source(markdown),
        globs={"__name__": f"lesson_stage{stage}"},
        name=name,
        filename=f"docs/lessons/{name}",
        lineno=0,
    )
    prepare_database(tmp_dir, stage)
    runner = doctest.DocTestRunner(
        checker=EchoChecker(),
        optionflags=OPTIONFLAGS | (doctest.FAIL_FAST if fail_fast else 0),
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

"""The lessons run: every ```pycon example of every stage, checked against its output.

A lesson whose example stops matching the code fails here.  That a lesson
also fails when it loses an effect it claims (the ``rollback()`` after a
failed flush, a cascade) is each stage's own test, in tests/stages/.
"""

import doctest
import io
import re

import pytest
from rich.console import Console

from scripts.lessons import (
    EchoChecker,
    all_pages,
    lesson_path,
    lesson_text,
    more_pages,
    normalise_echo,
    render_lesson,
    run_lesson,
    runnable_source,
)
from scripts.stages import STAGES, STAIRWAY
from sqlalchemy_stairway.check.errors import StairwayError

LESSONS = [stage.number for stage in STAGES[1:]]


@pytest.mark.parametrize("stage", LESSONS)
def test_lesson_examples_run(stage: int, tmp_path) -> None:
    report: list[str] = []
    results = run_lesson(stage, tmp_path, out=report.append)
    assert results.attempted >= 3, "a lesson teaches by examples; this one has almost none"
    assert results.failed == 0, "".join(report)


@pytest.mark.parametrize("page", more_pages(), ids=lambda page: page.name)
def test_the_other_pages_examples_run(page, tmp_path) -> None:
    report: list[str] = []
    results = run_lesson(page.stage, tmp_path, text=page.text(), out=report.append, name=page.name)
    assert results.failed == 0, "".join(report)


def test_every_page_says_where_it_runs_and_comes_after_its_stage(tmp_path, monkeypatch) -> None:
    import scripts.lessons

    names = [page.name for page in all_pages()]
    assert names[0] == "stage1.md"
    for page in more_pages():
        assert names.index(page.name) > names.index(f"stage{page.stage}.md")
    (tmp_path / "stage1.md").write_text("# Stage 1\n")
    (tmp_path / "loose.md").write_text("# A page that says nothing of its stage\n")
    monkeypatch.setattr(scripts.lessons, "LESSONS_DIR", tmp_path)
    with pytest.raises(
        StairwayError, match=re.escape("loose.md must start with `<!-- runs at stage N -->`")
    ):
        more_pages()


def test_only_pycon_blocks_run() -> None:
    text = "\n".join(
        [
            "Quoted from 0.3:",
            "```text",
            ">>> session.save(ed)",
            "```",
            "",
            "```pycon",
            ">>> 1 + 1",
            "2",
            "```",
        ]
    )
    source = runnable_source(text)
    assert ">>> session.save" not in source
    # blanked, not dropped: line 7 of the Markdown is line 7 of the doctest
    assert source.splitlines()[6] == ">>> 1 + 1"


def test_a_deprecated_call_fails_the_lesson(tmp_path) -> None:
    text = "\n".join(
        [
            "```pycon",
            ">>> from sqlalchemy.ext.declarative import declarative_base",
            ">>> Base = declarative_base()",
            "```",
        ]
    )
    report: list[str] = []
    results = run_lesson(1, tmp_path, text=text, out=report.append)
    assert results.failed == 1
    assert "MovedIn20Warning" in "".join(report)


def test_echo_is_expected_output(tmp_path) -> None:
    text = "\n".join(
        [
            "```pycon",
            ">>> from sqlalchemy import create_engine, text",
            ">>> engine = create_engine('sqlite:///tutorial.db', echo=True)",
            ">>> with engine.connect() as conn:",
            "...     conn.execute(text('SELECT count(*) FROM users')).scalar()",
            "BEGIN (implicit)",
            "SELECT count(*) FROM users",
            "[...] ()",
            "4",
            "ROLLBACK",
            "```",
        ]
    )
    assert run_lesson(1, tmp_path, text=text).failed == 0
    # the same example, expecting a COMMIT that never happens
    wrong = text.replace("ROLLBACK", "COMMIT")
    assert run_lesson(1, tmp_path / "again", text=wrong, out=[].append).failed == 1


@pytest.mark.parametrize(
    ("echoed", "written"),
    [
        ("[generated in 0.00012s] ('Mary',)", "[...] ('Mary',)"),
        ("[cached since 3.042s ago] ()", "[...] ()"),
        ("[no key 0.00009s] ()", "[...] ()"),
        ("[dialect sqlite+pysqlite does not support caching 0.00010s] ()", "[...] ()"),
        (
            "[generated in 0.00020s (insertmanyvalues) 1/2 (ordered; batch not supported)] ('a',)",
            "[... (insertmanyvalues) 1/2 (ordered; batch not supported)] ('a',)",
        ),
        # these never vary, so a lesson shows them as they are
        ("[raw sql] ()", "[raw sql] ()"),
        (
            "[insertmanyvalues 2/2 (ordered; batch not supported)] ('b',)",
            "[insertmanyvalues 2/2 (ordered; batch not supported)] ('b',)",
        ),
        ("<Mapper at 0x7f3a1c2b9d50; User>", "<Mapper at 0x...; User>"),
        # a note only opens a line; in a value it is data
        ("('[generated in 1s]',)", "('[generated in 1s]',)"),
    ],
)
def test_only_what_varies_is_normalised(echoed: str, written: str) -> None:
    assert normalise_echo(echoed) == written


# What a lesson would expect from an example deleting Fred's addresses,
# and what the engine echoes when the example also, by mistake, deletes Fred.
EXPECTED = """\
BEGIN (implicit)
DELETE FROM email_addresses WHERE user_id = ?
[...] (3,)
COMMIT
"""
ECHOED_WITH_AN_EXTRA_DELETE = """\
BEGIN (implicit)
DELETE FROM email_addresses WHERE user_id = ?
[generated in 0.00011s] (3,)
DELETE FROM users WHERE user_id = ?
[generated in 0.00007s] (3,)
COMMIT
"""


def test_an_extra_statement_is_not_swallowed() -> None:
    # doctest's ELLIPSIS reads "[...] (3,)" as "[", anything, "] (3,)"
    loose = doctest.OutputChecker()
    assert loose.check_output(EXPECTED, ECHOED_WITH_AN_EXTRA_DELETE, doctest.ELLIPSIS)
    strict = EchoChecker()
    assert not strict.check_output(EXPECTED, ECHOED_WITH_AN_EXTRA_DELETE, doctest.ELLIPSIS)
    exact = ECHOED_WITH_AN_EXTRA_DELETE.replace("DELETE FROM users WHERE user_id = ?\n", "")
    exact = exact.replace("[generated in 0.00007s] (3,)\n", "")
    assert strict.check_output(EXPECTED, exact, 0)


def test_an_extra_statement_fails_the_lesson(tmp_path) -> None:
    example = "\n".join(
        [
            "```pycon",
            ">>> from sqlalchemy import create_engine, text",
            ">>> engine = create_engine('sqlite:///tutorial.db', echo=True)",
            ">>> with engine.begin() as conn:",
            "...     gone = conn.execute(text('DELETE FROM email_addresses WHERE user_id = 3'))",
            "BEGIN (implicit)",
            "DELETE FROM email_addresses WHERE user_id = 3",
            "[...] ()",
            "COMMIT",
            "```",
        ]
    )
    assert run_lesson(1, tmp_path, text=example).failed == 0
    extra = example.replace(
        "user_id = 3'))",
        "user_id = 3'))\n...     gone = conn.execute(text('DELETE FROM users WHERE user_id = 3'))",
    )
    report: list[str] = []
    results = run_lesson(1, tmp_path / "again", text=extra, out=report.append)
    assert results.failed == 1
    assert "DELETE FROM users WHERE user_id = 3" in "".join(report)


@pytest.mark.parametrize("stage", LESSONS)
def test_lesson_renders_in_the_terminal(stage: int) -> None:
    out = io.StringIO()
    render_lesson(Console(file=out, width=100, color_system=None), stage)
    shown = out.getvalue()
    assert f"Stage {stage}" in shown
    # the ER diagram as a picture: a box per table, an arrow per foreign key, no Mermaid source
    assert "erDiagram" not in shown and "||" not in shown
    metadata = STAIRWAY[stage].metadata
    for table in metadata.tables.values():
        assert f"┌ {table.name} " in shown
        for fk in table.foreign_keys:
            target = f"{fk.column.table.name}.{fk.column.name}"
            assert f"{table.name}.{fk.parent.name} ──▶ {target}" in shown
    assert "<!--" not in shown


def test_a_lessons_next_line_names_the_next_stage_and_its_commands() -> None:
    # a newly scaffolded stage's lesson may not have one yet; those that do must be right
    endings = {stage: lesson_text(stage).strip().split("\n\n")[-1] for stage in LESSONS}
    nexts = {stage: last for stage, last in endings.items() if last.startswith("Next:")}
    assert nexts
    for stage, last in nexts.items():
        nxt = stage + 1
        assert last.startswith(f"Next: [stage {nxt}](stage{nxt}.md), "), last  # and what it is
        assert f"`invoke stage {nxt}`" in last and f"`invoke lesson {nxt}`" in last, last


@pytest.mark.parametrize("stage", LESSONS)
def test_lessons_call_their_sources_the_source_tutorials(stage: int) -> None:
    # "seeds/001" named a folder the repository does not have; seeding is inserting rows here
    assert "seeds/" not in lesson_text(stage)
    assert "the seed's" not in lesson_text(stage)


def test_stage_0_renders_without_a_lesson() -> None:
    out = io.StringIO()
    render_lesson(Console(file=out, width=100, color_system=None), 0)
    assert "Stage 0" in out.getvalue()


# Spellings of the old eras that fail in SQLAlchemy 2.1 (test_removed_api_fails)...
REMOVED_API = (
    "BoundMetaData",
    "mapper(",
    "relation(",
    "session.save(",
    ".select_by(",
    "select([",
    "engine.execute(",
)
# ...and legacy ones that still run (test_legacy_api_still_runs). Lessons
# quote both and run neither: they teach the 2.x spelling.
LEGACY_API = (
    "create_session",
    "sqlalchemy.ext.declarative",
    "session.query(",
)


def test_removed_api_fails() -> None:
    """What the lessons call gone is gone: each spelling fails in SQLAlchemy 2.1."""
    import sqlalchemy
    from sqlalchemy import Column, Engine, Integer, MetaData, Table, select
    from sqlalchemy.exc import ArgumentError, InvalidRequestError
    from sqlalchemy.orm import Query, Session, mapper

    assert not hasattr(sqlalchemy, "BoundMetaData")
    with pytest.raises(InvalidRequestError, match=r"removed as of SQLAlchemy 2\.0"):
        mapper(object, None)
    assert not hasattr(sqlalchemy.orm, "relation")
    assert not hasattr(Session, "save")
    assert not hasattr(Query, "select_by")
    assert not hasattr(Engine, "execute")
    table = Table("t", MetaData(), Column("id", Integer, primary_key=True))
    with pytest.raises(ArgumentError):
        select([table.c.id])


def test_legacy_api_still_runs() -> None:
    """What the lessons call legacy still runs in SQLAlchemy 2.1, the old import with a warning."""
    from sqlalchemy import Column, Integer, create_engine
    from sqlalchemy.exc import MovedIn20Warning
    from sqlalchemy.ext.declarative import declarative_base
    from sqlalchemy.orm import create_session

    with pytest.warns(MovedIn20Warning):
        Base = declarative_base()

    class Thing(Base):
        __tablename__ = "thing"
        id = Column(Integer, primary_key=True)

    engine = create_engine("sqlite://")
    try:
        Base.metadata.create_all(engine)
        session = create_session(engine)
        assert session.autoflush is False
        session.add(Thing(id=1))
        session.flush()
        assert session.query(Thing).filter_by(id=1).first().id == 1
        session.close()
    finally:
        Base.registry.dispose()
        engine.dispose()


@pytest.mark.parametrize("stage", LESSONS)
def test_old_code_is_quoted_not_run(stage: int) -> None:
    """Older code is quoted in labelled text blocks, and none of the removed API runs."""
    text = lesson_text(stage)
    labels = re.findall(r"^\*\*(.+):\*\*\n\n```text\n", text, flags=re.MULTILINE)
    if STAIRWAY[stage].era != STAIRWAY[stage - 1].era:
        assert labels, "a lesson that starts an era shows the code of the era it replaces"
    assert text.count("```text\n") == len(labels), "every quote says where it comes from"
    runnable = runnable_source(text)
    for spelling in REMOVED_API + LEGACY_API:
        assert spelling not in runnable, f"{lesson_path(stage).name} runs {spelling}"

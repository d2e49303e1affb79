"""The lessons run: every ```pycon example of every stage, checked against its output.

A lesson whose example stops matching the code fails here, and so does a
lesson that loses an effect it claims: each case in ``EFFECTS`` deletes one
line that does something (the ``rollback()`` after a failed flush, a
``commit()``, a cascade) and expects the examples after it to notice.
"""

import io
import re

import pytest
from rich.console import Console

from models.stages import STAGES
from scripts.lessons import lesson_path, lesson_text, render_lesson, run_lesson, runnable_source

LESSONS = [stage.number for stage in STAGES[1:]]


@pytest.mark.parametrize("stage", LESSONS)
def test_lesson_examples_run(stage: int, tmp_path) -> None:
    report: list[str] = []
    results = run_lesson(stage, tmp_path, out=report.append)
    assert results.attempted > 20, "a lesson teaches by examples; this one has almost none"
    assert results.failed == 0, "".join(report)


def without(text: str, line: str) -> str:
    """Return ``text`` with the one line equal to ``line`` removed."""
    lines = text.splitlines(keepends=True)
    found = [i for i, each in enumerate(lines) if each.rstrip("\n") == line]
    assert len(found) == 1, f"{line!r} is in the lesson {len(found)} times, not once"
    del lines[found[0]]
    return "".join(lines)


# (stage, a line whose effect later examples show)
EFFECTS = [
    pytest.param(1, ">>> session.delete(fred)", id="stage1-delete"),
    pytest.param(1, "...         wendy.addresses.append(Address(None))", id="stage1-rollback"),
    pytest.param(2, ">>> session.rollback()", id="stage2-rollback"),
    pytest.param(3, ">>> session.add(jenny)", id="stage3-add"),
    pytest.param(
        4,
        "...     conn.commit()  # without it, the block would end in ROLLBACK",
        id="stage4-commit-as-you-go",
    ),
    pytest.param(5, ">>> order.items.remove(shake)", id="stage5-delete-orphan"),
]


@pytest.mark.parametrize(("stage", "line"), EFFECTS)
def test_removing_an_effect_fails_the_lesson(stage: int, line: str, tmp_path) -> None:
    text = without(lesson_text(stage), line)
    results = run_lesson(stage, tmp_path, text=text, out=[].append, fail_fast=True)
    assert results.failed > 0, f"the lesson still passes without {line!r}"


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


@pytest.mark.parametrize("stage", LESSONS)
def test_lesson_renders_in_the_terminal(stage: int) -> None:
    out = io.StringIO()
    render_lesson(Console(file=out, width=100, color_system=None), stage)
    shown = out.getvalue()
    assert f"Stage {stage}" in shown
    assert "erDiagram" in shown
    assert "<!--" not in shown


def test_stage_0_renders_without_a_lesson() -> None:
    out = io.StringIO()
    render_lesson(Console(file=out, width=100, color_system=None), 0)
    assert "Stage 0" in out.getvalue()


REMOVED_API = (
    "BoundMetaData",
    "mapper(",
    "relation(",
    "create_session",
    "session.save(",
    ".select_by(",
    "select([",
    "sqlalchemy.ext.declarative",
    "session.query(",
)


@pytest.mark.parametrize("stage", LESSONS)
def test_old_code_is_quoted_not_run(stage: int) -> None:
    """Older code is quoted in labelled text blocks, and none of the removed API runs."""
    text = lesson_text(stage)
    labels = re.findall(r"^\*\*(.+):\*\*\n\n```text\n", text, flags=re.MULTILINE)
    assert labels, "each lesson shows the code of the era it replaces"
    assert text.count("```text\n") == len(labels), "every quote says where it comes from"
    runnable = runnable_source(text)
    for removed in REMOVED_API:
        assert removed not in runnable, f"{lesson_path(stage).name} runs {removed}"

"""Each lesson shows its revision's code from the revision file itself."""

import io
from pathlib import Path

import pytest
from rich.console import Console

from scripts.includes import expand_includes, includes, python_object_source
from scripts.lessons import LESSONS_DIR, lesson_text, render_lesson
from scripts.stages import STAGES, STAIRWAY
from sqlalchemy_stairway.check.errors import StairwayError

LESSONS = [stage.number for stage in STAGES[1:]]


@pytest.mark.parametrize("stage", LESSONS)
def test_each_lesson_includes_its_revisions_upgrade_and_downgrade(stage: int) -> None:
    revision_file = Path(STAIRWAY.revision_module(STAGES[stage]).__file__).resolve()
    shown = {
        include.pyobject
        for include in includes(lesson_text(stage))
        if (LESSONS_DIR / include.path).resolve() == revision_file
    }
    assert {"upgrade", "downgrade"} <= shown


@pytest.mark.parametrize("stage", LESSONS)
def test_the_terminal_shows_the_code_as_the_file_has_it(stage: int) -> None:
    module = STAIRWAY.revision_module(STAGES[stage])
    out = io.StringIO()
    render_lesson(Console(file=out, width=200, color_system=None), stage)
    shown = [line.strip() for line in out.getvalue().splitlines()]
    for name in ("upgrade", "downgrade"):
        code = python_object_source(Path(module.__file__), name)
        for line in code.splitlines():
            assert line.strip() in shown, f"{name}() of revision {module.revision}: {line!r}"
    assert "literalinclude" not in out.getvalue()


def test_an_include_follows_the_file(tmp_path) -> None:
    revision = tmp_path / "0009_x.py"
    revision.write_text('"""X"""\n\n\ndef upgrade():\n    op.add_column("t", c)\n\n\nx = 1\n')
    lesson = (
        "Before.\n\n```{literalinclude} 0009_x.py\n:language: python\n:pyobject: upgrade\n```\n"
    )
    expanded = expand_includes(lesson, tmp_path)
    assert expanded == 'Before.\n\n```python\ndef upgrade():\n    op.add_column("t", c)\n```\n'
    revision.write_text(revision.read_text().replace('"t"', '"u"'))
    assert 'op.add_column("u", c)' in expand_includes(lesson, tmp_path)


def test_a_missing_file_or_function_says_which(tmp_path) -> None:
    (tmp_path / "0009_x.py").write_text("def upgrade():\n    pass\n")
    missing_file = "```{literalinclude} nowhere.py\n:pyobject: upgrade\n```"
    with pytest.raises(StairwayError, match=r"includes nowhere\.py, which does not exist"):
        expand_includes(missing_file, tmp_path)
    missing_function = "```{literalinclude} 0009_x.py\n:pyobject: downgrade\n```"
    with pytest.raises(StairwayError, match="has no top-level function or class 'downgrade'"):
        expand_includes(missing_function, tmp_path)

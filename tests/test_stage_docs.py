"""The docs that list the stages list the stairway's (scripts/stage_docs.py)."""

import importlib
import re
from pathlib import Path

from scripts.lessons import lesson_path, lesson_text
from scripts.stage_docs import (
    add_table_row,
    closing,
    counted_stages,
    move_closing,
    stage_table,
)
from scripts.stages import PROJECT_ROOT, STAIRWAY

LINK = re.compile(r"\[(.+?)\]\((.+?)\)")


def linked(cell: str) -> tuple[str, str]:
    """Return the text and the target of the one link in ``cell``."""
    (found,) = LINK.findall(cell)
    return found


def test_the_readmes_stage_table_is_the_stairway():
    table = stage_table((PROJECT_ROOT / "README.md").read_text(encoding="utf-8"))
    assert sorted(table) == [stage.number for stage in STAIRWAY], "a row per stage, no more"
    scripts = STAIRWAY.script_directory()
    for stage in STAIRWAY.stages[1:]:
        revision, era, _schema, models, lesson = table[stage.number]
        text, target = linked(revision)
        assert text == f"`{stage.revision}`", stage.label
        assert PROJECT_ROOT / target == Path(scripts.get_revision(stage.revision).path)
        assert era == stage.era, f"{stage.label}: the README says era {era}"
        _, target = linked(models)
        module = importlib.import_module(target.removesuffix(".py").replace("/", "."))
        # the same tables, not the same object: a test that re-imports models may run first
        assert sorted(module.metadata.tables) == sorted(stage.metadata.tables), (
            f"{stage.label}: {target} is not its models"
        )
        assert linked(lesson) == (f"stage {stage.number}", f"docs/lessons/stage{stage.number}.md")


def test_only_the_head_lesson_closes_the_stairway_and_counts_its_stages():
    closings = {s.number: closing(lesson_text(s.number)) for s in STAIRWAY.stages[1:]}
    assert [n for n, found in closings.items() if found] == [STAIRWAY.head.number]
    assert counted_stages(closings[STAIRWAY.head.number]) == STAIRWAY.head.number


def test_a_new_stage_gets_a_row_and_the_closing(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(
        "# x\n\n## The stages\n\n| stage | a |\n|---|---|\n| 0 | - |\n| 1 | one |\n\n## Next\n",
        encoding="utf-8",
    )
    add_table_row(readme, 2, ["two"])
    assert stage_table(readme.read_text(encoding="utf-8")) == {0: ["-"], 1: ["one"], 2: ["two"]}

    old, new = tmp_path / "stage1.md", tmp_path / "stage2.md"
    old.write_text(lesson_path(STAIRWAY.head.number).read_text(encoding="utf-8"), "utf-8")
    new.write_text("# Stage 2\n\nNew.\n", encoding="utf-8")
    move_closing(old, new, STAIRWAY.head.number + 1)
    assert closing(old.read_text(encoding="utf-8")) is None
    moved = closing(new.read_text(encoding="utf-8"))
    assert counted_stages(moved) == STAIRWAY.head.number + 1
    assert new.read_text(encoding="utf-8").startswith("# Stage 2\n\nNew.\n")

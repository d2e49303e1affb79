"""The SQL each revision emits matches its golden file (sqlalchemy_stairway.golden)."""

import difflib

import pytest

from scripts.golden import GOLDEN
from scripts.stages import PROJECT_ROOT, STAIRWAY
from sqlalchemy_stairway import golden
from sqlalchemy_stairway.golden import GoldenFiles

CASES = list(GOLDEN.cases())


def case_id(case) -> str:
    stage, dialect, down = case
    return f"{dialect}-{stage.revision}-{'downgrade' if down else 'upgrade'}"


def shown(path) -> str:
    return path.relative_to(PROJECT_ROOT).as_posix()


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_emitted_sql_matches_the_golden_file(case):
    stage, dialect, down = case
    path = GOLDEN.path(stage, dialect, down)
    expected = GOLDEN.expected_sql(stage, dialect, down)
    if expected is None:
        pytest.fail(f"{shown(path)} is missing; run `invoke golden` to write it", pytrace=False)
    actual = GOLDEN.actual_sql(stage, dialect, down)
    if actual != expected:
        command = f"invoke sql {stage.number} --dialect {dialect}{' --down' if down else ''}"
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                fromfile=f"{shown(path)} (golden)",
                tofile=f"{command} (now)",
            )
        )
        pytest.fail(
            f"revision {stage.revision} emits different SQL on {dialect} than "
            f"{shown(path)} records:\n\n{diff}\n"
            "If the change is intended, run `invoke golden` and commit the updated files.",
            pytrace=False,
        )


def test_no_golden_file_is_left_from_a_stage_or_dialect_that_is_gone():
    stale = GOLDEN.stale()
    if stale:
        pytest.fail(
            "golden files that no stage and dialect account for: "
            + ", ".join(shown(p) for p in stale)
            + "; run `invoke golden`, which removes them",
            pytrace=False,
        )


def test_write_golden_files_writes_changes_only_and_removes_stale_files(tmp_path, monkeypatch):
    files = GoldenFiles(STAIRWAY, tmp_path)
    monkeypatch.setattr(files, "actual_sql", lambda stage, dialect, down: f"-- {stage.number}\n")
    assert len(files.write()) == len(CASES)
    assert files.write() == []

    stale = tmp_path / "oracle" / "0001_upgrade.sql"
    stale.parent.mkdir()
    stale.write_text("-- from a dialect that is gone\n")
    edited = files.path(*CASES[0])
    edited.write_text("-- edited by hand\n")
    assert files.write() == [edited, stale]
    assert not stale.parent.exists()
    assert edited.read_text() == f"-- {CASES[0][0].number}\n"


def test_normalized_strips_trailing_whitespace_only():
    assert golden.normalized("CREATE TABLE t (\n    id INTEGER, \n\tx INTEGER\n);\n\n") == (
        "CREATE TABLE t (\n    id INTEGER,\n\tx INTEGER\n);\n"
    )

"""The revisions read like a careful team's, hand-written: short, plain, no machinery.

The machinery (resuming a half-done run, hashing before the lock,
refusing rows) lives in the library's operations; what stays in a
revision is its own DDL and the few helpers its databases need.  The
budgets count every line but the module docstring and ``SQUAWK_WAIVERS``
(the reasons for squawk's findings, which are prose).
"""

import ast
from pathlib import Path

import pytest

from scripts.stages import STAIRWAY

# stage 4 renames two tables, hashes the passwords, refuses bad rows and adds MariaDB's key
# without copying the table, on three databases
BUDGET = {4: 210}
DEFAULT_BUDGET = 80
MACHINERY = ("concurrent.futures", "ThreadPool", "multiprocessing", "rich.progress", "from models")


def revision_path(stage) -> Path:
    return Path(STAIRWAY.revision_module(stage).__file__)


def counted_lines(source: str) -> int:
    tree = ast.parse(source)
    skipped: set[int] = set()
    for node in tree.body:
        is_docstring = node is tree.body[0] and isinstance(node, ast.Expr)
        target = getattr(node, "target", None) or next(iter(getattr(node, "targets", [])), None)
        if is_docstring or getattr(target, "id", None) == "SQUAWK_WAIVERS":
            skipped.update(range(node.lineno, node.end_lineno + 1))
    return sum(1 for number in range(1, len(source.splitlines()) + 1) if number not in skipped)


@pytest.mark.parametrize("stage", STAIRWAY.stages[1:], ids=lambda stage: f"stage{stage.number}")
def test_a_revision_stays_within_its_budget(stage) -> None:
    budget = BUDGET.get(stage.number, DEFAULT_BUDGET)
    lines = counted_lines(revision_path(stage).read_text(encoding="utf-8"))
    assert lines < budget, f"{revision_path(stage).name}: {lines} lines, the budget is < {budget}"


@pytest.mark.parametrize("stage", STAIRWAY.stages[1:], ids=lambda stage: f"stage{stage.number}")
def test_a_revision_holds_no_machinery(stage) -> None:
    source = revision_path(stage).read_text(encoding="utf-8")
    assert [word for word in MACHINERY if word in source] == []


def test_the_count_leaves_out_the_docstring_and_the_waivers_only() -> None:
    source = (
        '"""Doc.\n\nMore."""\n\nSQUAWK_WAIVERS = {\n    "a": "b",\n}\n'
        "\n\ndef upgrade():\n    pass\n"
    )
    assert counted_lines(source) == 5

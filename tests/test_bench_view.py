"""The live table: each step's time, floor, ratio against its target, and why it missed."""

import io

from rich.console import Console

from sqlalchemy_stairway.bench.steps import Step
from sqlalchemy_stairway.bench.view import View, reason, results_table


def rendered(renderable) -> str:
    console = Console(file=io.StringIO(), width=200)
    console.print(renderable)
    return console.file.getvalue()


def test_a_step_over_its_target_says_where_its_time_went():
    slow = Step("stage 9", "stage", seconds=0.3, floor=0.1, sql_seconds=0.25,
                slowest=[("ALTER TABLE t", 0.2)])  # fmt: skip
    assert reason(slow) == "ALTER TABLE t 200 ms"
    alembic = Step("stage 9", "stage", seconds=0.3, floor=0.1, sql_seconds=0.01,
                   slowest=[("ALTER TABLE t", 0.01)])  # fmt: skip
    assert reason(alembic) == "outside SQL (Alembic, Python) 290 ms"


def test_the_table_shows_ratio_target_and_notes():
    steps = [
        Step("seed", "seed", rows=300, seconds=1.0, floor=1.0, peak_mib=70, sql_seconds=1.0),
        Step("stage 9", "stage", seconds=0.3, floor=0.1, sql_seconds=0.01, same_schema=False,
             floor_python_seconds=0.05),
    ]  # fmt: skip
    shown = rendered(results_table("a run", steps))
    assert "1.00x" in shown and "≤ 1.3x" in shown and "300" in shown
    assert "3.00x" in shown and "outside SQL" in shown
    assert "floor's schema differs" in shown and "floor's Python 0.05 s" in shown


def test_the_view_holds_the_table_and_the_progress():
    view = View("a run", [Step("seed", "seed")])
    view.progress.add_task("seeding", total=10)
    shown = rendered(view)
    assert "a run" in shown and "seeding" in shown

"""Targets, met or not, and the stages' own measurements, run for each stage that has them."""

import dataclasses
import io

from rich.console import Console

from scripts import bench
from scripts.stages import STAIRWAY
from sqlalchemy_stairway.bench.targets import MeasureContext, Measured, Target, run_measurements
from sqlalchemy_stairway.check.engines import parse_url
from sqlalchemy_stairway.stages import Stairway


def test_a_target_is_met_on_the_right_side_of_its_limit():
    assert Target("speed", 10, 8, "/s", at_least=True).met
    assert not Target("speed", 7, 8, "/s", at_least=True).met
    assert Target("wait", 1.5, 2, "s", at_least=False).met
    assert not Target("wait", 2.5, 2, "s", at_least=False).met


def test_a_target_line_says_the_limit_the_value_and_the_verdict():
    line = Target("wait", 2.5, 2, "s", at_least=False, how="500 rows", reason="why").line()
    assert line == "target wait ≤ 2.00 s (500 rows): measured 2.50 s, [red]not met[/]; why"
    assert "[green]met[/]" in Target("speed", 9, 8, "/s", at_least=True).line()


def test_each_stages_measurements_run_with_the_stage_and_are_printed():
    called = []

    def measure(context, stage):
        called.append(stage.number)
        return Measured("fake", targets=[Target("fake", 1, 2, "s", at_least=False)])

    def skip(context, stage):
        return Measured("skipped one", skipped="not on this database")

    last = STAIRWAY.head
    stages = [dataclasses.replace(s, bench_measurements=()) for s in STAIRWAY.stages]
    stages[last.number] = dataclasses.replace(last, bench_measurements=(measure, skip))
    plan = dataclasses.replace(bench.plan(), stairway=Stairway(stages, STAIRWAY.alembic_ini))
    out = io.StringIO()
    found = run_measurements(MeasureContext(plan, parse_url("sqlite://"), Console(file=out)))
    assert called == [last.number]
    assert [m.name for m in found] == ["fake", "skipped one"]
    printed = out.getvalue()
    assert f"{last.label}: target fake ≤ 2.00 s: measured 1.00 s, met" in printed
    assert f"{last.label}, skipped one: not on this database" in printed

"""The live display of a run: the steps so far, and the progress bars."""

from rich.console import Group
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sqlalchemy_stairway.bench.steps import Step


class View:
    """The results so far, and the progress bars."""

    def __init__(self, title: str, steps: list[Step]) -> None:
        self.title, self.steps = title, steps
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )

    def __rich__(self) -> Group:
        return Group(results_table(self.title, self.steps), self.progress)


def results_table(title: str, steps: list[Step]) -> Table:
    """Return the steps as a table: time, floor, ratio, rows/s, peak memory."""
    table = Table(title=title, title_justify="left")
    for heading in ("step", "time s", "floor s", "ratio", "target", "rows/s", "peak MiB", "note"):
        table.add_column(heading, justify="left" if heading in ("step", "note") else "right")
    for step in steps:
        ratio = step.ratio
        style = "" if ratio is None else ("green" if ratio <= step.target else "red")
        note = [] if ratio is None or ratio <= step.target else [reason(step)]
        if step.floor_python_seconds:
            note.append(f"floor's Python {step.floor_python_seconds:.2f} s")
        if step.same_schema is False:
            note.append("[red]floor's schema differs[/]")
        table.add_row(
            step.name,
            _number(step.seconds, ".3f"),
            _number(step.floor, ".3f"),
            f"[{style}]{ratio:.2f}x[/]" if ratio is not None else "",
            f"≤ {step.target}x",
            _number(step.rows_per_second, ",.0f"),
            _number(step.peak_mib, ".0f"),
            "; ".join(note),
        )
    return table


def reason(step: Step) -> str:
    """Return what took the stairway's time in a step that missed its target."""
    outside = step.outside_sql or 0.0
    statement, seconds = (step.slowest or [("", 0.0)])[0]
    if outside >= seconds:
        return f"outside SQL (Alembic, Python) {outside * 1000:.0f} ms"
    return f"{statement[:40]} {seconds * 1000:.0f} ms"


def _number(value: float | None, spec: str) -> str:
    return "" if value is None else format(value, spec)

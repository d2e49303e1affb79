"""A stage's own measurements, and the targets they are held to.

A stage lists callables in ``Stage.bench_measurements``.  Each takes a
:class:`MeasureContext` (the plan, the server, a console) and the stage,
and returns a
:class:`Measured`: its numbers, and the :class:`Target` s they meet or
miss.  A measurement that does not apply to a database says why in
``Measured.skipped``; the bench prints it instead of a result.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from rich.console import Console
from sqlalchemy import URL, Connection

from sqlalchemy_stairway.bench.plan import BenchPlan
from sqlalchemy_stairway.check.engines import make_engine
from sqlalchemy_stairway.check.scratch import scratch_database
from sqlalchemy_stairway.migrate import migrate
from sqlalchemy_stairway.seeding import seed_on_the_way
from sqlalchemy_stairway.stages import Stage


@dataclass
class Target:
    """A measured value against its limit: at least, or at most."""

    name: str
    measured: float
    limit: float
    unit: str
    at_least: bool
    how: str = ""  # what the limit is made of
    reason: str = ""  # what the measurement means, met or not

    @property
    def met(self) -> bool:
        return self.measured >= self.limit if self.at_least else self.measured <= self.limit

    def line(self) -> str:
        """One line of rich markup: the target, the value, met or not, why."""
        sign = "≥" if self.at_least else "≤"
        verdict = "[green]met[/]" if self.met else "[red]not met[/]"
        how = f" ({self.how})" if self.how else ""
        why = f"; {self.reason}" if self.reason else ""
        return (
            f"target {self.name} {sign} {self.limit:,.2f} {self.unit}{how}: measured "
            f"{self.measured:,.2f} {self.unit}, {verdict}{why}"
        )

    def as_dict(self) -> dict:
        return {**asdict(self), "met": self.met}


@dataclass
class Measured:
    name: str
    data: dict[str, Any] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)
    skipped: str = ""  # why the measurement does not apply here

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "data": self.data,
            "targets": [t.as_dict() for t in self.targets],
            "skipped": self.skipped,
        }


@dataclass
class MeasureContext:
    plan: BenchPlan
    url: URL
    console: Console

    @property
    def dialect(self) -> str:
        return self.url.get_backend_name()

    @contextmanager
    def database_at(self, stage: Stage) -> Iterator[tuple[URL, Connection]]:
        """A scratch database beside the server's, migrated to ``stage`` with its rows."""
        with scratch_database(self.url) as url:
            engine = make_engine(url, for_migrations=True)
            try:
                with engine.connect() as connection:
                    migrate(
                        self.plan.stairway,
                        connection,
                        stage,
                        after_each=seed_on_the_way(self.plan.stairway),
                    )
                    yield url, connection
            finally:
                engine.dispose()


def run_measurements(context: MeasureContext) -> list[Measured]:
    """Run every stage's own measurements on the context's server, printing each target."""
    found = []
    for stage in context.plan.stairway.stages:
        for measure in stage.bench_measurements:
            measured = measure(context, stage)
            if measured.skipped:
                context.console.print(f"{stage.label}, {measured.name}: {measured.skipped}")
            for target in measured.targets:
                context.console.print(f"{stage.label}: {target.line()}", soft_wrap=True)
            found.append(measured)
    return found

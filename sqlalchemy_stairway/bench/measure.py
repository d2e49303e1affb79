"""Measuring: seconds per statement, time outside SQL, peak memory."""

import gc
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, event


def reset_peak_memory() -> None:
    """Start a new peak-RSS reading (Linux; elsewhere the peak is the process's)."""
    with suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def peak_memory_mib() -> float:
    """Return the peak resident memory since :func:`reset_peak_memory`, in MiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    try:
        import resource
    except ImportError:  # Windows
        return 0.0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


def label(statement: str) -> str:
    """Return a statement on one line, short enough to read in a report."""
    line = " ".join(statement.split())
    return line if len(line) <= 110 else line[:107] + "..."


@dataclass
class Clock:
    """Seconds per statement, and the seconds a floor spent in Python steps."""

    statements: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    python: float = 0.0
    paused: bool = False  # while True, statements are not counted (seeding inside a run)

    def add(self, statement: str, seconds: float) -> None:
        if not self.paused:
            self.statements[label(statement)] += seconds

    def slowest(self, count: int = 5) -> list[tuple[str, float]]:
        return sorted(self.statements.items(), key=lambda item: -item[1])[:count]


@contextmanager
def clocked(engine: Engine | None) -> Iterator[Clock]:
    """Time every statement ``engine`` runs meanwhile (nothing, without an engine)."""
    clock = Clock()
    if engine is None:
        yield clock
        return
    started = [0.0]

    def before(conn, cursor, statement, parameters, context, executemany):
        started[0] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        clock.add(statement, time.perf_counter() - started[0])

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield clock
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


@dataclass
class Timing:
    seconds: float
    peak_mib: float
    sql_seconds: float
    python_seconds: float
    slowest: list[tuple[str, float]]


def timed(run: Callable[[], Clock | None], engine: Engine | None = None) -> Timing:
    """Run ``run()`` and return its time, peak memory and slowest statements.

    ``run`` may return its own :class:`Clock` (a floor does); otherwise the
    statements ``engine`` runs are timed.
    """
    gc.collect()
    reset_peak_memory()
    with clocked(engine) as clock:
        start = time.perf_counter()
        returned = run()
        seconds = time.perf_counter() - start
    peak = peak_memory_mib()
    clock = returned or clock
    return Timing(
        seconds=seconds,
        peak_mib=round(peak, 1),
        sql_seconds=sum(clock.statements.values()),
        python_seconds=clock.python,
        slowest=clock.slowest(),
    )

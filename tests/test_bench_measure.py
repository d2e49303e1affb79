"""Measuring: every statement timed, the slowest first, peak memory read."""

from sqlalchemy import create_engine, text

from sqlalchemy_stairway.bench.measure import Clock, label, peak_memory_mib, timed


def test_a_long_statement_is_shortened_to_one_line():
    assert label("SELECT\n  1") == "SELECT 1"
    long = label("SELECT " + "x, " * 100)
    assert len(long) == 110 and long.endswith("...")


def test_the_clock_adds_up_each_statement_and_sorts_the_slowest_first():
    clock = Clock()
    clock.add("SELECT 1", 0.1)
    clock.add("SELECT  1", 0.1)  # the same statement, spelled with more space
    clock.add("SELECT 2", 0.15)
    assert clock.slowest(1) == [("SELECT 1", 0.2)]


def test_timed_counts_the_engines_statements():
    engine = create_engine("sqlite://")

    def work():
        with engine.connect() as connection:
            connection.execute(text("SELECT 42"))

    timing = timed(work, engine)
    assert timing.seconds >= timing.sql_seconds > 0
    assert [statement for statement, _ in timing.slowest] == ["SELECT 42"]
    assert timing.peak_mib > 0
    engine.dispose()


def test_timed_takes_the_clock_a_floor_returns():
    clock = Clock(python=0.5)
    clock.add("DROP TABLE t", 0.25)
    timing = timed(lambda: clock)
    assert (timing.sql_seconds, timing.python_seconds) == (0.25, 0.5)


def test_peak_memory_is_read():
    assert peak_memory_mib() > 10

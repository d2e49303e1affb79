"""A benchmark of a stairway: every migration timed against the database's own floor.

The pieces, one job each:

- :mod:`.plan` -- what a project benchmarks: its stairway, its bulk data,
  the attributes its migrations get (:class:`~.plan.BenchPlan`);
- :mod:`.floor` -- the least SQL each stage needs, as the stage declares it
  (``Stage.floor``), run on a raw DB-API cursor;
- :mod:`.measure` -- seconds per statement and peak memory;
- :mod:`.walk` -- stage by stage, each step against its floor;
- :mod:`.chain` -- base to head in one run, against the floors back to back;
- :mod:`.targets` -- a stage's own measurements (``Stage.bench_measurements``)
  and the targets they report, met or not;
- :mod:`.checks` -- the checks timed against a bare traverse;
- :mod:`.view`, :mod:`.results`, :mod:`.chart` -- the live table, the JSON
  file and its summaries, the chart;
- :mod:`.machine` -- what the numbers were measured on;
- :mod:`.run` -- all of it for one project, as ``invoke bench`` runs it.

Nothing here names a stage or a table: each stage declares its own floor
and measurements, and the project declares its data.
"""

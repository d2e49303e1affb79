"""Stages: each step of a migration chain, declared once, and the stairway they make.

A :class:`Stage` is one Alembic revision together with everything known
about the database it leaves behind: the ``MetaData`` it must match
exactly, how each of its tables comes from the previous stage's tables
(:class:`Carry`), the rows it adds, and the floor SQL a benchmark times it
against.  A :class:`Stairway` is the line of them from the empty database
(stage 0) to the head, with the project's Alembic configuration.

The rule that makes the checks trustworthy: every table and column of a
stage is accounted for.  A table or column that keeps its name carries its
values as they are; anything else (a new table, a rename, a dropped or
computed column) must be declared, and :meth:`Stairway.validate` names
whatever is not, instead of a check skipping it.
"""

import importlib
import pkgutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, Table

from sqlalchemy_stairway.check.errors import StairwayError


class Transform:
    """A column computed from a column of the previous stage (a password becoming its hash)."""

    #: True when the downgrade can compute the old value back; else it comes back NULL
    reversible = False
    #: False when the value does not depend on the source (a backfill): a failure omits it
    from_source = True

    def __init__(self, source: str) -> None:
        self.source = source

    def forward(self, value: Any) -> Any:
        """Return the new column's value for the old column's ``value``."""
        raise NotImplementedError

    def matches(self, old: Any, new: Any) -> bool:
        """True when ``new`` is a correct result of computing from ``old``."""
        raise NotImplementedError

    def expected(self, old: Any) -> str:
        """Say to a person what ``old`` should become ("" when only a check can tell: a hash)."""
        return ""


@dataclass(frozen=True)
class Carry:
    """How one table of a stage comes from a table of the stage before.

    Columns that keep their name keep their values.  ``renamed`` maps old
    column names to new ones, ``new`` lists columns the stage adds (old
    rows get their default), ``computed`` maps a new column to the
    :class:`Transform` that makes it from an old one, and ``dropped`` lists
    old columns whose values the stage throws away.
    """

    source: str
    renamed: Mapping[str, str] = field(default_factory=dict)
    new: tuple[str, ...] = ()
    computed: Mapping[str, Transform] = field(default_factory=dict)
    dropped: tuple[str, ...] = ()

    def column_sources(self, old: Table, new: Table) -> dict[str, str | Transform | None]:
        """Return, for each column of ``new``, the old column, transform or None (a new one)."""
        renamed_to = {new_name: old_name for old_name, new_name in self.renamed.items()}
        sources: dict[str, str | Transform | None] = {}
        for column in new.columns:
            name = column.name
            if name in self.computed:
                sources[name] = self.computed[name]
            elif name in renamed_to:
                sources[name] = renamed_to[name]
            elif name in self.new:
                sources[name] = None
            elif name in old.columns and name not in self.renamed:
                sources[name] = name
            else:
                raise StairwayError(
                    f"column {new.name}.{name} comes from nowhere: declare it in the "
                    f"stage's Carry as renamed, new or computed"
                )
        used = {s for s in sources.values() if isinstance(s, str)}
        used |= {t.source for t in self.computed.values()}
        for column in old.columns:
            if column.name not in used and column.name not in self.dropped:
                raise StairwayError(
                    f"column {old.name}.{column.name} goes nowhere in {new.name}: declare it "
                    "in the stage's Carry as renamed, dropped or the source of a computed one"
                )
        return sources

    def lost_on_downgrade(self, old: Table, new: Table) -> set[str]:
        """Return the old columns a downgrade cannot give back their values."""
        sources = self.column_sources(old, new)  # the accounting must hold first
        kept = {source for source in sources.values() if isinstance(source, str)}
        lost = set(self.dropped)
        lost |= {t.source for t in self.computed.values() if not t.reversible}
        return lost - kept


@dataclass(frozen=True)
class Stage:
    """One revision of the chain and the database it leaves behind."""

    number: int
    revision: str | None  # None is Alembic's "base": no revision applied
    title: str
    metadata: MetaData
    era: str = ""
    source: str = ""  # where the stage comes from (for the tutorial: its source tutorial)
    new_tables: tuple[str, ...] = ()
    carries: Mapping[str, Carry] = field(default_factory=dict)
    dropped_tables: tuple[str, ...] = ()
    # the rows this stage adds, in its own tables' shape, primary keys included
    rows: Mapping[str, Sequence[Mapping[str, Any]]] = field(default_factory=dict)
    # the least SQL that makes this stage from the one before, per dialect name
    # ("*" for every dialect): SQL strings and sqlalchemy_stairway.bench.floor
    # steps; a stage that only creates tables may leave it empty
    floor: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    # this stage's own benchmarks: callables (context, stage) -> bench.targets.Measured
    bench_measurements: Sequence[Callable[..., Any]] = ()

    @property
    def label(self) -> str:
        return f"stage {self.number} ({self.revision or 'base'})"

    def __str__(self) -> str:
        return f"{self.label}: {self.title}"


def empty_stage(metadata: MetaData | None = None) -> Stage:
    """Return stage 0: no revision applied, no tables."""
    return Stage(0, None, "An empty database", metadata or MetaData(), era="-", source="-")


@dataclass(frozen=True)
class TableSource:
    """Where one table of a stage comes from: a carried table, or nothing (a new table)."""

    carry: Carry | None
    old: Table | None
    columns: dict[str, str | Transform | None]


class Stairway:
    """The stages from the empty database to the head, and the Alembic project they live in."""

    def __init__(self, stages: Sequence[Stage], alembic_ini: Path) -> None:
        self.stages = tuple(stages)
        self.alembic_ini = Path(alembic_ini)
        self.root = self.alembic_ini.parent
        for number, stage in enumerate(self.stages):
            if stage.number != number:
                raise StairwayError(
                    f"stage {stage.number} is declared where stage {number} should be; "
                    "stages are numbered 0, 1, 2, ... in order"
                )

    @classmethod
    def discover(cls, package: str, alembic_ini: Path, base: Stage | None = None) -> "Stairway":
        """Collect the ``stage`` of every ``stageN`` module in ``package``, in order of N."""
        found = []
        for info in pkgutil.iter_modules(importlib.import_module(package).__path__):
            number = info.name.removeprefix("stage")
            if info.name.startswith("stage") and number.isdigit():
                module = importlib.import_module(f"{package}.{info.name}")
                stage = getattr(module, "stage", None)
                if not isinstance(stage, Stage):
                    raise StairwayError(f"{module.__name__} declares no `stage = Stage(...)`")
                if stage.number != int(number):
                    raise StairwayError(
                        f"{module.__name__} declares stage {stage.number}; the file says {number}"
                    )
                found.append(stage)
        found.sort(key=lambda stage: stage.number)
        return cls([base or empty_stage(), *found], alembic_ini)

    # -- the stages ---------------------------------------------------------

    @property
    def base(self) -> Stage:
        return self.stages[0]

    @property
    def head(self) -> Stage:
        return self.stages[-1]

    def __iter__(self) -> Iterator[Stage]:
        return iter(self.stages)

    def __len__(self) -> int:
        return len(self.stages)

    def __getitem__(self, number: int) -> Stage:
        return self.stages[number]

    def previous(self, stage: Stage) -> Stage:
        return self.stages[stage.number - 1]

    def stage_for_revision(self, revision: str | None) -> Stage:
        """Return the stage whose revision is ``revision`` (None for base)."""
        for stage in self.stages:
            if stage.revision == revision:
                return stage
        raise LookupError(f"revision {revision!r} is not one of this project's stages")

    def parse_stage(self, text: str | int) -> Stage:
        """Return the stage numbered ``text``, or raise a StairwayError that says why not."""
        last = self.head.number
        try:
            number = int(text)
        except (TypeError, ValueError):
            raise StairwayError(
                f"stage must be a number from 0 to {last}, not {text!r}; `invoke stages` lists them"
            ) from None
        if not 0 <= number <= last:
            raise StairwayError(
                f"there is no stage {number}; stages go from 0 to {last} "
                "(`invoke stages` lists them)"
            )
        return self.stages[number]

    # -- how each stage's tables come from the last's -----------------------

    def table_sources(self, stage: Stage) -> dict[str, TableSource]:
        """Return where each table of ``stage`` comes from; fail on anything unaccounted for."""
        if stage.number == 0:
            return {}
        before = self.previous(stage).metadata.tables
        sources: dict[str, TableSource] = {}
        for name, table in stage.metadata.tables.items():
            if name in stage.carries:
                carry = stage.carries[name]
            elif name in stage.new_tables:
                sources[name] = TableSource(None, None, {c.name: None for c in table.columns})
                continue
            elif name in before:
                carry = Carry(name)
            else:
                raise StairwayError(
                    f"{stage.label}: table {name} comes from nowhere; declare it in the "
                    "stage's new_tables or carries"
                )
            if carry.source not in before:
                raise StairwayError(
                    f"{stage.label}: table {name} is carried from {carry.source}, "
                    "which the stage before does not have"
                )
            old = before[carry.source]
            try:
                columns = carry.column_sources(old, table)
            except StairwayError as exc:
                raise StairwayError(f"{stage.label}: {exc}") from None
            sources[name] = TableSource(carry, old, columns)
        carried = {source.carry.source for source in sources.values() if source.carry}
        for name in before:
            if name not in carried and name not in stage.dropped_tables:
                raise StairwayError(
                    f"{stage.label}: table {name} of the stage before goes nowhere; declare "
                    "it in the stage's dropped_tables or carries"
                )
        return sources

    def lost_on_downgrade(self, stage: Stage) -> set[str]:
        """Return ``table.column`` of the previous stage whose values a downgrade cannot restore."""
        lost = set()
        for name, source in self.table_sources(stage).items():
            if source.carry is not None:
                columns = source.carry.lost_on_downgrade(source.old, stage.metadata.tables[name])
                lost |= {f"{source.carry.source}.{column}" for column in columns}
        return lost

    def translate(self, rows: Mapping[str, Sequence[Mapping]], start: Stage, end: Stage) -> dict:
        """Return ``rows`` of stage ``start``'s tables as the migrations make them at ``end``."""
        current = {table: [dict(row) for row in found] for table, found in rows.items()}
        for stage in self.stages[start.number + 1 : end.number + 1]:
            moved: dict[str, list[dict]] = {}
            for name, source in self.table_sources(stage).items():
                if source.carry is None:
                    continue
                moved[name] = [
                    {
                        column: _forward(origin, row, stage.metadata.tables[name].c[column])
                        for column, origin in source.columns.items()
                    }
                    for row in current.get(source.carry.source, [])
                ]
            current = {name: found for name, found in moved.items() if found}
        return current

    def validate(self) -> list[str]:
        """Return every stage's accounting problems (none: every table and column is declared)."""
        problems = []
        for stage in self.stages[1:]:
            try:
                self.table_sources(stage)
            except StairwayError as exc:
                problems.append(str(exc))
            for table, found in stage.rows.items():
                if table not in stage.metadata.tables:
                    problems.append(f"{stage.label}: rows for {table}, which it has no table of")
                    continue
                columns = set(stage.metadata.tables[table].columns.keys())
                for row in found:
                    if set(row) - columns:
                        problems.append(
                            f"{stage.label}: a row of {table} names columns it does not have: "
                            f"{sorted(set(row) - columns)}"
                        )
        return problems

    # -- the Alembic project -------------------------------------------------

    def alembic_config(self, **attributes: Any) -> Config:
        """Return the project's Alembic config, with ``attributes`` for env.py."""
        config = Config(str(self.alembic_ini))
        config.attributes["configure_logger"] = False
        config.attributes.update(attributes)
        return config

    def script_directory(self) -> ScriptDirectory:
        return ScriptDirectory.from_config(self.alembic_config())

    def revision_module(self, stage: Stage):
        """Return the Python module of ``stage``'s revision file."""
        return self.script_directory().get_revision(stage.revision).module


def _forward(origin: str | Transform | None, row: Mapping, column) -> Any:
    if origin is None:
        return None  # a new column: what the database gives old rows (the checks skip defaults)
    if isinstance(origin, Transform):
        return origin.forward(row.get(origin.source))
    return row.get(origin)

"""The migration checks, shared by ``invoke check`` and the test suite.

For the chain as a whole: one head, and a straight line of revisions that
are exactly the stages, every table and column of every stage accounted
for.  For every stage N, starting from stage N-1 with the rows of stages
1..N-1 seeded:

1. upgrade to N; the database matches stage N's models exactly: Alembic's
   ``compare_metadata`` (types compared) finds nothing, and reading the
   database back gives the same tables, columns, keys, indexes and
   sequences, by name, as creating stage N's models from scratch;
2. every row of stage N-1 is still there, under the same primary key,
   with the values the stage's carries say it must have (a computed
   column must match its source: a password must verify against its hash);
3. downgrade to N-1; the database matches stage N-1's models exactly, no
   trace of stage N left, and every row is back as it was, except the
   columns the stage's carries cannot give back, which come back NULL;
4. upgrade to N again and match again; then seed stage N's rows.

At the head the chain is walked back down to the empty database with all
the data in place, each step matching its models.  A failure names the
stage, the revision, the step and every difference.
"""

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, MetaData

from sqlalchemy_stairway.check.differences import describe
from sqlalchemy_stairway.check.engines import make_engine, parse_url, redact
from sqlalchemy_stairway.check.schema import rows, structure, structure_differences
from sqlalchemy_stairway.check.scratch import scratch_database
from sqlalchemy_stairway.migrate import current_stage, migrate
from sqlalchemy_stairway.seeding import seed
from sqlalchemy_stairway.stages import Stage, Stairway, Transform
from sqlalchemy_stairway.transactions import reading

# The checks prove that computed columns (stage 4's hashes) verify, not what
# they cost: revisions that read `password_iterations` hash cheaply here.
CHECK_PASSWORD_ITERATIONS = 1_000


@dataclass
class CheckFailure(Exception):
    stage: Stage
    step: str
    differences: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        shown = "".join(f"\n  - {line}" for line in self.differences)
        revision = self.stage.revision or "base"
        return f"stage {self.stage.number} (revision {revision}), {self.step}:{shown}"


def check_history(stairway: Stairway) -> list[str]:
    """Return the problems with the chain itself (none when it is right)."""
    scripts = stairway.script_directory()
    problems = []
    heads = scripts.get_heads()
    if len(heads) != 1:
        problems.append(f"expected one head revision, found {sorted(heads)}")
    chain = [rev.revision for rev in reversed(list(scripts.walk_revisions()))]
    expected = [stage.revision for stage in stairway.stages[1:]]
    if chain != expected:
        problems.append(f"expected the revisions {expected} in a line, found {chain}")
    for rev in scripts.walk_revisions():
        if rev.is_merge_point or rev.is_branch_point:
            problems.append(f"revision {rev.revision} branches or merges; keep the chain linear")
    problems += stairway.validate()
    return problems


def carried_differences(stairway: Stairway, stage: Stage, before: dict, after: dict) -> list[str]:
    """Return what upgrading to ``stage`` lost or changed of the rows it was given."""
    lines = []
    for name, source in stairway.table_sources(stage).items():
        found = {_key(stage, name, row): row for row in after.get(name, [])}
        if source.carry is None:
            continue  # a new table: whatever it holds was not there before
        old_table = source.carry.source
        table = stage.metadata.tables[name]
        for old in before.get(old_table, []):
            key = _key(stairway.previous(stage), old_table, old)
            new = found.pop(_key_as(stage, name, source, old), None)
            if new is None:
                lines.append(f"{old_table} {key} is gone from {name}: {old}")
                continue
            for column, origin in source.columns.items():
                if origin is None:
                    if table.c[column].server_default is None and new[column] is not None:
                        lines.append(f"{name} {key}.{column}: new, yet holds {new[column]!r}")
                elif isinstance(origin, Transform):
                    source_value = old[origin.source]
                    if not origin.matches(source_value, new[column]):
                        expected = origin.expected(source_value)
                        computed_from = (
                            f", which does not match {old_table}.{origin.source} "
                            f"{source_value!r} it was computed from"
                            if origin.from_source
                            else ""
                        )
                        lines.append(
                            f"{name} {key}.{column} is {new[column]!r}{computed_from}"
                            + (f" (expected {expected})" if expected else "")
                        )
                elif new[column] != old[origin]:
                    lines.append(f"{name} {key}.{column}: was {old[origin]!r}, now {new[column]!r}")
        for key, row in found.items():
            lines.append(f"{name} {key} appeared from nowhere: {row}")
    return lines


def _key(stage: Stage, table: str, row: dict) -> tuple:
    return tuple(row[c.name] for c in stage.metadata.tables[table].primary_key.columns)


def _key_as(stage: Stage, table: str, source, old: dict) -> tuple:
    """Return the primary key ``old`` (a row of the table before) must have in ``table``."""
    return tuple(
        old[source.columns[c.name]] for c in stage.metadata.tables[table].primary_key.columns
    )


def restored_differences(before: dict, after: dict, lost_columns: set[str]) -> list[str]:
    """Return how the rows after a down-and-back differ from before, beyond what is documented.

    Rows are paired in primary-key order (:func:`schema.rows` reads them so);
    a difference names the table, the row as it was and the column.
    """
    lines = []
    for table in sorted(set(before) | set(after)):
        expected = [
            {c: (None if f"{table}.{c}" in lost_columns else v) for c, v in row.items()}
            for row in before.get(table, [])
        ]
        found = after.get(table, [])
        if found == expected:
            continue
        if len(found) != len(expected):
            lines.append(f"table {table}: expected {expected}, found {found}")
            continue
        for want, got in zip(expected, found, strict=True):
            for column in sorted(set(want) | set(got)):
                if want.get(column) != got.get(column):
                    lines.append(
                        f"{table} {want}: {column} was {want.get(column)!r}, "
                        f"now {got.get(column)!r}"
                    )
    return lines


class Checker:
    """Runs the checks on ``connection``, building reference schemas in ``reference``.

    Both connections must be to empty scratch databases of the same kind.
    """

    def __init__(
        self,
        stairway: Stairway,
        connection: Connection,
        reference: Connection,
        report: Callable[[str], None] = lambda line: None,
    ) -> None:
        self.stairway = stairway
        self.connection = connection
        self.reference = reference
        self.report = report
        self._expected: dict[int, dict] = {}

    def move(self, stage: Stage, **kw) -> None:
        migrate(
            self.stairway,
            self.connection,
            stage,
            password_iterations=CHECK_PASSWORD_ITERATIONS,
            **kw,
        )

    def expected_structure(self, stage: Stage) -> dict:
        """Return the structure of a database made by ``create_all`` from ``stage``'s models."""
        if stage.number not in self._expected:
            with self.reference.begin():
                existing = MetaData()
                existing.reflect(self.reference)
                existing.drop_all(self.reference)
                stage.metadata.create_all(self.reference)
                self._expected[stage.number] = structure(self.reference)
        return self._expected[stage.number]

    def assert_matches(self, stage: Stage, step: str) -> None:
        """Fail unless the database is exactly ``stage``'s models."""
        with reading(self.connection):
            context = MigrationContext.configure(self.connection, opts={"compare_type": True})
            differences = [describe(diff) for diff in compare_metadata(context, stage.metadata)]
            differences += structure_differences(
                structure(self.connection), self.expected_structure(stage)
            )
        if differences:
            raise CheckFailure(stage, f"{step}: the database differs from the models", differences)
        self.report(f"stage {stage.number}: {step}: matches the models")

    def check_stage(self, stage: Stage) -> None:
        """Run steps 1-4 of the module docstring for ``stage``."""
        previous = self.stairway.previous(stage)
        if current_stage(self.stairway, self.connection) != previous:
            raise CheckFailure(stage, f"setup: the database is not at stage {previous.number}")
        with reading(self.connection):
            before = rows(self.connection)

        self.move(stage)
        self.assert_matches(stage, "after upgrade")
        with reading(self.connection):
            lost = carried_differences(self.stairway, stage, before, rows(self.connection))
        if lost:
            raise CheckFailure(stage, "after upgrade: data was not carried", lost)
        self.report(f"stage {stage.number}: after upgrade: every row carried")

        self.move(previous, allow_data_loss=True)
        self.assert_matches(previous, f"after downgrade from {stage.number}")
        with reading(self.connection):
            changed = restored_differences(
                before, rows(self.connection), self.stairway.lost_on_downgrade(stage)
            )
        if changed:
            raise CheckFailure(stage, "after downgrade: data was not restored", changed)
        self.report(f"stage {stage.number}: after downgrade: every row restored")

        self.move(stage)
        self.assert_matches(stage, "after upgrading again")
        with self.connection.begin():
            seed(self.stairway, self.connection, stage)

    def check_all(self) -> None:
        """Check the chain, every stage up, then every stage down with all data present."""
        stages = self.stairway.stages
        problems = check_history(self.stairway)
        if problems:
            raise CheckFailure(self.stairway.head, "history", problems)
        self.report(f"history: one head, {len(stages) - 1} revisions in a line")
        self.assert_matches(stages[0], "empty database")
        for stage in stages[1:]:
            self.check_stage(stage)
        for stage in reversed(stages[:-1]):
            self.move(stage, allow_data_loss=True)
            self.assert_matches(stage, "walking down with all data")


def check_in_scratch(
    stairway: Stairway, url: str, report: Callable[[str], None] = lambda line: None
) -> None:
    """Run every check in two scratch databases on ``url``'s server; ``url``'s own is untouched."""
    parsed = parse_url(url)
    report(f"server: {redact(parsed)}")
    with (
        tempfile.TemporaryDirectory() as folder,
        scratch_database(parsed, Path(folder)) as checked_url,
        scratch_database(parsed, Path(folder)) as reference_url,
    ):
        checked = make_engine(checked_url, for_migrations=True)
        reference = make_engine(reference_url)
        try:
            with checked.connect() as connection, reference.connect() as reference_connection:
                Checker(stairway, connection, reference_connection, report).check_all()
        finally:
            checked.dispose()
            reference.dispose()

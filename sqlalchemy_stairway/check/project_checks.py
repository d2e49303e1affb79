"""``stairway check``'s engine: every check, on any Alembic project, on each server given.

For each server, in a scratch database made there (and dropped after):

1. env.py runs once without migrating: it must use the database it was
   handed (``url-honoured``); its ``target_metadata`` is read.
2. For every revision, parents first (branches and merges included): every
   table is filled with generated rows; the revision upgrades
   (``upgrade-with-data``; a failure that an empty database shows too is
   ``upgrade``), downgrades (``downgrade``) to exactly the database it
   started from, structure (``downgrade-schema``) and rows
   (``downgrade-data``), and upgrades again to exactly what the first
   upgrade gave (``reupgrade``).
3. At the head the database must match ``target_metadata``
   (``models-match``): Alembic's comparison (types, server defaults) and the
   database read back against ``create_all`` of the models on the same kind
   of database (nullability, indexes, unique and foreign keys with ON
   DELETE, CHECK constraints, enum labels, AUTO_INCREMENT).
4. ``upgrade --sql`` must work (``offline-sql``); on PostgreSQL squawk's
   findings on each revision's SQL are warnings.

Once per project: one head (``single-head``) and the revision files' text
(``static-imports-models``, ``static-noop-downgrade``).
"""

import shlex
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import URL, Connection, MetaData

from sqlalchemy_stairway.check import classify, squawk, static
from sqlalchemy_stairway.check.comparison_options import (
    alembic_differences_on,
    types_made_alike_left_out,
)
from sqlalchemy_stairway.check.differences import describe, row_differences
from sqlalchemy_stairway.check.engines import first_line, make_engine, parse_url, redact
from sqlalchemy_stairway.check.errors import StairwayError
from sqlalchemy_stairway.check.hooks import Hooks
from sqlalchemy_stairway.check.project import Project, Revision, WrongDatabase
from sqlalchemy_stairway.check.results import FAILED, PASSED, SKIPPED, WARNING, Report, Result
from sqlalchemy_stairway.check.schema import (
    raw_rows,
    snapshot,
    structure,
    structure_differences,
    unnamed,
)
from sqlalchemy_stairway.check.scratch import scratch_database
from sqlalchemy_stairway.check.server_defaults import normalised
from sqlalchemy_stairway.check.synthetic import RowMaker

# Alembic's words when a batch operation on SQLite meets --sql mode
BATCH_NEEDS_DATABASE = "requires a live database connection with which to reflect"

# how each dialect is named in the results
DIALECTS = {
    "sqlite": "sqlite",
    "postgresql": "postgresql",
    "mysql": "mariadb",
    "mariadb": "mariadb",
}


def check_project(
    project: Project,
    urls: Iterable[str],
    hooks: Hooks | None = None,
    *,
    use_squawk: bool = True,
    ships_offline_sql: bool | None = None,
    progress: Callable[[str], None] = lambda line: None,
) -> Report:
    """Run every check of the module docstring on each server of ``urls``.

    ``ships_offline_sql``: whether ``offline-sql`` failures are defects
    (default: what alembic.ini's ``[stairway] ships_offline_sql`` says).
    """
    hooks = hooks or Hooks()
    report = Report(project.name)
    if ships_offline_sql is None:
        ships_offline_sql = project.ships_offline_sql
    models_modules: set[str] | None = None
    schema_changed: dict[str, bool] = {}
    for url in urls:
        server = parse_url(url)
        progress(f"checking {project.name} on {redact(server)}")
        walk = Walk(
            project,
            server,
            hooks,
            report,
            use_squawk=use_squawk,
            ships_offline_sql=ships_offline_sql,
        )
        walk.run()
        if walk.revisions_loaded:
            if models_modules is None:
                models_modules = walk.models_modules
            for rid, changed in walk.schema_changed.items():
                schema_changed[rid] = schema_changed.get(rid, False) or changed
    static_done = models_modules is not None
    if static_done:
        check_static(project, models_modules, report, hooks, schema_changed)
        heads = project.heads
        report.results.insert(
            0,
            Result(
                "single-head",
                "+".join(heads),
                "",
                PASSED if len(heads) <= 1 else FAILED,
                [] if len(heads) <= 1 else [f"{len(heads)} heads: {', '.join(heads)}; merge them"],
            ),
        )
    else:
        for check in ("single-head", "static-imports-models", "static-noop-downgrade"):
            report.add(Result(check, "all", "", SKIPPED, ["the revisions could not be loaded"]))
    for result in report.results:
        if result.status == FAILED and not result.reproduce:
            result.reproduce = reproduce_command(project, urls, hooks)
    return report


def reproduce_command(project: Project, urls: Iterable[str], hooks: Hooks) -> str:
    words = ["stairway", "check", "--config", str(project.ini)]
    for url in urls:
        words += ["--url", redact(parse_url(url))]
    if hooks.path:
        words += ["--hooks", str(hooks.path)]
    return shlex.join(words)


def check_static(
    project: Project,
    models: set[str],
    report: Report,
    hooks: Hooks,
    schema_changed: dict[str, bool] | None = None,
) -> None:
    """The revision files' checks; ``schema_changed``: revision -> did its upgrade change it?"""
    schema_changed = schema_changed or {}
    for revision in project.revisions:
        one_way = revision.one_way_marker or hooks.one_way_revisions.get(revision.id)
        imports = static.imported_models(revision.path, models)
        report.add(
            Result(
                "static-imports-models",
                revision.id,
                "",
                FAILED if imports else PASSED,
                [
                    f"imports the application's models ({', '.join(imports)}); a revision must "
                    "declare the tables it uses as they are at that revision"
                ]
                if imports
                else [],
            )
        )
        noop = static.noop_downgrade(revision.path)
        lines = ["downgrade() does nothing while upgrade() changes the database"] if noop else []
        if noop and one_way:
            lines.append(f"one-way by the project's word ({one_way})")
        data_only = schema_changed.get(revision.id) is False
        if noop and data_only and not one_way:
            lines.append(
                "its upgrade changes data only (the schema stays as it was): nothing for a "
                "downgrade to undo in the schema; downgrade-data judges the rows"
            )
        status = (WARNING if one_way or data_only else FAILED) if noop else PASSED
        report.add(Result("static-noop-downgrade", revision.id, "", status, lines))


class Walk:
    """The checks of one project on one server."""

    def __init__(
        self,
        project: Project,
        server: URL,
        hooks: Hooks,
        report: Report,
        *,
        use_squawk: bool,
        ships_offline_sql: bool = False,
    ) -> None:
        self.project = project
        self.server = server
        self.hooks = hooks
        self.report = report
        self.use_squawk = use_squawk
        self.ships_offline_sql = ships_offline_sql
        # revision -> whether its upgrade changed the schema (False: it moved data only)
        self.schema_changed: dict[str, bool] = {}
        self.dialect = DIALECTS.get(server.get_dialect().name, server.get_dialect().name)
        self.rows = RowMaker()
        self.revisions_loaded = False
        self.models_modules: set[str] = set()

    @property
    def ignored(self) -> set[str]:
        return {self.project.version_table}

    def result(self, check: str, revision: str, status: str, lines=()) -> Result:
        return self.report.add(Result(check, revision, self.dialect, status, list(lines)))

    def run(self) -> None:
        with (
            tempfile.TemporaryDirectory() as folder,
            scratch_database(self.server, Path(folder)) as url,
        ):
            engine = make_engine(url, for_migrations=True)
            try:
                with engine.connect() as connection:
                    if connection.dialect.name == "sqlite":
                        # a scratch file: WAL spares a flush of the whole file at each commit
                        connection.exec_driver_sql("PRAGMA journal_mode=WAL")
                    self.connection = connection
                    self.walk(url, Path(folder))
            finally:
                engine.dispose()

    # -- the steps ------------------------------------------------------

    def walk(self, url: URL, folder: Path) -> None:
        try:
            metadata = self.project.target_metadata(self.connection)
        except WrongDatabase as exc:
            self.result("url-honoured", self.first_revision(), FAILED, [str(exc)])
            return
        try:
            revisions = self.project.revisions
        except StairwayError as exc:
            self.result("upgrade", "all", FAILED, [str(exc)])
            return
        self.revisions_loaded = True
        self.metadata = metadata
        self.models_modules = self.project.models_modules(metadata)
        self.failed_in_one_run = self.upgrade_in_one_run(folder, metadata)
        for index, revision in enumerate(revisions):
            if not self.check_revision(revision, url, folder, first=index == 0):
                for later in revisions[index + 1 :]:
                    self.result("upgrade", later.id, SKIPPED, [f"{revision.id} failed before it"])
                break
        self.offline(url)

    def first_revision(self) -> str:
        """The revision a refused first step was about to run (env.py, if none loads)."""
        try:
            return self.project.revisions[0].id
        except StairwayError:
            return "env.py"

    def run_alembic(self, verb: str, target: str, **attributes) -> None:
        self.project.run(
            self.connection, verb, target, **self.hooks.alembic_attributes, **attributes
        )

    def fill(self, revision: Revision, reflected: MetaData) -> None:
        """Fill every table of ``reflected`` (the database as it is) before ``revision``."""
        connection = self.connection
        skip = set()
        if self.hooks.before_revision is not None:
            skip = set(self.hooks.before_revision(connection, revision.id) or ())
        shape = None
        if self.hooks.shape_row is not None:
            shape_row = self.hooks.shape_row

            def shape(table, row):
                return shape_row(revision.id, table, row)

        filled = self.rows.fill(connection, reflected, shape, skip, models=self.metadata)
        connection.commit()
        for table in sorted(set(reflected.tables) - set(filled.added) - skip):
            filled.empty.setdefault(table, "left out")
        return filled

    def report_empty(self, revision: Revision, filled, counts: dict) -> None:
        empty = {t: why for t, why in filled.empty.items() if not counts.get(t)}
        if empty:
            self.result(
                "generated-rows",
                revision.id,
                WARNING,
                [
                    f"table {table} has no rows before {revision.id}: {why}"
                    for table, why in sorted(empty.items())
                ],
            )

    def snapshot(self) -> tuple[dict, dict]:
        """The database's structure and rows."""
        try:
            return snapshot(self.connection, self.ignored)
        finally:
            self.connection.rollback()

    def snapshot_rows(self) -> dict:
        try:
            return raw_rows(self.connection, self.structure_now)
        finally:
            self.connection.rollback()

    def reflect(self) -> MetaData:
        """The database's tables, for the generator (once per revision)."""
        try:
            reflected = MetaData()
            reflected.reflect(self.connection)
        finally:
            self.connection.rollback()
        if self.project.version_table in reflected.tables:
            reflected.remove(reflected.tables[self.project.version_table])
        return reflected

    def check_revision(self, revision: Revision, url: URL, folder: Path, *, first: bool) -> bool:
        """Run the per-revision checks; False when the chain cannot go on."""
        rid = revision.id
        if first:
            before_structure, before_rows = self.snapshot()
        else:  # the structure is the one the last revision left; the fill added rows only
            filled = self.fill(revision, self.reflect())
            before_structure, before_rows = self.structure_now, self.snapshot_rows()
            self.report_empty(revision, filled, before_rows)

        refused: list[str] = []
        try:
            self.run_alembic("upgrade", rid, rows_refused=refused)
        except WrongDatabase as exc:
            self.result("url-honoured", rid, FAILED, [str(exc)])
            return False
        except Exception as exc:
            if refused:
                self.result(
                    "upgrade-with-data",
                    rid,
                    WARNING,
                    [
                        f"the revision refused the generated rows by design ({refused[0]}); "
                        "shape them with a hooks file (before_revision, shape_row) to go on"
                    ],
                )
            else:
                self.upgrade_failed(revision, exc, url, folder)
            return False
        if first and not self.stamped(rid):
            self.result(
                "url-honoured",
                rid,
                FAILED,
                [
                    f"after `upgrade` the database it was handed has no "
                    f"{self.project.version_table} at {rid}: env.py migrated another database"
                ],
            )
            return False
        if first:
            self.result("url-honoured", rid, PASSED)
        self.result("upgrade", rid, PASSED)
        after_structure, after_rows = self.snapshot()
        self.schema_changed[rid] = after_structure != before_structure
        invented = classify.invented_values(
            self.dialect, before_structure, after_structure, before_rows, after_rows
        )
        self.result("upgrade-with-data", rid, FAILED if invented else PASSED, invented)
        one_way = revision.one_way_marker or self.hooks.one_way_revisions.get(rid)
        if one_way:
            for check in ("downgrade", "downgrade-schema", "downgrade-data", "reupgrade"):
                self.result(check, rid, WARNING, [f"one-way by the project's word ({one_way})"])
            self.structure_now = after_structure
            return True

        losses: list[str] = []
        try:
            self.run_alembic(
                "downgrade", f"{rid}@-1", allow_data_loss=True, data_loss_confirmed=losses
            )
        except Exception as exc:
            self.result("downgrade", rid, FAILED, [f"downgrade failed: {first_line(exc)}"])
            return False
        self.result("downgrade", rid, PASSED)
        down_structure, down_rows = self.snapshot()
        differences = structure_differences(
            down_structure, before_structure, found_as="after", expected_as="before"
        )
        self.verdict("downgrade-schema", rid, differences, "upgrade then downgrade changed: ")
        lost = row_differences(before_rows, down_rows)
        lossy = self.documented_loss(revision, losses)
        backfill = None
        if lost and not lossy and static.noop_downgrade(revision.path):
            backfill = classify.backfill(before_structure, after_structure, before_rows, down_rows)
        if lost and lossy:
            self.result(
                "downgrade-data",
                rid,
                WARNING,
                [f"lossy by design ({lossy}): {lost[0]}", *lost[1:3]],
            )
        elif backfill:
            self.result("downgrade-data", rid, WARNING, [backfill, *lost])
        else:
            self.verdict("downgrade-data", rid, lost, "upgrade then downgrade changed rows: ")

        try:
            self.run_alembic("upgrade", rid)
        except Exception as exc:
            self.result("reupgrade", rid, FAILED, [f"upgrading again failed: {first_line(exc)}"])
            return False
        again_structure, again_rows = self.snapshot()
        self.structure_now = again_structure
        differences = structure_differences(
            again_structure, after_structure, found_as="second upgrade", expected_as="first"
        )
        first_rows = after_rows
        if lost and not backfill:
            # the data changed on the way down; the question is whether it settles
            first_rows, again_rows = self.second_round_trip(rid)
        changed = row_differences(first_rows, again_rows)
        made_at_run_time = None
        if changed and not differences:
            made_at_run_time = classify.runtime_values(
                before_structure, after_structure, first_rows, again_rows
            )
        if made_at_run_time:
            self.result("reupgrade", rid, WARNING, [made_at_run_time, *changed])
        elif changed and lossy:
            self.result(
                "reupgrade",
                rid,
                WARNING,
                [f"lossy by design ({lossy}): {changed[0]}", *changed[1:3]],
            )
        else:
            self.verdict(
                "reupgrade", rid, differences + changed, "upgrading again gave another database: "
            )
        return True

    def second_round_trip(self, rid: str) -> tuple[dict, dict]:
        _, first = self.snapshot()
        self.run_alembic("downgrade", f"{rid}@-1", allow_data_loss=True)
        self.run_alembic("upgrade", rid)
        _, second = self.snapshot()
        return first, second

    def documented_loss(self, revision: Revision, confirmed: list[str]) -> str | None:
        if confirmed:
            return "op.confirm_data_loss: " + ", ".join(confirmed)
        return revision.lossy_marker or self.hooks.lossy_downgrades.get(revision.id)

    def verdict(self, check: str, rid: str, differences: list[str], lead: str) -> None:
        """Passed, or failed with every difference (the text report trims, JSON never)."""
        if not differences:
            self.result(check, rid, PASSED)
            return
        self.result(check, rid, FAILED, [lead + differences[0], *differences[1:]])

    def stamped(self, rid: str) -> bool:
        try:
            context = MigrationContext.configure(
                self.connection, opts={"version_table": self.project.version_table}
            )
            return rid in context.get_current_heads()
        finally:
            self.connection.rollback()

    def upgrade_from_empty(self, folder: Path, target: str, then=None) -> str | None:
        """Upgrade a new empty database to ``target`` in one Alembic run; return the error.

        ``then(connection)`` runs on the upgraded database before it is dropped.
        """
        with scratch_database(self.server, folder) as empty_url:
            engine = make_engine(empty_url, for_migrations=True)
            try:
                with engine.connect() as empty:
                    try:
                        self.project.run(empty, "upgrade", target, **self.hooks.alembic_attributes)
                    except Exception as exc:
                        return first_line(exc)
                    if then is not None:
                        then(empty)
            finally:
                engine.dispose()
        return None

    def upgrade_in_one_run(self, folder: Path, metadata: MetaData | None) -> str | None:
        """``upgrade heads`` from empty, as a deployment runs it: one run, one transaction.

        Revision by revision every step may work while the whole chain in
        one transaction does not (PostgreSQL refuses an enum label used in
        the transaction that added it).  The head it gives is the one
        compared with the models, whatever the walk with rows meets later.
        Returns the revision at fault.
        """
        error = self.upgrade_from_empty(
            folder, "heads", then=lambda head: self.models_match(metadata, head, folder)
        )
        if error is None:
            return None
        self.result(
            "models-match",
            "+".join(self.project.heads),
            SKIPPED,
            ["the chain does not upgrade from an empty database"],
        )
        for revision in self.project.revisions:
            if self.upgrade_from_empty(folder, revision.id) is not None:
                break
        self.result(
            "upgrade",
            revision.id,
            FAILED,
            [f"`upgrade heads` from an empty database fails at {revision.id}: {error}"],
        )
        return revision.id

    def upgrade_failed(self, revision: Revision, exc: Exception, url: URL, folder: Path) -> None:
        """Say whether an upgrade fails on an empty database too (``upgrade``) or with rows only."""
        error = first_line(exc)
        also_empty = self.upgrade_from_empty(folder, revision.id)
        if also_empty is not None and self.failed_in_one_run == revision.id:
            return  # already reported by the upgrade from empty
        if also_empty is None:
            self.result(
                "upgrade-with-data",
                revision.id,
                FAILED,
                [f"fails with rows present (an empty database upgrades): {error}"],
            )
        else:
            self.result("upgrade", revision.id, FAILED, [f"upgrade failed: {error}"])

    def models_match(self, metadata: MetaData | None, head: Connection, folder: Path) -> None:
        """Compare ``head`` (a database at the head, no rows) with ``metadata``."""
        heads = "+".join(self.project.heads)
        if metadata is None:
            self.result("models-match", heads, SKIPPED, ["env.py sets no target_metadata"])
            return
        options = self.project.comparison_options
        try:
            context = MigrationContext.configure(
                head,
                opts={
                    **options.migration_opts(),
                    # Server defaults are compared below, reflected from this
                    # server on both sides; older Alembic releases compared
                    # nextval() defaults on PostgreSQL by running both.
                    "compare_server_default": False,
                    "version_table": self.project.version_table,
                },
            )
            compared = alembic_differences_on(
                compare_metadata(context, metadata), head.dialect.name
            )
            found = structure(head, self.ignored)
            reflected = MetaData()
            reflected.reflect(head)
        finally:
            head.rollback()
        with scratch_database(self.server, folder) as reference_url:
            engine = make_engine(reference_url)
            try:
                with engine.begin() as reference:
                    metadata.create_all(reference)
                with engine.connect() as reference:
                    expected = structure(reference)
            finally:
                engine.dispose()
        compared = types_made_alike_left_out(compared, found, expected)
        differences = [describe(d) for d in compared]
        found = options.filter_reading(found, reflected, metadata, reflected=True)
        expected = options.filter_reading(expected, metadata, reflected, reflected=False)
        differences += structure_differences(
            comparable(unnamed(found), options),
            comparable(unnamed(expected), options),
            found_as="database",
            expected_as="models",
        )
        self.verdict("models-match", heads, differences, "the head differs from the models: ")

    def offline_failed(self, revision: str, line: str) -> None:
        """A defect where the project ships offline SQL, a warning (with why) elsewhere."""
        if self.ships_offline_sql:
            self.result("offline-sql", revision, FAILED, [line])
            return
        self.result(
            "offline-sql",
            revision,
            WARNING,
            [
                f"{line} (a warning: the project does not say it ships offline SQL; "
                "[stairway] ships_offline_sql = true in alembic.ini makes it a defect)"
            ],
        )

    def offline(self, url: URL) -> None:
        """``upgrade --sql`` for the whole chain; on failure, find the revision that breaks it."""
        revisions = self.project.revisions
        try:
            self.project.offline_sql(url, None, "heads")
        except Exception:
            for revision in revisions:
                start = revision.parents[0] if len(revision.parents) == 1 else None
                if len(revision.parents) > 1:
                    continue
                try:
                    self.project.offline_sql(url, start, revision.id)
                except Exception as exc:
                    if BATCH_NEEDS_DATABASE in str(exc):
                        self.result(
                            "offline-sql",
                            revision.id,
                            SKIPPED,
                            [
                                "SQLite's batch mode reads the table it rebuilds: no offline SQL "
                                "without a database"
                            ],
                        )
                        continue
                    self.offline_failed(
                        revision.id, f"`alembic upgrade --sql` fails: {first_line(exc)}"
                    )
                    return
            if any(
                r.check == "offline-sql" for r in self.report.results if r.dialect == self.dialect
            ):
                return
            self.offline_failed("+".join(self.project.heads), "`alembic upgrade --sql` fails")
            return
        self.result("offline-sql", "+".join(self.project.heads), PASSED)
        if self.use_squawk and self.dialect == "postgresql" and squawk.available():
            for revision in revisions:
                if len(revision.parents) > 1:
                    continue
                start = revision.parents[0] if revision.parents else None
                sql = self.project.offline_sql(url, start, revision.id)
                found = squawk.findings(sql, getattr(revision.module, "SQUAWK_WAIVERS", {}))
                self.result("squawk", revision.id, WARNING if found else PASSED, found)


def comparable(found: dict, options) -> dict:
    """A reading with server defaults in :func:`normalised` spelling (or left out, when env.py
    says ``compare_server_default=False``), and types left out when it says ``compare_type=False``.
    """
    tables = {}
    for table, parts in found["tables"].items():
        columns = {}
        for name, (type_, nullable, autoincrement, default) in parts["columns"].items():
            columns[name] = (
                type_ if options.compares_types else None,
                nullable,
                autoincrement,
                normalised(default) if options.compares_server_defaults else None,
            )
        tables[table] = {**parts, "columns": columns}
    return {**found, "tables": tables}

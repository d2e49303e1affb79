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

import contextlib
import multiprocessing
import re
import shlex
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import URL, Connection, MetaData, event

from sqlalchemy_stairway.check import classify, squawk, static
from sqlalchemy_stairway.check.comparison_options import (
    alembic_differences_on,
    expression_indexes_set_aside,
    left_out_alike,
    types_made_alike_left_out,
)
from sqlalchemy_stairway.check.copying import copy_database
from sqlalchemy_stairway.check.differences import describe, row_differences
from sqlalchemy_stairway.check.engines import first_line, make_engine, parse_url, redact
from sqlalchemy_stairway.check.errors import StairwayError
from sqlalchemy_stairway.check.hooks import HookFailed, Hooks, load_hooks
from sqlalchemy_stairway.check.project import Project, Revision, WrongDatabase
from sqlalchemy_stairway.check.results import FAILED, PASSED, SKIPPED, WARNING, Report, Result
from sqlalchemy_stairway.check.schema import (
    expression_indexes_skipped,
    fingerprint,
    raw_rows,
    row_digests,
    structure,
    structure_differences,
    unnamed,
)
from sqlalchemy_stairway.check.scratch import scratch_database
from sqlalchemy_stairway.check.server_defaults import normalised
from sqlalchemy_stairway.check.synthetic import RowMaker

# Alembic's words when a batch operation on SQLite meets --sql mode
BATCH_NEEDS_DATABASE = "requires a live database connection with which to reflect"

# what checking one revision left the working database as
OK, DIRTY, BROKEN, STOP = "ok", "dirty", "broken", "stop"

# how a downgrade says it is one-way on purpose (Dagster's base revision: "Base
# revision, no downgrade is possible")
REFUSED_DOWNGRADE = re.compile(
    r"no downgrade|not? (be )?downgrad|cannot downgrade|irreversible|one[- ]way", re.IGNORECASE
)


class Unreachable(Exception):
    """A revision's parents cannot be reached from an empty database."""


def in_words(exc: BaseException) -> str:
    """An exception as the last line of its traceback says it: its type, then its first line."""
    if isinstance(exc, HookFailed):
        return str(exc)
    message = first_line(exc)
    name = type(getattr(exc, "orig", None) or exc).__name__
    return message if message == name else f"{name}: {message}"


def refuses_downgrade(exc: BaseException) -> bool:
    """Whether a downgrade raised to say it is not meant to run."""
    return isinstance(exc, NotImplementedError) or bool(REFUSED_DOWNGRADE.search(str(exc)))


def write_ahead_log(dbapi_connection, record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


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
    jobs: int = 1,
) -> Report:
    """Run every check of the module docstring on each server of ``urls``.

    ``jobs``: how many servers are checked at once, each in its own process.

    ``ships_offline_sql``: whether ``offline-sql`` failures are defects
    (default: what alembic.ini's ``[stairway] ships_offline_sql`` says).
    """
    hooks = hooks or Hooks()
    hand_hooks(project, hooks)
    report = Report(project.name)
    if ships_offline_sql is None:
        ships_offline_sql = project.ships_offline_sql
    urls = list(urls)
    models_modules: set[str] | None = None
    schema_changed: dict[str, bool] = {}
    options = {"use_squawk": use_squawk, "ships_offline_sql": ships_offline_sql}
    # Alembic's `context` is one per process: servers run side by side in processes,
    # which load the project and its hooks again from their files
    side_by_side = jobs > 1 and len(urls) > 1 and (hooks.path is not None or hooks == Hooks())
    if side_by_side:
        progress(f"checking {project.name} on {len(urls)} servers, {jobs} at a time")
        with ProcessPoolExecutor(
            max_workers=min(jobs, len(urls)), mp_context=multiprocessing.get_context("spawn")
        ) as pool:
            hooks_path = str(hooks.path) if hooks.path else None
            futures = [
                pool.submit(walk_server_apart, str(project.ini), hooks_path, url, options)
                for url in urls
            ]
            walks = [future.result() for future in futures]
    else:
        walks = []
        for url in urls:
            progress(f"checking {project.name} on {redact(parse_url(url))}")
            walks.append(walk_server(project, url, hooks, progress=progress, **options))
    for walked in walks:
        report.results += walked.results
        report.not_compared |= walked.not_compared
        if walked.revisions_loaded:
            if models_modules is None:
                models_modules = walked.models_modules
            for rid, changed in walked.schema_changed.items():
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


@dataclass
class ServerWalk:
    """What the walk on one server found, and what the checks once per project need of it."""

    results: list[Result]
    revisions_loaded: bool
    models_modules: set[str]
    schema_changed: dict[str, bool]
    not_compared: set[str]  # indexes on expressions the database could not read back


def hand_hooks(project: Project, hooks: Hooks) -> None:
    """Give ``project`` what the hooks file says of how its env.py is run."""
    project.connection_attribute = hooks.connection_attribute
    project.isolation_level = hooks.isolation_level
    project.hand_url = hooks.hand_url


def walk_server(
    project: Project,
    url: str,
    hooks: Hooks,
    *,
    use_squawk: bool,
    ships_offline_sql: bool,
    progress: Callable[[str], None] = lambda line: None,
) -> ServerWalk:
    """The per-server checks of the module docstring, on the server at ``url``."""
    found = Report(project.name)
    walk = Walk(
        project,
        parse_url(url),
        hooks,
        found,
        use_squawk=use_squawk,
        ships_offline_sql=ships_offline_sql,
    )
    walk.progress = progress
    # gathered here, not by the command: a walk side by side runs in a process of its own
    with expression_indexes_skipped() as skipped:
        walk.run()
    return ServerWalk(
        found.results, walk.revisions_loaded, walk.models_modules, walk.schema_changed, skipped
    )


def walk_server_apart(ini: str, hooks_path: str | None, url: str, options: dict) -> ServerWalk:
    """:func:`walk_server` in a process of its own, the project loaded from its files."""
    # a revision's print() must not reach stdout here either
    with contextlib.redirect_stdout(sys.stderr):
        project = Project(ini)
        hooks = load_hooks(Path(hooks_path) if hooks_path else None)
        hand_hooks(project, hooks)
        return walk_server(project, url, hooks, **options)


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
        types = static.models_imported_for_types_only(revision.path, revision.module, models)
        if imports and types:
            lines = [
                f"imports column types from the application's models ({', '.join(types)}), "
                "no tables: a change to those types changes what this revision does; a copy "
                "in the revision would keep it as it was"
            ]
        elif imports:
            lines = [
                f"imports the application's models ({', '.join(imports)}); a revision must "
                "declare the tables it uses as they are at that revision"
            ]
        else:
            lines = []
        status = (WARNING if types else FAILED) if imports else PASSED
        report.add(Result("static-imports-models", revision.id, "", status, lines))
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
        self.progress: Callable[[str], None] = lambda line: None
        # what the working database holds: the revisions applied, or unknown after a failure
        self.applied: set[str] = set()
        self.working_dirty = False
        # revisions that do not upgrade even from an empty database, or were not reached
        self.broken: set[str] = set()
        self.spine_url: URL | None = None
        # table -> its structure and rows when generated rows last went in (see fill), and
        # the rows the working database holds now, as the last revision's check read them
        self.filled_shapes: dict[str, dict] = {}
        self.filled_rows: dict[str, list] = {}
        self.rows_now: dict[str, list] = {}
        self.digests_now: dict[str, str] | None = None  # rows_now's digests (row_digests)
        self.spine_applied: set[str] = set()
        self.step = "upgrade"
        # the revision a failing hook is reported on when it fails outside a revision's check
        self.hook_revision = "env.py"
        # fingerprint -> structure reading: a downgrade and a second upgrade mostly give
        # back a structure already read, which one query then finds
        self.structures: dict[tuple, dict] = {}
        self.last_known: tuple | None = None  # the last fingerprint read anew
        # the generator's MetaData, and the structure it was last reflected at
        self.reflected: tuple[MetaData | None, dict | None] = (None, None)

    @property
    def ignored(self) -> set[str]:
        return {self.project.version_table}

    def result(self, check: str, revision: str, status: str, lines=()) -> Result:
        return self.report.add(Result(check, revision, self.dialect, status, list(lines)))

    def run(self) -> None:
        with (
            tempfile.TemporaryDirectory() as folder,
            ExitStack() as self.databases,
        ):
            url = self.databases.enter_context(scratch_database(self.server, Path(folder)))
            try:
                self.start = self.prepare(url)
            except HookFailed as exc:
                self.result("hooks", self.first_revision(), FAILED, [str(exc)])
                return
            self.engine = make_engine(url, for_migrations=True, scratch=True)
            if self.engine.dialect.name == "sqlite":
                # a scratch file: WAL spares a flush of the whole file at each commit
                event.listen(self.engine, "connect", write_ahead_log)
            try:
                self.connection = self.engine.connect()
                try:
                    self.walk(url, Path(folder))
                except HookFailed as exc:
                    # a hook every revision needs (hand_url, starting_schema) failed: the
                    # rest of this server's walk cannot run
                    self.result("hooks", self.hook_revision, FAILED, [str(exc)])
                finally:
                    self.connection.close()
            finally:
                self.engine.dispose()

    # -- the steps ------------------------------------------------------

    def walk(self, url: URL, folder: Path) -> None:
        try:
            metadata = self.project.target_metadata(
                self.connection, **self.hooks.alembic_attributes
            )
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
        self.url, self.folder = url, folder
        self.failed_in_one_run = self.upgrade_in_one_run(folder, metadata)
        self.structure_now, _ = self.snapshot()
        started = time.monotonic()
        if self.start:
            below_start = self.ancestry(self.start)
            self.applied = set(below_start)
            self.spine_applied = set(below_start)
            for revision in revisions:
                if revision.id in below_start:
                    self.result(
                        "upgrade",
                        revision.id,
                        SKIPPED,
                        [f"the starting schema is at {self.start} (hook starting_schema)"],
                    )
            revisions = [r for r in revisions if r.id not in below_start]
        for index, revision in enumerate(revisions):
            self.progress(
                f"{self.dialect}: revision {index + 1} of {len(revisions)} ({revision.id}), "
                f"{time.monotonic() - started:.0f}s"
            )
            below = [p for p in revision.parents if p in self.broken]
            if below:
                self.broken.add(revision.id)
                self.result(
                    "upgrade",
                    revision.id,
                    SKIPPED,
                    [f"not reached: {below[0]} below it does not upgrade"],
                )
                continue
            outcome = self.reach_and_check(revision, first=index == 0)
            if outcome == STOP:
                for later in revisions[index + 1 :]:
                    self.result("upgrade", later.id, SKIPPED, [f"{revision.id} failed before it"])
                break
        self.offline(url)

    def prepare(self, url: URL) -> str | None:
        """Build the project's starting schema (hook ``starting_schema``) in a new database.

        Returns the revision that schema is at (stamped here), or None when
        the chain's first revision upgrades from it.
        """
        if self.hooks.starting_schema is None:
            return None
        engine = make_engine(url, for_migrations=True, scratch=True)
        try:
            with engine.connect() as connection:
                start = self.hooks.starting_schema(connection)
                if start:
                    context = MigrationContext.configure(
                        connection, opts={"version_table": self.project.version_table}
                    )
                    context.stamp(self.project.scripts, start)
                connection.commit()
        finally:
            engine.dispose()
        return start or None

    def reach_and_check(self, revision: Revision, *, first: bool) -> str:
        """Check ``revision`` from a database at its parents, whatever happened before."""
        self.hook_revision = revision.id
        try:
            if not self.working_reaches(revision):
                self.restore(revision.parents)
            self.step = "upgrade-with-data"
            outcome = self.check_revision(revision, first=first)
        except HookFailed as exc:
            self.result("hooks", revision.id, FAILED, [f"before {self.step}: {exc}"])
            outcome = DIRTY
        except Unreachable as exc:
            self.broken.add(revision.id)
            self.result("upgrade", revision.id, SKIPPED, [f"not reached: {exc}"])
            return BROKEN
        except WrongDatabase as exc:
            self.result("url-honoured", revision.id, FAILED, [str(exc)])
            return STOP
        except Exception as exc:  # the project's code failed where no step expected it
            self.result(self.step, revision.id, FAILED, [f"{self.step} failed: {in_words(exc)}"])
            outcome = DIRTY
        if outcome == OK:
            self.applied.add(revision.id)
        elif outcome == DIRTY:
            self.working_dirty = True
        return outcome

    def working_reaches(self, revision: Revision) -> bool:
        """Whether the working database holds every parent of ``revision`` and nothing broken."""
        return not self.working_dirty and all(p in self.applied for p in revision.parents)

    def restore(self, parents: tuple[str, ...]) -> None:
        """Make the working database a copy of the spine: no generated rows, at ``parents``.

        The spine is a second scratch database that only moves forward, one
        Alembic run per restore, so a chain where many revisions fail still
        costs its length, not its square.
        """
        spine = self.spine_at(parents)
        self.connection.close()
        self.engine.dispose()
        copy_database(spine, self.url)
        self.connection = self.engine.connect()
        self.working_dirty = False
        self.filled_shapes = {}  # the spine holds no generated rows
        self.rows_now = {}  # and the next fill fills every table: no rows to know first
        self.digests_now = None
        self.applied = set(self.spine_applied)
        self.structure_now = self.read_structure()

    def spine_at(self, parents: tuple[str, ...]) -> URL:
        if self.spine_url is None:
            self.spine_url = self.databases.enter_context(
                scratch_database(self.server, self.folder)
            )
            self.prepare(self.spine_url)
        missing = [p for p in parents if p not in self.spine_applied]
        if missing:
            engine = make_engine(self.spine_url, for_migrations=True, scratch=True)
            try:
                with engine.connect() as spine:
                    for parent in missing:
                        try:
                            self.project.run(
                                spine, "upgrade", parent, **self.hooks.alembic_attributes
                            )
                        except Exception as exc:
                            raise Unreachable(
                                f"an empty database does not upgrade to {parent}: {in_words(exc)}"
                            ) from None
                        self.spine_applied |= self.ancestry(parent)
            finally:
                engine.dispose()
        return self.spine_url

    def ancestry(self, rid: str) -> set[str]:
        """``rid`` and every revision below it."""
        found, todo = set(), [rid]
        while todo:
            current = todo.pop()
            if current not in found:
                found.add(current)
                todo += list(self.project.by_id[current].parents)
        return found

    def first_revision(self) -> str:
        """The revision a refused first step was about to run (env.py, if none loads)."""
        try:
            return self.project.revisions[0].id
        except StairwayError:
            return "env.py"

    def run_alembic(self, verb: str, target: str, **attributes) -> None:
        self.project.run(
            self.connection, verb, target, **{**self.hooks.alembic_attributes, **attributes}
        )

    def fill(self, revision: Revision, reflected: MetaData) -> None:
        """Fill the tables of ``reflected`` (the database as it is) before ``revision``.

        A table gets new rows unless it is exactly as its last fill left it,
        same structure, same rows: so there are rows of every shape a table
        has had, a table a revision changed (a column dropped and made again
        empty, a backfill) gets fresh ones, and a long chain does not pile
        rows into tables its revisions leave alone (each revision reads them
        all back, several times).
        """
        connection = self.connection
        shapes = self.structure_now["tables"]
        keep = {
            table
            for table, shape in self.filled_shapes.items()
            if shapes.get(table) == shape
            and self.rows_now.get(table)  # it has rows, the ones its last fill left
            and self.rows_now.get(table) == self.filled_rows.get(table)
        }
        skip = set()
        if self.hooks.before_revision is not None:
            skip = set(self.hooks.before_revision(connection, revision.id) or ())
        shape = None
        if self.hooks.shape_row is not None:
            shape_row = self.hooks.shape_row

            def shape(table, row):
                return shape_row(revision.id, table, row)

        filled = self.rows.fill(connection, reflected, shape, skip, models=self.metadata, keep=keep)
        connection.commit()
        for table in filled.kept | {t for t, added in filled.added.items() if added}:
            self.filled_shapes[table] = shapes.get(table)
        for table in sorted(set(reflected.tables) - set(filled.added) - filled.kept - skip):
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
            found = self.known_structure()
            return found, raw_rows(self.connection, found)
        finally:
            self.connection.rollback()

    def read_structure(self) -> dict:
        try:
            return self.known_structure()
        finally:
            self.connection.rollback()

    def known_structure(self) -> dict:
        """:func:`structure`, read only when its fingerprint is new, and then only what changed."""
        key = fingerprint(self.connection, self.ignored)
        if key is not None and key in self.structures:
            return self.structures[key]
        found = None if key is None else self.changed_tables_read(key)
        if found is None:
            found = structure(self.connection, self.ignored)
        if key is not None:
            self.structures[key] = found
            self.last_known = key
        return found

    def changed_tables_read(self, key: tuple) -> dict | None:
        """The last structure known, with the tables whose digest changed read again.

        None when there is no last one, or when what is not a table's changed
        (a sequence, an enum type): then everything is read.
        """
        if self.last_known is None:
            return None
        now, then = dict(key), dict(self.last_known)
        if now.get("") != then.get(""):
            return None
        last = self.structures[self.last_known]
        changed = {table for table, digest in now.items() if table and digest != then.get(table)}
        if self.dialect == "sqlite":
            # a foreign key that names no columns reads them off the table it refers to
            # (PostgreSQL's digest has the key as it reads, referred columns and all)
            changed |= {
                table
                for table, parts in last["tables"].items()
                if any(fk[2] in changed for fk in parts["foreign keys"])
            }
        tables = {t: last["tables"][t] for t in now if t in last["tables"] and t not in changed}
        if changed:
            tables |= structure(self.connection, self.ignored, only=changed)["tables"]
        return {**last, "tables": dict(sorted(tables.items()))}

    def snapshot_rows(self, found: dict | None = None) -> dict:
        try:
            return raw_rows(self.connection, self.structure_now if found is None else found)
        finally:
            self.connection.rollback()

    def row_digests(self, found: dict) -> dict | None:
        try:
            return row_digests(self.connection, found)
        finally:
            self.connection.rollback()

    def rows_unless_as(
        self, found: dict, was: tuple[dict, dict, dict | None]
    ) -> tuple[dict, dict | None]:
        """The rows now, and their digests (:func:`row_digests`, one query).

        A table whose columns, primary key and digest are as in ``was``
        (structure, rows, digests) is not read again: its rows in ``was``
        are the rows a read would give.
        """
        was_structure, was_rows, was_digests = was
        digests = self.row_digests(found)
        kept = set()
        if (
            digests is not None
            and was_digests is not None
            and found.get("types") == was_structure.get("types")
        ):
            kept = {
                table
                for table, parts in found["tables"].items()
                if table in was_rows
                and table in was_digests
                and digests.get(table) == was_digests[table]
                and read_alike(parts, was_structure["tables"].get(table))
            }
        tables = {t: parts for t, parts in found["tables"].items() if t not in kept}
        read = self.snapshot_rows({**found, "tables": tables})
        rows = {t: was_rows[t] if t in kept else read[t] for t in found["tables"]}
        return rows, digests

    def reflect(self) -> MetaData:
        """The database's tables, for the generator (once per revision).

        Only the tables whose structure changed since the last reflection are
        reflected again, with those whose foreign keys lead to them (their
        keys point at the old Table objects); all of them when the named
        types changed.  A revision that moves data only reflects nothing.
        """
        reflected, then = self.reflected
        now = self.structure_now  # the database as it is: the last reading of it
        stale = None if reflected is None else _to_reflect_again(then, now)
        if stale == set():
            return reflected
        try:
            if stale is None:
                reflected = MetaData()
                reflected.reflect(self.connection)
            else:
                for name in stale & set(reflected.tables):
                    reflected.remove(reflected.tables[name])
                reflected.reflect(self.connection, only=sorted(stale & set(now["tables"])))
        finally:
            self.connection.rollback()
        if self.project.version_table in reflected.tables:
            reflected.remove(reflected.tables[self.project.version_table])
        self.reflected = (reflected, now)
        return reflected

    def check_revision(self, revision: Revision, *, first: bool) -> str:
        """Run the per-revision checks from the working database at ``revision``'s parents.

        Returns OK (the working database is at ``revision``), DIRTY (it is in
        a state no check can trust), BROKEN (``revision`` does not upgrade
        even from an empty database) or STOP.
        """
        rid = revision.id
        if first:
            before_structure, before_rows = self.snapshot()
        else:  # the structure is the one the last revision left; the fill added rows only
            self.step = "generated-rows"
            try:
                filled = self.fill(revision, self.reflect())
            except HookFailed:
                self.connection.rollback()
                raise
            except Exception as exc:  # the project's schema cannot be read back or filled
                self.connection.rollback()
                self.result(
                    "generated-rows",
                    rid,
                    FAILED,
                    [f"the tables before {rid} cannot be filled: {in_words(exc)}"],
                )
                filled = None
            # only the tables the fill (or a hook) changed are read again
            before_structure = self.structure_now
            before_rows, before_digests = self.rows_unless_as(
                before_structure, (self.structure_now, self.rows_now, self.digests_now)
            )
            for table in self.filled_shapes:
                self.filled_rows[table] = before_rows.get(table)
            if filled is not None:
                self.report_empty(revision, filled, before_rows)
        if first:
            before_digests = self.row_digests(before_structure)

        self.step = "upgrade-with-data"
        refused: list[str] = []
        try:
            self.run_alembic("upgrade", rid, rows_refused=refused)
        except WrongDatabase:
            raise
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
            return self.upgrade_failed(revision, exc, with_rows=not refused)
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
            return STOP
        if first:
            self.result("url-honoured", rid, PASSED)
        self.result("upgrade", rid, PASSED)
        after_structure = self.read_structure()
        after_rows, after_digests = self.rows_unless_as(
            after_structure, (before_structure, before_rows, before_digests)
        )
        self.schema_changed[rid] = after_structure != before_structure
        invented = classify.invented_values(
            self.dialect, before_structure, after_structure, before_rows, after_rows
        )
        self.result("upgrade-with-data", rid, FAILED if invented else PASSED, invented)
        return self.round_trip(
            revision,
            before_structure,
            before_rows,
            after_structure,
            after_rows,
            digests=(before_digests, after_digests),
        )

    def round_trip(
        self,
        revision: Revision,
        before_structure: dict,
        before_rows: dict,
        after_structure: dict,
        after_rows: dict,
        digests: tuple[dict | None, dict | None] = (None, None),
    ) -> str:
        """Down to exactly ``before`` and up again to exactly ``after``, after an upgrade.

        ``digests``: each table's rows' digest at ``before`` and ``after``
        (:func:`row_digests`): rows found as they were are not read again.
        """
        rid = revision.id
        one_way = revision.one_way_marker or self.hooks.one_way_revisions.get(rid)
        if one_way:
            for check in ("downgrade", "downgrade-schema", "downgrade-data", "reupgrade"):
                self.result(check, rid, WARNING, [f"one-way by the project's word ({one_way})"])
            self.structure_now, self.rows_now = after_structure, after_rows
            self.digests_now = digests[1]
            return OK

        self.step = "downgrade"
        losses: list[str] = []
        try:
            self.run_alembic(
                "downgrade", f"{rid}@-1", allow_data_loss=True, data_loss_confirmed=losses
            )
        except WrongDatabase:
            raise
        except Exception as exc:
            if refuses_downgrade(exc):
                lines = [f"one-way: its downgrade refuses ({in_words(exc)})"]
                self.result("downgrade", rid, WARNING, lines)
                for check in ("downgrade-schema", "downgrade-data", "reupgrade"):
                    self.result(check, rid, SKIPPED, ["the revision is one-way"])
            else:
                self.result("downgrade", rid, FAILED, [f"downgrade failed: {in_words(exc)}"])
            # the working database may hold half a downgrade: the next revision starts
            # from a copy at this one
            return DIRTY
        self.result("downgrade", rid, PASSED)
        down_structure = self.read_structure()
        down_rows, _ = self.rows_unless_as(
            down_structure, (before_structure, before_rows, digests[0])
        )
        differences = structure_differences(
            down_structure, before_structure, found_as="after", expected_as="before"
        )
        self.verdict("downgrade-schema", rid, differences, "upgrade then downgrade changed: ")
        lost = row_differences(before_rows, down_rows)
        lossy = self.documented_loss(revision, losses)
        backfill = None
        if lost and not lossy and static.noop_downgrade(revision.path):
            backfill = classify.backfill(before_structure, after_structure, before_rows, down_rows)
        if lost and not lossy and not backfill:
            backfill = classify.nulls_filled(before_rows, down_rows)
        dropped = None
        if lost and not lossy and not backfill:
            dropped = classify.dropped_by_upgrade(
                before_structure, after_structure, before_rows, down_rows, after_rows
            )
        if lost and lossy:
            self.result(
                "downgrade-data",
                rid,
                WARNING,
                [f"lossy by design ({lossy}): {lost[0]}", *lost[1:3]],
            )
        elif backfill or dropped:
            self.result("downgrade-data", rid, WARNING, [backfill or dropped, *lost])
        else:
            self.verdict("downgrade-data", rid, lost, "upgrade then downgrade changed rows: ")

        self.step = "reupgrade"
        try:
            self.run_alembic("upgrade", rid)
        except WrongDatabase:
            raise
        except Exception as exc:
            self.result("reupgrade", rid, FAILED, [f"upgrading again failed: {in_words(exc)}"])
            return DIRTY
        again_structure = self.read_structure()
        again_rows, again_digests = self.rows_unless_as(
            again_structure, (after_structure, after_rows, digests[1])
        )
        self.structure_now = again_structure
        differences = structure_differences(
            again_structure, after_structure, found_as="second upgrade", expected_as="first"
        )
        first_rows = after_rows
        if lost and not backfill:
            # the data changed on the way down; the question is whether it settles
            first_rows = again_rows
            again_rows, again_digests = self.second_round_trip(
                rid, (again_structure, again_rows, again_digests)
            )
        self.rows_now, self.digests_now = again_rows, again_digests
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
        return OK

    def second_round_trip(
        self, rid: str, was: tuple[dict, dict, dict | None]
    ) -> tuple[dict, dict | None]:
        """The rows and their digests after one more downgrade and upgrade; ``was``: the
        database before them.

        (structure, rows, digests), as :meth:`rows_unless_as` takes them:
        only the tables whose rows changed are read again.
        """
        self.run_alembic("downgrade", f"{rid}@-1", allow_data_loss=True)
        self.run_alembic("upgrade", rid)
        self.structure_now = self.read_structure()
        return self.rows_unless_as(self.structure_now, was)

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
            self.prepare(empty_url)
            engine = make_engine(empty_url, for_migrations=True, scratch=True)
            try:
                with engine.connect() as empty:
                    try:
                        self.project.run(empty, "upgrade", target, **self.hooks.alembic_attributes)
                    except Exception as exc:
                        return in_words(exc)
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
        culprit, error = self.first_to_fail_from_empty(folder, error)
        self.result(
            "upgrade",
            culprit,
            FAILED,
            [f"`upgrade heads` from an empty database fails at {culprit}: {error}"],
        )
        return culprit

    def first_to_fail_from_empty(self, folder: Path, error: str) -> tuple[str, str]:
        """The first revision that fails, upgrading a new empty database one revision at a time."""
        culprit = "+".join(self.project.heads)
        with scratch_database(self.server, folder) as empty_url:
            self.prepare(empty_url)
            engine = make_engine(empty_url, for_migrations=True, scratch=True)
            try:
                with engine.connect() as empty:
                    for revision in self.project.revisions:
                        try:
                            self.project.run(
                                empty, "upgrade", revision.id, **self.hooks.alembic_attributes
                            )
                        except Exception as exc:
                            return revision.id, in_words(exc)
            finally:
                engine.dispose()
        return culprit, error

    def upgrade_failed(self, revision: Revision, exc: Exception, *, with_rows: bool) -> str:
        """Say whether an upgrade fails on an empty database too (``upgrade``) or with rows only.

        The working database becomes a copy at the parents, without rows, and
        the revision runs there: if it upgrades, the walk goes on from it.
        """
        error = in_words(exc)
        self.restore(revision.parents)
        before_structure, before_rows = self.snapshot()
        before_digests = self.row_digests(before_structure)
        try:
            self.run_alembic("upgrade", revision.id)
        except WrongDatabase:
            raise
        except Exception as empty_exc:
            self.broken.add(revision.id)
            if self.failed_in_one_run != revision.id:  # else reported by the upgrade from empty
                self.result(
                    "upgrade", revision.id, FAILED, [f"upgrade failed: {in_words(empty_exc)}"]
                )
            return BROKEN
        if with_rows:
            self.result(
                "upgrade-with-data",
                revision.id,
                FAILED,
                [f"fails with rows present (an empty database upgrades): {error}"],
            )
        # its downgrade and second upgrade are still checked, on the empty database
        after_structure = self.read_structure()
        after_rows, after_digests = self.rows_unless_as(
            after_structure, (before_structure, before_rows, before_digests)
        )
        self.schema_changed[revision.id] = after_structure != before_structure
        self.structure_now = after_structure
        self.step = "downgrade"
        return self.round_trip(
            revision,
            before_structure,
            before_rows,
            after_structure,
            after_rows,
            digests=(before_digests, after_digests),
        )

    def models_match(self, metadata: MetaData | None, head: Connection, folder: Path) -> None:
        """Compare ``head`` (a database at the head, no rows) with ``metadata``."""
        heads = "+".join(self.project.heads)
        for problem in self.project.metadata_problems:
            self.result("models-match", heads, FAILED, [problem])
        try:
            self.compare_models(metadata, head, folder, heads)
        except Exception as exc:  # models that cannot be created, a schema that cannot be read
            head.rollback()
            self.result(
                "models-match", heads, FAILED, [f"the models cannot be compared: {in_words(exc)}"]
            )

    def compare_models(
        self, metadata: MetaData | None, head: Connection, folder: Path, heads: str
    ) -> None:
        if metadata is None:
            self.result("models-match", heads, SKIPPED, ["env.py sets no target_metadata"])
            return
        metadata, twice = once_each(metadata)
        if twice:
            self.result("models-match", heads, WARNING, [f"the models declare {twice}"])
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
            extensions = installed_extensions(head)
            reflected = MetaData()
            # a foreign key to a missing table must not stop the rest being compared
            reflected.reflect(head, resolve_fks=False)
        finally:
            head.rollback()
        with scratch_database(self.server, folder) as reference_url:
            engine = make_engine(reference_url)
            try:
                with engine.begin() as reference:
                    # the chain's own extensions (pg_trgm for a trigram index)
                    for name in extensions:
                        quoted = reference.dialect.identifier_preparer.quote(name)
                        reference.exec_driver_sql(f"CREATE EXTENSION IF NOT EXISTS {quoted}")
                    metadata.create_all(reference)
                with engine.connect() as reference:
                    expected = structure(reference)
            finally:
                engine.dispose()
        compared = types_made_alike_left_out(compared, found, expected)
        differences = [describe(d) for d in compared]
        found, expected = left_out_alike(
            found,
            options.filter_reading(found, reflected, metadata, reflected=True),
            expected,
            options.filter_reading(expected, metadata, reflected, reflected=False),
        )
        found = expression_indexes_set_aside(found, metadata)
        expected = expression_indexes_set_aside(expected, metadata)
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


def read_alike(parts: dict, was: dict | None) -> bool:
    """Whether a table of a structure reading reads its rows as it did in ``was``: the same
    columns (names and types: the same text gives the same values) and primary key (order).
    """
    return (
        was is not None
        and parts["columns"] == was["columns"]
        and parts["primary key"][1] == was["primary key"][1]
    )


def _to_reflect_again(then: dict, now: dict) -> set[str] | None:
    """The tables whose reflection ``then`` no longer holds ``now``; None: reflect them all."""
    if then.get("types") != now.get("types"):  # an enum's labels live in its type
        return None
    before, after = then["tables"], now["tables"]
    stale = {t for t in before.keys() | after.keys() if before.get(t) != after.get(t)}
    while True:  # a table whose foreign key leads to a stale one holds its old columns
        referring = {
            table
            for table, parts in after.items()
            if table not in stale and any(fk[2] in stale for fk in parts["foreign keys"])
        }
        if not referring:
            return stale
        stale |= referring


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


def installed_extensions(connection: Connection) -> list[str]:
    """The PostgreSQL extensions the chain installed (none elsewhere): the models may need them."""
    if connection.dialect.name != "postgresql":
        return []
    rows = connection.exec_driver_sql("SELECT extname FROM pg_extension WHERE extname <> 'plpgsql'")
    return sorted(name for (name,) in rows)


def once_each(metadata: MetaData) -> tuple[MetaData, str]:
    """``metadata`` with an index declared twice alike kept once, and what was declared twice.

    ``Column(index=True)`` and an ``Index`` of the same name and columns in
    ``__table_args__`` make two objects that ``create_all()`` creates twice
    (Prefect's ``artifact.key``); the database can only hold one.  Two that
    differ are left as they are: the comparison then says the models fail.
    """
    twice = []
    for table in metadata.tables.values():
        seen: dict[str, tuple] = {}
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            shape = (tuple(str(c) for c in index.expressions), index.unique, index.kwargs)
            if index.name is not None and seen.get(index.name) == shape:
                twice.append(f"index {index.name} on {table.name}")
            seen.setdefault(index.name, shape)
    if not twice:
        return metadata, ""
    copy = MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.tables.values():
        copied = table.to_metadata(copy)
        # a copy forgets an index's .ddl_if(dialect=...), which create_all and
        # the project's include_object read
        made_if = {index.name: index._ddl_if for index in table.indexes}
        kept: set[str] = set()
        for index in sorted(copied.indexes, key=lambda i: str(i.name)):
            if index.name in kept and f"index {index.name} on {table.name}" in twice:
                copied.indexes.discard(index)
            elif made_if.get(index.name) is not None:
                index._ddl_if = made_if[index.name]
            kept.add(index.name)
    return copy, ", ".join(twice) + " twice alike; each is compared once"

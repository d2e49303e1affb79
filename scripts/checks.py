"""The migration checks, shared by ``invoke check`` and the test suite.

For the chain as a whole: one head, and a straight line of revisions that
are exactly the stages.  For every stage N, starting from stage N-1 with
the data of stages 1..N-1 seeded:

1. upgrade to N; the database matches stage N's models exactly: Alembic's
   ``compare_metadata`` (types compared) finds nothing, and reading the
   database back gives the same tables, columns, keys, indexes and
   sequences, by name, as creating stage N's models from scratch;
2. every row of stage N-1 is still there, with the same ids and values
   (a plaintext password must verify against its new hash);
3. downgrade to N-1; the database matches stage N-1's models exactly, no
   trace of stage N left, and every row is back as it was, except the
   columns a stage documents it cannot restore, which come back NULL;
4. upgrade to N again and match again; then seed stage N's rows.

At the head the chain is walked back down to the empty database with all
the data in place, each step matching its models.  A failure names the
stage, the revision, the step and every difference.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, MetaData

from models.stages import STAGES, Stage
from scripts.migrate import current_stage, move, script_directory
from scripts.passwords import verify_password
from scripts.schema import rows, structure, structure_differences
from scripts.seed import seed

CHECK_PASSWORD_ITERATIONS = 1_000

# Each concept of the tutorial, in the shapes it takes: table -> {field: column}.
CONCEPTS: dict[str, tuple[tuple[str, dict[str, str]], ...]] = {
    "people": (
        (
            "users",
            {"id": "user_id", "name": "user_name", "password": "password", "number": "number"},
        ),
        (
            "user_account",
            {
                "id": "id",
                "name": "name",
                "password_hash": "password_hash",
                "number": "number",
                "fullname": "fullname",
            },
        ),
    ),
    "addresses": (
        ("email_addresses", {"id": "address_id", "email": "email_address", "user": "user_id"}),
        ("address", {"id": "id", "email": "email_address", "user": "user_id"}),
    ),
    "pets": (("pet", {"id": "id", "name": "name", "type": "type", "age": "age"}),),
    "orders": (("order", {"id": "id", "customer": "customer_id"}),),
    "items": (
        (
            "item",
            {"id": "id", "order": "order_id", "description": "description", "quantity": "quantity"},
        ),
    ),
}


@dataclass
class CheckFailure(Exception):
    stage: Stage
    step: str
    differences: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        shown = "".join(f"\n  - {line}" for line in self.differences)
        revision = self.stage.revision or "base"
        return f"stage {self.stage.number} (revision {revision}), {self.step}:{shown}"


def check_history() -> list[str]:
    """Return the problems with the revision chain itself (none when it is right)."""
    scripts = script_directory()
    problems = []
    heads = scripts.get_heads()
    if len(heads) != 1:
        problems.append(f"expected one head revision, found {sorted(heads)}")
    chain = [rev.revision for rev in reversed(list(scripts.walk_revisions()))]
    expected = [stage.revision for stage in STAGES[1:]]
    if chain != expected:
        problems.append(f"expected the revisions {expected} in a line, found {chain}")
    for rev in scripts.walk_revisions():
        if rev.is_merge_point or rev.is_branch_point:
            problems.append(f"revision {rev.revision} branches or merges; keep the chain linear")
    return problems


def logical_rows(connection: Connection, stage: Stage) -> dict[str, dict[int, dict]]:
    """Return the stage's data by concept and id, under names that outlive renames."""
    data = rows(connection)
    found = {}
    for concept, shapes in CONCEPTS.items():
        for table, fields in shapes:
            if table in stage.metadata.tables:
                found[concept] = {
                    row[fields["id"]]: {f: row[c] for f, c in fields.items() if c in row}
                    for row in data.get(table, [])
                }
    return found


def carried_differences(before: dict, after: dict) -> list[str]:
    """Return what an upgrade lost or changed of the rows it was given."""
    lines = []
    for concept, old_rows in before.items():
        new_rows = after.get(concept)
        if new_rows is None:
            lines.append(f"{concept}: all {len(old_rows)} rows are gone")
            continue
        for row_id, old in old_rows.items():
            new = new_rows.get(row_id)
            if new is None:
                lines.append(f"{concept} {row_id} is gone: {old}")
                continue
            for name, value in old.items():
                if name == "password" and "password_hash" in new:
                    if value is not None and not verify_password(value, new["password_hash"] or ""):
                        lines.append(
                            f"{concept} {row_id}: password does not verify against its hash"
                        )
                elif name in new and new[name] != value:
                    lines.append(f"{concept} {row_id}.{name}: was {value!r}, now {new[name]!r}")
        for row_id in sorted(set(new_rows) - set(old_rows)):
            lines.append(f"{concept} {row_id} appeared from nowhere: {new_rows[row_id]}")
    return lines


def restored_differences(before: dict, after: dict, lost_columns: frozenset[str]) -> list[str]:
    """Return how the rows after a down-and-back differ from before, beyond what is documented."""
    lines = []
    for table in sorted(set(before) | set(after)):
        expected = [
            {c: (None if f"{table}.{c}" in lost_columns else v) for c, v in row.items()}
            for row in before.get(table, [])
        ]
        found = after.get(table, [])
        if found != expected:
            lines.append(f"table {table}: expected {expected}, found {found}")
    return lines


class Checker:
    """Runs the checks on ``connection``, building reference schemas in ``reference``.

    Both connections must be to empty scratch databases of the same kind.
    """

    def __init__(
        self,
        connection: Connection,
        reference: Connection,
        report: Callable[[str], None] = lambda line: None,
    ) -> None:
        self.connection = connection
        self.reference = reference
        self.report = report
        self._expected: dict[int, dict] = {}

    def move(self, stage: Stage, **kw) -> None:
        # The checks prove that 0004's hashes verify, not what they cost:
        # the same code at 1,000 PBKDF2 iterations keeps `invoke check` quick.
        move(self.connection, stage, password_iterations=CHECK_PASSWORD_ITERATIONS, **kw)

    def expected_structure(self, stage: Stage) -> dict:
        """Return the structure of a database made by ``create_all`` from ``stage``'s models."""
        if stage.number not in self._expected:
            existing = MetaData()
            existing.reflect(self.reference)
            existing.drop_all(self.reference)
            stage.metadata.create_all(self.reference)
            self._expected[stage.number] = structure(self.reference)
            self.reference.commit()
        return self._expected[stage.number]

    def assert_matches(self, stage: Stage, step: str) -> None:
        """Fail unless the database is exactly ``stage``'s models."""
        context = MigrationContext.configure(self.connection, opts={"compare_type": True})
        differences = [repr(diff) for diff in compare_metadata(context, stage.metadata)]
        differences += structure_differences(
            structure(self.connection), self.expected_structure(stage)
        )
        self.connection.commit()
        if differences:
            raise CheckFailure(stage, f"{step}: the database differs from the models", differences)
        self.report(f"stage {stage.number}: {step}: matches the models")

    def check_stage(self, stage: Stage) -> None:
        """Run steps 1-4 of the module docstring for ``stage``."""
        previous = STAGES[stage.number - 1]
        if current_stage(self.connection) != previous:
            raise CheckFailure(stage, f"setup: the database is not at stage {previous.number}")
        raw_before = rows(self.connection)
        logical_before = logical_rows(self.connection, previous)
        self.connection.commit()

        self.move(stage)
        self.assert_matches(stage, "after upgrade")
        lost = carried_differences(logical_before, logical_rows(self.connection, stage))
        self.connection.commit()
        if lost:
            raise CheckFailure(stage, "after upgrade: data was not carried", lost)
        self.report(f"stage {stage.number}: after upgrade: every row carried")

        self.move(previous, allow_data_loss=True)
        self.assert_matches(previous, f"after downgrade from {stage.number}")
        changed = restored_differences(raw_before, rows(self.connection), stage.downgrade_loses)
        self.connection.commit()
        if changed:
            raise CheckFailure(stage, "after downgrade: data was not restored", changed)
        self.report(f"stage {stage.number}: after downgrade: every row restored")

        self.move(stage)
        self.assert_matches(stage, "after upgrading again")
        seed(self.connection, stage.number)
        self.connection.commit()

    def check_all(self) -> None:
        """Check the chain, every stage up, then every stage down with all data present."""
        problems = check_history()
        if problems:
            raise CheckFailure(STAGES[-1], "history", problems)
        self.report(f"history: one head, {len(STAGES) - 1} revisions in a line")
        self.assert_matches(STAGES[0], "empty database")
        for stage in STAGES[1:]:
            self.check_stage(stage)
        for stage in reversed(STAGES[:-1]):
            self.move(stage, allow_data_loss=True)
            self.assert_matches(stage, "walking down with all data")

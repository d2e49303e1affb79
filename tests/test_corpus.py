"""The corpus behaves as its manifest says, shown with plain Alembic on real databases.

For every project in tests/corpus/manifest.toml and every dialect it supports
(among the databases this run was given), the project's chain runs in a
scratch database.  A defective project must show its defect's symptom on the
dialects listed in ``shows_on`` and behave correctly on its other dialects; a
correct project must round-trip every revision with rows present (upgrade,
downgrade back to exactly the same database, upgrade again to exactly the same
database) and match its models at head.
"""

import ast
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.util import CommandError
from sqlalchemy.exc import CompileError, DBAPIError

from sqlalchemy_stairway.check.scratch import scratch_database
from tests.conftest import DATABASES, needs
from tests.corpus.chain import CORPUS, Chain, load_manifest

MANIFEST = load_manifest()


def cases(defective: bool) -> list:
    return [
        pytest.param((project, dialect), id=f"{project}-{dialect}", marks=needs(dialect))
        for project, entry in MANIFEST.items()
        if ("defect" in entry) == defective
        for dialect in entry["dialects"]
    ]


@pytest.fixture
def chain(request, tmp_path: Path) -> Iterator[Chain]:
    project, dialect = request.param
    with scratch_database(DATABASES[dialect], tmp_dir=tmp_path) as url:
        chain = Chain(project, url)
        yield chain
        chain.engine.dispose()


def round_trip(chain: Chain, revision: str, previous: str) -> tuple[dict, dict]:
    """Upgrade to ``revision`` and back; return the database before and after the upgrade."""
    before = chain.snapshot()
    chain.upgrade(revision)
    after = chain.snapshot()
    chain.downgrade(previous)
    return before, after


# -- correct projects ---------------------------------------------------------

# Rows present from the first revision on, with the edges real data has.
SAMPLE_ROWS = {
    "correct_renames": (
        "accounts",
        [{"id": 1, "name": "Ada"}, {"id": 2, "name": "Zoë Ørsted-Ñúñez " + "x" * 22}],
    ),
    "correct_data_migration": (
        "people",
        [
            {"id": 1, "full_name": "Ada Lovelace"},
            {"id": 2, "full_name": "Plato"},
            {"id": 3, "full_name": "Jean Claude Van Damme"},
            {"id": 4, "full_name": None},
            {"id": 5, "full_name": "Zoë "},
            {"id": 6, "full_name": "é" * 81},
        ],
    ),
    "correct_enums": ("tickets", [{"id": 1, "status": "open"}, {"id": 2, "status": "closed"}]),
    "correct_check_constraints": (
        "products",
        [{"id": 1, "price": Decimal("9.99")}, {"id": 2, "price": Decimal("0.00")}],
    ),
    "correct_foreign_keys": (
        "categories",
        [{"id": 1, "name": "root", "parent_id": None}, {"id": 2, "name": "leaf", "parent_id": 1}],
    ),
    "correct_partial_unique": (
        "accounts",
        [
            {"id": 1, "email": "a@example.org", "deleted_at": None},
            {"id": 2, "email": "a@example.org", "deleted_at": datetime(2020, 1, 1)},
            {"id": 3, "email": "b@example.org", "deleted_at": None},
        ],
    ),
    "correct_json_uuid": (
        "documents",
        [{"id": uuid.UUID(int=1), "body": {"title": "Zoë", "tags": ["a", "b"], "n": 1}}],
    ),
    "correct_postgresql_arrays": ("posts", [{"id": 1, "tags": ["a", "ü" * 20]}]),
}


def insert_sample_rows(chain: Chain) -> None:
    table_name, rows = SAMPLE_ROWS[chain.project]
    table = sa.Table(table_name, sa.MetaData(), autoload_with=chain.engine)
    if chain.project == "correct_json_uuid":  # reflection sees JSON as text on MariaDB
        table = sa.table(table_name, sa.column("id", sa.Uuid()), sa.column("body", sa.JSON()))
    chain.execute(sa.insert(table), rows)


def test_every_correct_project_has_sample_rows() -> None:
    correct = {p for p, entry in MANIFEST.items() if "defect" not in entry}
    assert correct == set(SAMPLE_ROWS)


@pytest.mark.parametrize("chain", cases(defective=False), indirect=True)
def test_correct_project_round_trips_with_rows(chain: Chain) -> None:
    revisions = chain.revisions()
    previous = "base"
    for position, revision in enumerate(revisions):
        before, after = round_trip(chain, revision, previous)
        assert chain.snapshot() == before, f"{revision}: the downgrade did not restore the database"
        chain.upgrade(revision)
        assert chain.snapshot() == after, f"{revision}: upgrading again gave another database"
        if position == 0:
            insert_sample_rows(chain)
        previous = revision
    _, rows = SAMPLE_ROWS[chain.project]
    assert sum(len(t["rows"]) for t in chain.snapshot()["tables"].values()) >= len(rows)
    assert chain.model_differences() == []
    chain.downgrade("base")
    assert chain.snapshot()["tables"] == {}
    chain.upgrade("heads")


def test_correct_data_migration_splits_and_joins_names(tmp_path: Path) -> None:
    with scratch_database(DATABASES["sqlite"], tmp_dir=tmp_path) as url:
        chain = Chain("correct_data_migration", url)
        chain.upgrade("0001")
        insert_sample_rows(chain)
        chain.upgrade("0002")
        assert chain.rows("SELECT first_name, last_name FROM people WHERE id IN (1, 2, 3)") == [
            ("Ada", "Lovelace"),
            ("Plato", None),
            ("Jean", "Claude Van Damme"),
        ]


# -- defective projects: each symptom, where it shows and where it does not -----


def shows_defect(chain: Chain) -> bool:
    return chain.dialect.replace("mysql", "mariadb") in chain.entry["defect"]["shows_on"]


def upgrade_fails(chain: Chain, revision: str = "heads") -> bool:
    try:
        chain.upgrade(revision)
    except (DBAPIError, CommandError, CompileError, ValueError):
        return True
    return False


def two_heads(chain: Chain) -> None:
    assert chain.heads() == ["0002a", "0002b"]
    with pytest.raises(CommandError, match="Multiple head revisions"):
        chain.upgrade("head")


def not_null_without_default(chain: Chain) -> None:
    chain.upgrade("0002")  # an empty table takes the new column
    chain.downgrade("0001")
    chain.execute("INSERT INTO accounts (id, name) VALUES (1, 'Ada')")
    assert shows_defect(chain)
    if chain.dialect == "postgresql":
        assert upgrade_fails(chain, "0002")
    else:  # MariaDB invents the type's implicit default for the existing row
        chain.upgrade("0002")
        assert chain.rows("SELECT plan FROM accounts") == [("",)]


def fails_with_rows_leaves_table(chain: Chain) -> None:
    assert shows_defect(chain)
    chain.upgrade("0001")
    before, after = round_trip(chain, "0002", "0001")
    assert "plans" in after["tables"]
    assert set(chain.snapshot()["tables"]) - set(before["tables"]) == {"plans"}


def narrowing(chain: Chain) -> None:
    chain.upgrade("0002")
    chain.downgrade("0001")
    chain.execute("INSERT INTO accounts (id, name) VALUES (1, :name)", {"name": "n" * 40})
    if shows_defect(chain):
        assert upgrade_fails(chain, "0002")
    else:  # SQLite does not enforce lengths: the name survives whole
        chain.upgrade("0002")
        assert chain.rows("SELECT name FROM accounts") == [("n" * 40,)]


def head_columns(chain: Chain, table: str) -> dict:
    chain.upgrade("heads")
    return {c["name"]: c for c in sa.inspect(chain.engine).get_columns(table)}


def model_missing_index(chain: Chain) -> None:
    chain.upgrade("heads")
    assert sa.inspect(chain.engine).get_indexes("accounts") == []
    assert chain.target_metadata().tables["accounts"].indexes
    assert [d[0] for d in chain.model_differences()] == ["add_index"]


def model_nullability(chain: Chain) -> None:
    assert head_columns(chain, "accounts")["name"]["nullable"] is True
    assert chain.target_metadata().tables["accounts"].c.name.nullable is False


def model_server_default(chain: Chain) -> None:
    assert head_columns(chain, "accounts")["plan"]["default"] is None
    assert chain.target_metadata().tables["accounts"].c.plan.server_default is not None


def model_ondelete(chain: Chain) -> None:
    chain.upgrade("heads")
    (foreign_key,) = sa.inspect(chain.engine).get_foreign_keys("invoices")
    assert foreign_key["options"].get("ondelete") is None
    (model_key,) = chain.target_metadata().tables["invoices"].foreign_keys
    assert model_key.ondelete == "CASCADE"


def model_enum_value(chain: Chain) -> None:
    chain.upgrade("heads")
    insert_held = "INSERT INTO tickets (id, status) VALUES (1, 'held')"
    if shows_defect(chain):
        with pytest.raises(DBAPIError):
            chain.execute(insert_held)
    else:  # SQLite stores the enum as VARCHAR with no CHECK: 'held' fits
        chain.execute(insert_held)
        assert chain.model_differences() == []


def model_type(chain: Chain) -> None:
    assert head_columns(chain, "accounts")["email"]["type"].length == 50
    assert chain.target_metadata().tables["accounts"].c.email.type.length == 80


def trace(describe: Callable[[dict], object]) -> Callable[[Chain], None]:
    """A symptom: 0002's downgrade leaves what ``describe`` picks out of a snapshot."""

    def symptom(chain: Chain) -> None:
        chain.upgrade("0001")
        before, _ = round_trip(chain, "0002", "0001")
        after = chain.snapshot()
        if shows_defect(chain):
            assert describe(after) and not describe(before)
            assert upgrade_fails(chain, "0002")
        else:
            assert after == before
            chain.upgrade("0002")

    return symptom


def column_names(snapshot: dict, table: str) -> set[str]:
    return {c[0] for c in snapshot["tables"][table]["columns"]}


trace_table = trace(lambda s: "tags" in s["tables"])
trace_column = trace(lambda s: "phone" in column_names(s, "accounts"))
trace_index = trace(
    lambda s: any(i[0] == "ix_accounts_name" for i in s["tables"]["accounts"]["indexes"])
)
trace_enum_type = trace(lambda s: any(e[0] == "ticket_status" for e in s.get("enums", [])))
trace_sequence = trace(lambda s: "account_number_seq" in s.get("sequences", []))


def downgrade_pass(chain: Chain) -> None:
    trace(lambda s: "email" in column_names(s, "accounts"))(chain)
    module = ast.parse(next((chain.folder / "versions").glob("0002_*.py")).read_text())
    (downgrade,) = [f for f in module.body if getattr(f, "name", None) == "downgrade"]
    assert [type(s) for s in downgrade.body] == [ast.Pass]


def lossy_data_move(chain: Chain) -> None:
    chain.upgrade("0001")
    chain.execute("INSERT INTO accounts (id, name, phone) VALUES (1, 'Ada', '+44 20 7946')")
    chain.upgrade("0002")
    assert chain.rows("SELECT account_id, number FROM phones") == [(1, "+44 20 7946")]
    chain.downgrade("0001")
    assert chain.rows("SELECT id, phone FROM accounts") == [(1, None)]


def not_inverse(chain: Chain) -> None:
    chain.upgrade("0001")
    chain.execute("INSERT INTO accounts (id, name, balance) VALUES (1, 'Ada', 12.34)")
    chain.upgrade("0002")
    assert chain.rows("SELECT balance_cents FROM accounts") == [(1234,)]
    chain.downgrade("0001")
    assert chain.rows("SELECT balance FROM accounts") == [(Decimal("1234.00"),)]
    chain.upgrade("0002")
    assert chain.rows("SELECT balance_cents FROM accounts") == [(123400,)]


def imports_models(chain: Chain) -> None:
    source = next((chain.folder / "versions").glob("0001_*.py")).read_text()
    assert "from ledger import models" in source
    with pytest.raises(DBAPIError, match="created_at"):  # not added until 0002
        chain.upgrade("heads")


def offline_broken(chain: Chain) -> None:
    assert "CREATE TABLE accounts" in chain.offline_sql("0001")
    # offline, op.get_bind() is a mock whose execute() returns None
    with pytest.raises(AttributeError, match="'NoneType' object has no attribute 'all'"):
        chain.offline_sql("0002")
    chain.upgrade("heads")  # online, the same revision runs


def fails_where_shown(chain: Chain) -> None:
    if shows_defect(chain):
        assert upgrade_fails(chain)
    else:
        chain.upgrade("0001")
        before, after = round_trip(chain, chain.revisions()[-1], "0001")
        assert chain.snapshot() == before
        chain.upgrade("heads")
        assert chain.snapshot() == after


mariadb_varchar_without_length = fails_where_shown
postgresql_index_concurrently = fails_where_shown
auto_named_constraint = fails_where_shown


def mariadb_rename_loses_auto_increment(chain: Chain) -> None:
    chain.upgrade("0001")
    before, _ = round_trip(chain, "0002", "0001")
    insert = "INSERT INTO accounts (name) VALUES ('Ada')"
    if shows_defect(chain):
        assert chain.snapshot() != before
        with pytest.raises(DBAPIError, match="default value"):
            chain.execute(insert)
    else:
        assert chain.snapshot() == before
        chain.upgrade("0002")
        chain.execute(insert)


def postgresql_enum_value_in_one_transaction(chain: Chain) -> None:
    with pytest.raises(DBAPIError, match="unsafe use of new value"):
        chain.upgrade("heads")
    chain.upgrade("0002")  # committed before 0003 runs, the new value is usable
    chain.upgrade("0003")


def url_ignored(chain: Chain, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    chain.upgrade("heads")
    assert sa.inspect(chain.engine).get_table_names() == []
    hard_coded = sa.create_engine(f"sqlite:///{tmp_path / 'app.db'}")
    assert "accounts" in sa.inspect(hard_coded).get_table_names()
    hard_coded.dispose()


SYMPTOMS = {name: globals()[name] for name, entry in MANIFEST.items() if "defect" in entry}


@pytest.mark.parametrize("chain", cases(defective=True), indirect=True)
def test_defect_shows_where_the_manifest_says(chain: Chain, monkeypatch, tmp_path: Path) -> None:
    if chain.project == "url_ignored":
        url_ignored(chain, monkeypatch, tmp_path)
    else:
        SYMPTOMS[chain.project](chain)


def test_manifest_names_real_projects_and_revisions() -> None:
    folders = {p.name for p in CORPUS.iterdir() if (p / "alembic.ini").exists()}
    assert folders == set(MANIFEST)
    for project, entry in MANIFEST.items():
        assert set(entry["dialects"]) <= {"sqlite", "postgresql", "mariadb"}
        if "defect" in entry:
            defect = entry["defect"]
            assert set(defect["shows_on"]) <= set(entry["dialects"]), project
            revisions = {p.name.split("_")[0] for p in (CORPUS / project / "versions").glob("*.py")}
            assert defect["revision"] in revisions, project


def all_cases() -> list:
    return cases(defective=True) + cases(defective=False)


@pytest.mark.parametrize("chain", all_cases(), indirect=True)
def test_offline_sql_fails_only_where_the_manifest_says(chain: Chain) -> None:
    defect = chain.entry.get("defect", {})
    offline_defect = "offline-sql" in [defect.get("check"), *defect.get("also", [])]
    if offline_defect and shows_defect(chain):
        with pytest.raises((AttributeError, CompileError)):
            chain.offline_sql("heads")
    elif chain.dialect == "sqlite" and chain.entry.get("offline_on_sqlite") is False:
        # SQLite's limit, not a defect: a batch rebuild reflects the table first
        with pytest.raises(CommandError, match="batch mode with dialect sqlite requires a live"):
            chain.offline_sql("heads")
    else:
        assert "alembic_version" in chain.offline_sql("heads")

"""What a difference costs: backfills, dropped values, values made at run time, MariaDB's."""

import datetime
import uuid

from sqlalchemy_stairway.check.classify import (
    backfill,
    changed_cells,
    dropped_by_upgrade,
    invented_values,
    nulls_filled,
    runtime_values,
)


def reading(**columns) -> dict:
    """A structure reading of one table, accounts: name -> (type, NULL-able, default)."""
    return {
        "tables": {
            "accounts": {
                "columns": {
                    name: (type_, nullable, False, default)
                    for name, (type_, nullable, default) in columns.items()
                }
            }
        }
    }


BEFORE = reading(id=("INTEGER", False, None), plan=("VARCHAR(20)", True, None))


def test_changed_cells_name_each_column_and_none_when_rows_come_or_go():
    before = {"accounts": [{"id": 1, "plan": None}, {"id": 2, "plan": "pro"}]}
    after = {"accounts": [{"id": 1, "plan": "free"}, {"id": 2, "plan": "pro"}]}
    assert changed_cells(before, after) == {("accounts", "plan"): [(None, "free")]}
    assert changed_cells(before, {"accounts": after["accounts"][:1]}) is None


def test_values_filled_in_a_column_whose_schema_stayed_are_a_backfill():
    before = {"accounts": [{"id": 1, "plan": None}]}
    down = {"accounts": [{"id": 1, "plan": "free"}]}
    reason = backfill(BEFORE, BEFORE, before, down)
    assert reason.startswith("a backfill: the upgrade fills accounts.plan")


def test_values_changed_in_a_column_the_upgrade_reshaped_are_not_a_backfill():
    after = reading(id=("INTEGER", False, None), plan=("VARCHAR(5)", True, None))
    before = {"accounts": [{"id": 1, "plan": "enterprise"}]}
    down = {"accounts": [{"id": 1, "plan": "enter"}]}
    assert backfill(BEFORE, after, before, down) is None


def test_rows_lost_are_never_a_backfill():
    assert (
        backfill(BEFORE, BEFORE, {"accounts": [{"id": 1, "plan": None}]}, {"accounts": []}) is None
    )


def test_a_runtime_server_default_or_uuids_explain_a_second_upgrade():
    after = reading(id=("INTEGER", False, None), created=("TIMESTAMP", False, "now()"))
    first = {"accounts": [{"id": 1, "created": 1}]}
    second = {"accounts": [{"id": 1, "created": 2}]}
    assert "accounts.created (its default now() runs at each insert)" in runtime_values(
        BEFORE, after, first, second
    )
    tokens = reading(id=("INTEGER", False, None), token=("UUID", True, None))
    first = {"accounts": [{"id": 1, "token": uuid.uuid4()}]}
    second = {"accounts": [{"id": 1, "token": uuid.uuid4()}]}
    assert "makes UUIDs" in runtime_values(BEFORE, tokens, first, second)
    times = {"accounts": [{"id": 1, "token": datetime.datetime(2026, 1, 1)}]}
    later = {"accounts": [{"id": 1, "token": datetime.datetime(2026, 1, 2)}]}
    assert "makes times" in runtime_values(BEFORE, tokens, times, later)


def test_a_value_that_changes_for_no_runtime_reason_is_not_explained():
    after = reading(id=("INTEGER", False, None), balance=("INTEGER", False, None))
    first = {"accounts": [{"id": 1, "balance": 100}]}
    second = {"accounts": [{"id": 1, "balance": 10000}]}
    assert runtime_values(BEFORE, after, first, second) is None


def test_mariadb_filling_a_new_not_null_column_is_named_on_mariadb_only():
    after = reading(
        id=("INTEGER", False, None), plan=("VARCHAR(20)", True, None), tier=("INTEGER", False, None)
    )
    rows = {"accounts": [{"id": 1, "plan": None}]}
    filled = {"accounts": [{"id": 1, "plan": None, "tier": 0}]}
    [line] = invented_values("mariadb", BEFORE, after, rows, filled)
    assert line.startswith("accounts.tier was added NOT NULL with no default to a table holding 1")
    assert "MariaDB gave every row 0" in line
    assert invented_values("postgresql", BEFORE, after, rows, filled) == []
    # a column filled by the revision, or added to an empty table, invents nothing
    backfilled = {"accounts": [{"id": 1, "plan": None, "tier": 3}]}
    assert invented_values("mariadb", BEFORE, after, rows, backfilled) == []
    assert invented_values("mariadb", BEFORE, after, {"accounts": []}, {"accounts": []}) == []


def test_values_in_a_table_the_upgrade_gave_a_new_key_are_not_a_backfill():
    keyed = reading(
        id=("INTEGER", False, None), plan=("VARCHAR(20)", True, None), row=("INTEGER", False, None)
    )
    before = {"accounts": [{"id": 1, "plan": None}]}
    down = {"accounts": [{"id": 1, "plan": "free"}]}
    assert backfill(BEFORE, keyed, before, down) is None


def test_nulls_the_upgrade_filled_and_the_downgrade_kept_lose_nothing():
    before = {"accounts": [{"id": 1, "plan": None}, {"id": 2, "plan": "pro"}]}
    down = {"accounts": [{"id": 1, "plan": "free"}, {"id": 2, "plan": "pro"}]}
    reason = nulls_filled(before, down)
    assert reason.startswith("a backfill: the upgrade fills NULLs in accounts.plan")
    # a value overwritten is lost: not a fill
    overwritten = {"accounts": [{"id": 1, "plan": "free"}, {"id": 2, "plan": "free"}]}
    assert nulls_filled(before, overwritten) is None


NOTES = "written by hand, kept for years"


def test_values_in_a_column_the_upgrade_dropped_cannot_come_back():
    after = reading(id=("INTEGER", False, None))
    before = {"accounts": [{"id": 1, "plan": NOTES}]}
    down = {"accounts": [{"id": 1, "plan": None}]}
    upgraded = {"accounts": [{"id": 1}]}
    reason = dropped_by_upgrade(BEFORE, after, before, down, upgraded)
    assert reason == "the upgrade drops accounts.plan: their values cannot come back"


def test_values_the_upgrade_moved_elsewhere_are_the_downgrades_to_bring_back():
    after = reading(id=("INTEGER", False, None), notes=("TEXT", True, None))
    before = {"accounts": [{"id": 1, "plan": NOTES}]}
    down = {"accounts": [{"id": 1, "plan": None}]}
    moved = {"accounts": [{"id": 1, "notes": NOTES}]}
    assert dropped_by_upgrade(BEFORE, after, before, down, moved) is None


def test_a_short_value_moved_from_a_dropped_column_is_found_where_it_went():
    # a five-character phone number moved to a new table: the downgrade's to bring back
    after = {"tables": {**BEFORE["tables"], "phones": {"columns": {}}}}
    before = {"accounts": [{"id": 1, "plan": "+44 1"}]}
    down = {"accounts": [{"id": 1, "plan": None}]}
    moved = {"accounts": [{"id": 1}], "phones": [{"account_id": 1, "number": "+44 1"}]}
    after["tables"]["accounts"] = {"columns": {"id": ("INTEGER", False, False, None)}}
    assert dropped_by_upgrade(BEFORE, after, before, down, moved) is None
    # a short value is matched whole, not inside another text
    elsewhere = {"accounts": [{"id": 1}], "phones": [{"account_id": 1, "number": "+44 12"}]}
    assert dropped_by_upgrade(BEFORE, after, before, down, elsewhere) is not None


def test_a_loss_outside_what_the_upgrade_dropped_is_not_explained():
    after = reading(id=("INTEGER", False, None))
    before = {"accounts": [{"id": 1, "plan": NOTES}, {"id": 2, "plan": None}]}
    down = {"accounts": [{"id": 1, "plan": None}]}  # a row gone too
    assert dropped_by_upgrade(BEFORE, after, before, down, {"accounts": [{"id": 1}]}) is None
    # nothing dropped: nothing explained
    same = {"accounts": [{"id": 1, "plan": None}]}
    assert dropped_by_upgrade(BEFORE, BEFORE, before, same, before) is None


def test_rows_read_in_the_order_of_a_new_uuid_are_the_same_rows():
    after = reading(id=("UUID", False, None), owner=("VARCHAR(20)", False, None))
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    c, d = str(uuid.uuid4()), str(uuid.uuid4())
    first = {"accounts": [{"id": a, "owner": "ann"}, {"id": b, "owner": "bob"}]}
    second = {"accounts": [{"id": c, "owner": "bob"}, {"id": d, "owner": "ann"}]}
    assert "accounts.id (the upgrade makes UUIDs" in runtime_values(BEFORE, after, first, second)
    # another owner is another row, whatever the order
    other = {"accounts": [{"id": c, "owner": "bob"}, {"id": d, "owner": "eve"}]}
    assert runtime_values(BEFORE, after, first, other) is None

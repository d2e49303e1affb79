"""What each stage changes: tables and columns added, renamed, altered, dropped."""

from sqlalchemy import Column, Integer, MetaData, String, Table

from stairway_site.changes import Renames, schema_changes
from stairway_site.project import site_stages

STAGES = {stage.number: stage for stage in site_stages()}


def lines(number: int) -> list[str]:
    stage = STAGES[number]
    changes = schema_changes(stage.previous_metadata, stage.metadata, stage.renames)
    return [str(change) for change in changes]


def test_stage_4_renames_alters_adds_and_drops() -> None:
    assert lines(4) == [
        "table user_account renamed: was users",
        "column user_account.id renamed: was user_id",
        "column user_account.name renamed: was user_name",
        "column user_account.name altered: VARCHAR(40) → VARCHAR(30) NOT NULL",
        "column user_account.fullname added: VARCHAR(100)",
        "column user_account.password_hash added: VARCHAR(128)",
        "column user_account.password dropped",
        "table address renamed: was email_addresses",
        "column address.id renamed: was address_id",
        "column address.user_id altered: INTEGER → INTEGER NOT NULL",
    ]


def test_stages_that_only_add() -> None:
    assert lines(1) == [
        "table users added: user_id, user_name, password",
        "table email_addresses added: address_id, email_address, user_id",
    ]
    assert lines(2) == ["table pet added: id, name, type, age"]
    assert lines(3) == ["column users.number added: INTEGER"]
    assert lines(5) == [
        "table order added: id, customer_id",
        "table item added: id, order_id, description, quantity",
    ]


def test_without_renames_a_renamed_table_is_a_drop_and_an_add() -> None:
    before, after = MetaData(), MetaData()
    Table("users", before, Column("id", Integer, primary_key=True))
    Table("people", after, Column("id", Integer, primary_key=True), Column("name", String(9)))
    assert [str(c) for c in schema_changes(before, after)] == [
        "table people added: id, name",
        "table users dropped",
    ]
    renamed = Renames(tables={"users": "people"}, columns={("people", "id"): "id"})
    assert [str(c) for c in schema_changes(before, after, renamed)] == [
        "table people renamed: was users",
        "column people.name added: VARCHAR(9)",
    ]


def test_a_renamed_column_that_changed_type_is_both() -> None:
    before, after = MetaData(), MetaData()
    Table("t", before, Column("id", Integer, primary_key=True), Column("n", String(40)))
    Table("t", after, Column("id", Integer, primary_key=True), Column("name", String(30)))
    changes = schema_changes(before, after, Renames(columns={("t", "n"): "name"}))
    assert [str(c) for c in changes] == [
        "column t.name renamed: was n",
        "column t.name altered: VARCHAR(40) → VARCHAR(30)",
    ]

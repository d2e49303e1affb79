"""Alembic's schema differences, said in words (sqlalchemy_stairway.check.differences)."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, create_engine, text

from sqlalchemy_stairway.check.differences import describe, row_differences


def differences(in_database: MetaData, in_models: MetaData) -> list[str]:
    engine = create_engine("sqlite://")
    try:
        with engine.begin() as connection:
            in_database.create_all(connection)
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return sorted(describe(diff) for diff in compare_metadata(context, in_models))
    finally:
        engine.dispose()


def test_each_difference_is_a_sentence_about_the_database():
    database, models = MetaData(), MetaData()
    Table("pet", database, Column("id", Integer, primary_key=True), Column("type", String(50)))
    Table("old", database, Column("id", Integer, primary_key=True))
    Table(
        "pet",
        models,
        Column("id", Integer, primary_key=True),
        Column("species", String(50)),
        Column("owner_id", ForeignKey("owner.id")),
    )
    Table("owner", models, Column("id", Integer, primary_key=True), Column("name", String(9)))
    found = differences(database, models)
    assert found == [
        "column pet.owner_id is missing from the database",
        "column pet.species is missing from the database",
        "column pet.type is in the database, but not in the models",
        "foreign key None on pet is missing from the database",
        "table old is in the database, but not in the models",
        "table owner is missing from the database",
    ]


def test_a_changed_column_says_what_it_is_and_what_the_models_say():
    database, models = MetaData(), MetaData()
    Table("t", database, Column("id", Integer, primary_key=True), Column("name", String(40)))
    Table(
        "t",
        models,
        Column("id", Integer, primary_key=True),
        Column("name", String(30), nullable=False),
    )
    (found,) = differences(database, models)
    assert "column t.name is VARCHAR(40) in the database; the models say VARCHAR(30)" in found
    assert "column t.name is NULL in the database; the models say NOT NULL" in found


def test_rows_lost_values_changed_and_columns_left_to_the_structure():
    before = {"a": [{"id": 1, "x": "one"}, {"id": 2, "x": "two"}], "b": [{"id": 1}]}
    after = {"a": [{"id": 1, "x": "one"}, {"id": 2, "x": "deux"}], "b": []}
    assert row_differences(before, after) == [
        "a row id=2: x 'two' -> 'deux'",
        "b: 1 rows before, 0 after",
    ]
    # a column that is gone is the structure's to report, not the rows'
    assert row_differences({"a": [{"id": 1, "x": 1}]}, {"a": [{"id": 1}]}) == []


def test_the_same_rows_read_in_another_order_are_no_difference():
    # a table without a primary key is read in the order of its columns' values; once a
    # revision gives it an id it is read in the order of the ids, which is the insertion's
    before = {"kvs": [{"key": "a", "value": "2"}, {"key": "b", "value": "1"}]}
    after = {"kvs": [{"id": 1, "key": "b", "value": "1"}, {"id": 2, "key": "a", "value": "2"}]}
    assert row_differences(before, after) == []
    # a value that changed still shows, whatever the order
    after["kvs"][0]["value"] = "3"
    assert row_differences(before, after) == ["kvs row key='b': value '1' -> '3'"]


def test_a_changed_server_default_reads_as_its_sql():
    database, models = MetaData(), MetaData()
    Table("pet", database, Column("id", Integer, primary_key=True), Column("legs", Integer))
    Table(
        "pet",
        models,
        Column("id", Integer, primary_key=True),
        Column("legs", Integer, server_default=text("4")),
    )
    engine = create_engine("sqlite://")
    try:
        with engine.begin() as connection:
            database.create_all(connection)
            context = MigrationContext.configure(connection, opts={"compare_server_default": True})
            [diff] = compare_metadata(context, models)
    finally:
        engine.dispose()
    assert describe(diff) == (
        "column pet.legs defaults to nothing in the database; the models say 4"
    )

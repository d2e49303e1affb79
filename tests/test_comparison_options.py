"""env.py's autogenerate options, as models-match applies them."""

import sqlalchemy as sa

from sqlalchemy_stairway.check.comparison_options import (
    ComparisonOptions,
    alembic_differences_on,
    expression_indexes_set_aside,
    for_another_dialect,
    left_out_alike,
    types_made_alike_left_out,
)


def models() -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table("accounts", metadata, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table("legacy", metadata, sa.Column("id", sa.Integer, primary_key=True))
    return metadata


def reading() -> dict:
    parts = {
        "columns": {"id": ("INTEGER", False, True, None)},
        "indexes": [],
        "unique constraints": [],
        "foreign keys": [],
    }
    return {"tables": {"accounts": dict(parts), "legacy": dict(parts)}}


def test_only_the_options_env_py_names_are_kept():
    options = ComparisonOptions.from_configure(
        {"target_metadata": None, "compare_server_default": False, "literal_binds": True}
    )
    assert options.given == {"compare_server_default": False}
    assert not options.compares_server_defaults
    assert options.compares_types
    assert ComparisonOptions().compares_server_defaults


def test_include_object_and_include_name_leave_tables_out_of_a_reading():
    def include_object(item, name, type_, reflected, compare_to):
        return name != "legacy"

    options = ComparisonOptions({"include_object": include_object})
    metadata = models()
    kept = options.filter_reading(reading(), metadata, metadata, reflected=True)
    assert set(kept["tables"]) == {"accounts"}
    named = ComparisonOptions({"include_name": lambda name, type_, parents: name == "legacy"})
    assert set(named.filter_reading(reading(), metadata, metadata, reflected=True)["tables"]) == {
        "legacy"
    }
    # include_name is about what is reflected: the models' side keeps both
    assert len(named.filter_reading(reading(), metadata, metadata, reflected=False)["tables"]) == 2


def test_an_index_made_or_shaped_for_another_dialect_is_left_to_that_dialect():
    table = models().tables["accounts"]
    only_pg = sa.Index("ix_pg", table.c.id).ddl_if(dialect="postgresql")
    partial = sa.Index("ix_partial", table.c.id, postgresql_where=sa.text("id > 0"))
    plain = sa.Index("ix_plain", table.c.id)
    assert for_another_dialect(only_pg, "sqlite")
    assert not for_another_dialect(only_pg, "postgresql")
    assert for_another_dialect(partial, "mysql")
    assert not for_another_dialect(partial, "postgresql")
    assert not for_another_dialect(plain, "sqlite")
    differences = [("add_index", only_pg), ("remove_index", partial), ("add_index", partial)]
    assert alembic_differences_on(differences, "sqlite") == []
    assert alembic_differences_on(differences, "postgresql") == differences


def test_a_type_change_the_server_makes_alike_is_left_out():
    def read(type_):
        return {"tables": {"logchunks": {"columns": {"content": (type_, True, False, None)}}}}

    change = [("modify_type", None, "logchunks", "content", {}, "MEDIUMBLOB", "BLOB")]
    # the models' own create_all gives MEDIUMBLOB on this server too: Alembic's word only
    assert types_made_alike_left_out([change], read("MEDIUMBLOB"), read("MEDIUMBLOB")) == []
    # the models make another type: a real difference
    assert types_made_alike_left_out([change], read("MEDIUMBLOB"), read("BLOB")) == [change]


def test_what_include_object_leaves_out_on_one_side_is_left_out_on_the_other():
    # Prefect's include_object leaves out a model's Enum column on SQLite, where the
    # database has a VARCHAR: compared on one side only, it would be "missing"
    def include_object(item, name, type_, reflected, compare_to):
        return not (type_ == "column" and name == "state" and not reflected)

    metadata = sa.MetaData()
    sa.Table("runs", metadata, sa.Column("id", sa.Integer), sa.Column("state", sa.Enum("A", "B")))
    parts = {
        "columns": {
            "id": ("INTEGER", True, False, None),
            "state": ("VARCHAR(1)", True, False, None),
        },
        "indexes": [],
        "unique constraints": [],
        "foreign keys": [],
    }
    found = {"tables": {"runs": dict(parts)}}
    expected = {"tables": {"runs": dict(parts)}}
    options = ComparisonOptions({"include_object": include_object})
    kept_found = options.filter_reading(found, metadata, metadata, reflected=True)
    kept_expected = options.filter_reading(expected, metadata, metadata, reflected=False)
    assert set(kept_found["tables"]["runs"]["columns"]) == {"id", "state"}
    found, expected = left_out_alike(found, kept_found, expected, kept_expected)
    assert set(found["tables"]["runs"]["columns"]) == set(expected["tables"]["runs"]["columns"])
    assert set(found["tables"]["runs"]["columns"]) == {"id"}


def test_an_index_on_an_expression_is_left_to_alembics_comparison():
    metadata = sa.MetaData()
    runs = sa.Table("runs", metadata, sa.Column("id", sa.Integer), sa.Column("ended", sa.Integer))
    sa.Index("ix_runs__ended_desc", runs.c.ended.desc())
    sa.Index("ix_runs__ended", runs.c.ended)
    parts = {
        "columns": {},
        "indexes": [
            ("ix_runs__ended", ("ended",), False),
            ("ix_runs__ended_desc", ("ended",), False),
        ],
        "unique constraints": [],
        "foreign keys": [],
    }
    kept = expression_indexes_set_aside({"tables": {"runs": parts}}, metadata)
    assert kept["tables"]["runs"]["indexes"] == [("ix_runs__ended", ("ended",), False)]

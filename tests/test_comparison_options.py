"""env.py's autogenerate options, as models-match applies them."""

import sqlalchemy as sa

from sqlalchemy_stairway.check.comparison_options import (
    ComparisonOptions,
    alembic_differences_on,
    for_another_dialect,
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

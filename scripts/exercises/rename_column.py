"""Exercise 3: a rename, which autogenerate writes as a drop and an add."""

from sqlalchemy import Column, Integer, String, Table

from scripts.exercises.targets import head_tables, next_stage
from sqlalchemy_stairway.exercises import (
    DOWNGRADE_DATA,
    DOWNGRADE_SCHEMA,
    NO_REVISION,
    UPGRADE_DATA,
    UPGRADE_SCHEMA,
    Exercise,
    columns_keep_their_place,
)
from sqlalchemy_stairway.stages import Carry, Stage


def target(head: Stage) -> Stage:
    """The head, with pet.type renamed to pet.species."""
    metadata = head_tables(head, without=("pet",))
    Table(
        "pet",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(50)),
        Column("species", String(50)),
        Column("age", Integer),
    )
    return next_stage(
        head,
        3,
        "A pet's species",
        metadata,
        carries={"pet": Carry("pet", renamed={"type": "species"})},
        rows={"pet": ({"id": 5, "name": "Gary", "species": "sea snail", "age": 3},)},
    )


exercise = Exercise(
    slug="rename-column",
    title="Rename a column, which autogenerate gets wrong",
    task="""\
The exercise's models call `pet.type` `pet.species` (`type` is a
Python built-in, and it says less). Write the revision that renames it,
keeping every pet's value. Start with autogenerate, and read what it
wrote before you run it:

    cd {folder}
    alembic upgrade head
    alembic revision --autogenerate --rev-id {next_id} -m "Rename pet.type to species"

Then, from the project's folder:

    invoke exercise {number} --check
""",
    target=target,
    hints={
        NO_REVISION: "Write one with `alembic revision --autogenerate` in the exercise's folder.",
        UPGRADE_SCHEMA: "After the upgrade, pet should have species, VARCHAR(50), and no type.",
        UPGRADE_DATA: (
            "Autogenerate compares names: it sees a column species that the database lacks and "
            "a column type that the models lack, and writes add species, drop type, which "
            "throws every value of type away. Rename instead, in place: inside "
            "op.batch_alter_table('pet'), batch_op.alter_column('type', "
            "new_column_name='species', existing_type=sa.String(50)). MariaDB restates the "
            "whole column to rename it, so existing_type is not optional there."
        ),
        DOWNGRADE_SCHEMA: "After the downgrade, pet should have type again, and no species.",
        DOWNGRADE_DATA: (
            "The downgrade should rename species back to type, the same way, so the values come "
            "back with it."
        ),
    },
    extra_checks=(
        columns_keep_their_place(
            "pet",
            "Adding a column puts it at the end of the table; copying the values over and "
            "dropping the old one is not a rename. Rename in place, both ways: "
            "batch_op.alter_column('type', new_column_name='species', "
            "existing_type=sa.String(50)), and back.",
        ),
    ),
)

"""Exercise 7: a named CHECK constraint, which autogenerate does not see."""

from sqlalchemy import CheckConstraint, Column, Integer, String, Table

from scripts.exercises.targets import head_tables, next_stage
from sqlalchemy_stairway.exercises import DOWNGRADE_SCHEMA, NO_REVISION, UPGRADE_SCHEMA, Exercise
from sqlalchemy_stairway.stages import Stage

NAME = "ck_pet_age_not_negative"  # what the naming convention makes of "age_not_negative"


def target(head: Stage) -> Stage:
    """The head, with a CHECK constraint on pet.age, named by the naming convention."""
    metadata = head_tables(head, without=("pet",))
    Table(
        "pet",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(50)),
        Column("type", String(50)),
        Column("age", Integer),
        CheckConstraint("age >= 0", name="age_not_negative"),
    )
    return next_stage(head, 7, "No pet has a negative age", metadata)


exercise = Exercise(
    slug="check-constraint",
    title="Add a named CHECK constraint, which autogenerate misses",
    task="""\
The exercise's models add a rule to `pet`: `CheckConstraint("age >= 0",
name="age_not_negative")`. The models' naming convention (`models/
conventions.py`) turns that name into `ck_pet_age_not_negative` in the
database. Start with autogenerate, and see what it writes:

    cd {folder}
    alembic upgrade head
    alembic revision --autogenerate --rev-id {next_id} -m "Pets have no negative age"

Autogenerate compares tables, columns, indexes, unique constraints and
foreign keys; it does not compare CHECK constraints, so its revision is
empty. Write the operations yourself (SQLite changes a table's
constraints only by copying it: batch mode does that), mind the name the
constraint ends up with, and grade it from the project's folder:

    invoke exercise {number} --check
""",
    target=target,
    hints={
        NO_REVISION: "Write one with `alembic revision --autogenerate` in the exercise's folder.",
        UPGRADE_SCHEMA: (
            f"After the upgrade, pet should have one CHECK constraint, {NAME}, age >= 0. "
            "Autogenerate does not compare CHECK constraints: an empty revision is what it "
            "writes. The naming convention adds `ck_pet_` to the name you give: "
            "batch_op.create_check_constraint('age_not_negative', 'age >= 0') gives "
            f"{NAME}; a name that already has the prefix gets it twice, unless it is marked "
            f"final with op.f('{NAME}')."
        ),
        DOWNGRADE_SCHEMA: (
            f"After the downgrade, pet should have no CHECK constraint: drop {NAME} by that "
            "name (batch_op.drop_constraint(op.f(...), type_='check'))."
        ),
    },
)

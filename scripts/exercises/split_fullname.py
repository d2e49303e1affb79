"""Exercise 2: a data migration, and a downgrade that gives the data back."""

from typing import Any

from sqlalchemy import Column, Integer, String, Table

from scripts.exercises.targets import head_tables, next_stage, user
from sqlalchemy_stairway.exercises import (
    DOWNGRADE_DATA,
    DOWNGRADE_SCHEMA,
    NO_REVISION,
    UPGRADE_DATA,
    UPGRADE_DATA_EMPTY,
    UPGRADE_SCHEMA,
    Exercise,
    statements_stay_few,
)
from sqlalchemy_stairway.stages import Carry, Stage, Transform


class NamePart(Transform):
    """A part of a full name: the first word, or everything after it (None when nothing)."""

    reversible = True  # given_name + " " + family_name is the full name again

    def __init__(self, source: str, given: bool) -> None:
        super().__init__(source)
        self.given = given

    def forward(self, value: Any) -> Any:
        if value is None:
            return None
        given, _, family = value.partition(" ")
        return given if self.given else (family or None)

    def matches(self, old: Any, new: Any) -> bool:
        return self.forward(old) == new

    def expected(self, old: Any) -> str:
        return repr(self.forward(old))


def target(head: Stage) -> Stage:
    """The head, with user_account.fullname split into given_name and family_name."""
    metadata = head_tables(head, without=("user_account",))
    Table(
        "user_account",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(30), nullable=False),
        Column("given_name", String(100)),
        Column("family_name", String(100)),
        Column("number", Integer),
        Column("password_hash", String(128)),
    )
    carry = Carry(
        "user_account",
        computed={
            "given_name": NamePart("fullname", given=True),
            "family_name": NamePart("fullname", given=False),
        },
    )
    new_user = user(13, "karen", None, given_name="Karen", family_name=None)
    del new_user["fullname"]
    return next_stage(
        head,
        2,
        "Given and family names",
        metadata,
        carries={"user_account": carry},
        rows={"user_account": (new_user,)},
    )


exercise = Exercise(
    slug="split-fullname",
    title="Split fullname: a data migration with a faithful downgrade",
    task="""\
The exercise's models split `user_account.fullname` in two:
`given_name`, the text before the first space, and `family_name`, the
rest (NULL when there is no space). "Eugene H. Krabs" becomes "Eugene"
and "H. Krabs"; "Plankton" becomes "Plankton" and NULL; a NULL fullname
gives two NULLs. Write the revision, so that every user keeps their name,
and a downgrade that gives every fullname back exactly as it was.

    cd {folder}
    alembic upgrade head
    alembic revision --autogenerate --rev-id {next_id} -m "Split user_account.fullname"

Autogenerate writes the columns; the data is yours to move, with SQL
that runs on the database (set-based: one UPDATE, no Python loop), on
SQLite, PostgreSQL and MariaDB. Then, from the project's folder:

    invoke exercise {number} --check
""",
    target=target,
    # a one-word name: the case a downgrade that always adds a space gets wrong
    rows_before={"user_account": (user(12, "plankton", "Plankton"),)},
    hints={
        NO_REVISION: "Write one with `alembic revision --autogenerate` in the exercise's folder.",
        UPGRADE_SCHEMA: (
            "The upgrade should add given_name and family_name, VARCHAR(100), NULL allowed, "
            "and drop fullname."
        ),
        UPGRADE_DATA_EMPTY: (
            "Autogenerate writes only the change of schema: it adds given_name and family_name "
            "empty and drops fullname, with everything in it. Between the two, fill the new "
            "columns from fullname with one UPDATE: a sa.table() with the three columns, and "
            "op.execute(users.update().values(...)). The first space is found with instr() "
            "on SQLite and MariaDB and strpos() on PostgreSQL; substr() cuts on all three."
        ),
        UPGRADE_DATA: (
            "Your UPDATE fills the columns, but not as the task says: given_name is the text "
            "before the first space (all of fullname when it has none), family_name the text "
            "after it (NULL when there is none). sa.case() tells the two cases apart; compare "
            "the expected values above with yours."
        ),
        DOWNGRADE_SCHEMA: (
            "After the downgrade, user_account should have fullname again, VARCHAR(100), and "
            "neither given_name nor family_name."
        ),
        DOWNGRADE_DATA: (
            "The downgrade must give fullname back as it was: given_name, a space and "
            "family_name; only given_name when family_name is NULL (anything joined to NULL "
            "is NULL); NULL when both are. sa.case() says it in one UPDATE."
        ),
    },
    extra_checks=(
        statements_stay_few(
            "user_account",
            lambda n: [user(1000 + i, f"extra{i}", f"Extra Person{i}") for i in range(n)],
            "Move it in SQL instead, with one UPDATE the database runs for every row: "
            "op.execute(users.update().values(...)), its values computed from fullname in SQL.",
        ),
    ),
)

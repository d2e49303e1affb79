"""Exercise 1: add a column with autogenerate, and review what it wrote."""

from sqlalchemy import Column, String

from scripts.exercises.targets import count_set, head_tables, next_stage, user
from sqlalchemy_stairway.exercises import (
    DOWNGRADE_SCHEMA,
    NO_REVISION,
    UPGRADE_SCHEMA,
    Exercise,
    downgrade_asks_about,
)
from sqlalchemy_stairway.stages import Carry, Stage


def target(head: Stage) -> Stage:
    """The head, and user_account.nickname, a VARCHAR(50) that may be NULL."""
    metadata = head_tables(head)
    metadata.tables["user_account"].append_column(Column("nickname", String(50)))
    return next_stage(
        head,
        1,
        "A nickname for every user",
        metadata,
        carries={"user_account": Carry("user_account", new=("nickname",))},
        rows={"user_account": (user(13, "gary", "Gary the Snail", nickname="Meow"),)},
    )


exercise = Exercise(
    slug="add-column",
    title="Add a column with autogenerate, and review it",
    task="""\
The exercise's models give every user a `nickname`: `VARCHAR(50)`, NULL
allowed (`scripts/stages/stage{next}.py` in the folder declares them).
Write the revision that adds it. Let autogenerate write the first draft:

    cd {folder}
    alembic upgrade head
    alembic revision --autogenerate --rev-id {next_id} -m "Add user_account.nickname"

Then review it, in `alembic/versions/{next_id}_add_user_account_nickname.py`:
is the upgrade what you meant, and what does the downgrade do to the
nicknames people have typed in the meantime? Every downgrade of this
project that throws data away asks first (revision 0003 shows how). Fix
what needs fixing, try `alembic downgrade -1` and `alembic upgrade head`,
and grade it from the project's folder:

    invoke exercise {number} --check
""",
    target=target,
    hints={
        NO_REVISION: "Write one with `alembic revision --autogenerate` in the exercise's folder.",
        UPGRADE_SCHEMA: "The upgrade should add exactly user_account.nickname, VARCHAR(50), NULL.",
        DOWNGRADE_SCHEMA: "The downgrade should drop user_account.nickname, and nothing else.",
    },
    extra_checks=(
        downgrade_asks_about(
            {"column user_account.nickname": count_set("user_account", "nickname")},
            "Call op.confirm_data_loss({...}) before the drop, with a query that counts the "
            "nicknames, as revision 0003 does for users.number; `alembic -x "
            "allow_data_loss=true downgrade -1` is then the yes.",
        ),
    ),
)

"""Seeding: the tutorial's rows, idempotent, in the shape of the stage."""

import pytest
from sqlalchemy import text

from models.stages import STAGES
from scripts.errors import StairwayError
from scripts.migrate import move
from scripts.passwords import verify_password
from scripts.schema import rows
from scripts.seed import seed
from tests.helpers import climb


@pytest.mark.parametrize("stage", STAGES[1:], ids=lambda s: f"stage{s.number}")
def test_seeding_twice_is_seeding_once(stage, connection):
    move(connection, stage)
    first = seed(connection, stage.number)
    connection.commit()
    once = rows(connection)
    second = seed(connection, stage.number)
    connection.commit()
    assert any(first.values())
    assert not any(second.values())
    assert rows(connection) == once


def test_rows_seeded_at_stage_1_reach_the_head(connection):
    climb(connection, STAGES[-1])
    users = {
        name: (user_id, password_hash)
        for user_id, name, password_hash in connection.execute(
            text("SELECT id, name, password_hash FROM user_account ORDER BY id")
        )
    }
    # Mary was user 1 at stage 1, and still is; her password survived as a hash
    assert users["Mary"][0] == 1
    assert verify_password("secure", users["Mary"][1])
    assert not verify_password("insecure", users["Mary"][1])
    assert users["Tom"][1] is None
    assert set(users) == {
        "Mary", "Tom", "Fred", "Harry", "Jenny",
        "spongebob", "sandy", "patrick", "squidward", "ehkrabs", "pkrabs",
    }  # fmt: skip
    owners = dict(
        connection.execute(
            text(
                "SELECT a.email_address, u.name FROM address a "
                "JOIN user_account u ON u.id = a.user_id"
            )
        ).all()
    )
    assert owners["mary@example.com"] == "Mary"
    assert owners["pearl.krabs@example.com"] == "pkrabs"


def test_seeding_directly_at_the_head_matches_seeding_on_the_way(connection):
    move(connection, STAGES[-1])
    written = seed(connection, STAGES[-1].number)
    connection.commit()
    assert written == {"user_account": 11, "address": 5, "pet": 4, "order": 1, "item": 2}
    mary_hash = connection.execute(
        text("SELECT password_hash FROM user_account WHERE name = 'Mary'")
    ).scalar_one()
    assert verify_password("secure", mary_hash)


def test_seeding_a_stage_whose_tables_are_missing_is_refused(connection):
    with pytest.raises(StairwayError, match=r"no table pet .* run `invoke stage 2`"):
        move(connection, STAGES[1])
        seed(connection, 2)

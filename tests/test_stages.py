"""Stages declared once: the accounting of every table and column, translation, the registry."""

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table

from scripts.stages import PROJECT_ROOT, STAGES, STAIRWAY
from sqlalchemy_stairway.check.errors import StairwayError
from sqlalchemy_stairway.stages import Carry, Stage, Stairway, Transform, empty_stage


class Upper(Transform):
    def forward(self, value):
        return None if value is None else value.upper()

    def matches(self, old, new):
        return self.forward(old) == new


def people(*columns: Column, name: str = "people") -> MetaData:
    metadata = MetaData()
    Table(name, metadata, Column("id", Integer, primary_key=True), *columns)
    return metadata


def stairway(*stages: Stage) -> Stairway:
    return Stairway([empty_stage(), *stages], PROJECT_ROOT / "alembic.ini")


FIRST = Stage(1, "a", "first", people(Column("name", String(10))), new_tables=("people",))


def test_a_renamed_table_and_column_carry_values() -> None:
    second = Stage(
        2,
        "b",
        "second",
        people(Column("full_name", String(10)), Column("shout", String(10)), name="person"),
        carries={
            "person": Carry(
                "people", renamed={"name": "full_name"}, computed={"shout": Upper("name")}
            )
        },
    )
    chain = stairway(FIRST, second)
    rows = {"people": [{"id": 1, "name": "ada"}]}
    assert chain.translate(rows, FIRST, second) == {
        "person": [{"id": 1, "full_name": "ada", "shout": "ADA"}]
    }
    # name is carried as full_name too, so a downgrade can give it back
    assert chain.lost_on_downgrade(second) == set()
    assert chain.validate() == []


def test_a_one_way_transform_loses_its_source_on_the_way_down() -> None:
    second = Stage(
        2,
        "b",
        "second",
        people(Column("shout", String(10))),
        carries={"people": Carry("people", computed={"shout": Upper("name")})},
    )
    assert stairway(FIRST, second).lost_on_downgrade(second) == {"people.name"}


@pytest.mark.parametrize(
    ("second", "problem"),
    [
        pytest.param(
            Stage(2, "b", "x", people(Column("nick", String(10)))),
            "column people.nick comes from nowhere",
            id="new-column-undeclared",
        ),
        pytest.param(
            Stage(2, "b", "x", people()),
            "column people.name goes nowhere",
            id="dropped-column-undeclared",
        ),
        pytest.param(
            Stage(2, "b", "x", people(Column("name", String(10)), name="person")),
            "table person comes from nowhere",
            id="renamed-table-undeclared",
        ),
        pytest.param(
            Stage(
                2,
                "b",
                "x",
                people(Column("full_name", String(10)), name="person"),
                carries={"person": Carry("people")},
            ),
            "column person.full_name comes from nowhere",
            id="renamed-column-undeclared",
        ),
        pytest.param(
            Stage(2, "b", "x", MetaData()),
            "table people of the stage before goes nowhere",
            id="dropped-table-undeclared",
        ),
    ],
)
def test_anything_unaccounted_for_is_an_error_never_a_skip(second: Stage, problem: str) -> None:
    chain = stairway(FIRST, second)
    problems = chain.validate()
    assert len(problems) == 1 and problem in problems[0], problems
    with pytest.raises(StairwayError, match=problem):
        chain.translate({"people": [{"id": 1, "name": "ada"}]}, FIRST, second)


def test_declared_changes_are_accounted_for() -> None:
    metadata = people(Column("name", String(10)), Column("nick", String(10)))
    Table(
        "pets",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("owner", ForeignKey("people.id")),
    )
    second = Stage(
        2,
        "b",
        "x",
        metadata,
        new_tables=("pets",),
        carries={"people": Carry("people", new=("nick",))},
    )
    third = Stage(
        3,
        "c",
        "x",
        people(Column("name", String(10))),
        dropped_tables=("pets",),
        carries={"people": Carry("people", dropped=("nick",))},
    )
    chain = stairway(FIRST, second, third)
    assert chain.validate() == []
    assert chain.lost_on_downgrade(third) == {"people.nick"}


def test_rows_must_fit_their_stage() -> None:
    wrong = Stage(
        1,
        "a",
        "x",
        FIRST.metadata,
        new_tables=("people",),
        rows={"people": [{"id": 1, "nickname": "x"}], "pets": [{"id": 1}]},
    )
    problems = stairway(wrong).validate()
    assert any("names columns it does not have: ['nickname']" in p for p in problems)
    assert any("rows for pets, which it has no table of" in p for p in problems)


def test_stages_are_numbered_in_order() -> None:
    with pytest.raises(StairwayError, match="stage 2 is declared where stage 1 should be"):
        stairway(Stage(2, "b", "x", MetaData()))


def test_parse_stage_says_what_is_wrong() -> None:
    last = STAIRWAY.head.number
    assert STAIRWAY.parse_stage(str(last)) is STAIRWAY.head
    with pytest.raises(StairwayError, match=f"stage must be a number from 0 to {last}, not 'x'"):
        STAIRWAY.parse_stage("x")
    with pytest.raises(StairwayError, match=f"there is no stage {last + 1}"):
        STAIRWAY.parse_stage(last + 1)


# -- the tutorial's own stairway ---------------------------------------------


def test_the_tutorials_stages_account_for_every_table_and_column() -> None:
    assert STAIRWAY.validate() == []


def test_the_stages_are_the_revisions_in_order() -> None:
    scripts = STAIRWAY.script_directory()
    revisions = [r.revision for r in reversed(list(scripts.walk_revisions()))]
    assert [s.revision for s in STAGES[1:]] == revisions
    assert STAIRWAY.stage_for_revision(None) is STAIRWAY.base
    with pytest.raises(LookupError):
        STAIRWAY.stage_for_revision("abc123")


@pytest.mark.parametrize("stage", STAGES[1:], ids=lambda s: f"stage{s.number}")
def test_every_stage_says_what_it_is(stage: Stage) -> None:
    assert stage.title and stage.era and stage.source

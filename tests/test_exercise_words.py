"""A grading's differences in words: no raw tuples, each said once, repeats counted."""

from sqlalchemy_stairway.exercise_words import column_words, condensed, plain_differences


def test_a_column_reading_is_said_in_words():
    assert column_words("('VARCHAR(40)', False, None, \"''\")") == "VARCHAR(40) NOT NULL DEFAULT ''"
    assert column_words("('INTEGER', True, False, None)") == "INTEGER NULL"
    assert column_words("None") == "no such column"


def test_a_column_alembic_already_named_is_said_once():
    lines = plain_differences(
        [
            "column pet.chip_number is in the database, but not in the models",
            "pet.chip_number: found ('VARCHAR(20)', True, None, None), models give None",
            "column pet.chip_number is in the database, but not in the models",
        ]
    )
    assert lines == ["column pet.chip_number is in the database, but not in the models"]


def test_a_column_only_the_structure_saw_has_no_tuple():
    (line,) = plain_differences(
        [
            "user_account.fullname: found ('VARCHAR(40)', False, None, \"''\"), models give "
            "('VARCHAR(100)', True, None, None)"
        ]
    )
    assert line == (
        "column user_account.fullname is VARCHAR(40) NOT NULL DEFAULT '' in the database; "
        "the models say VARCHAR(100) NULL"
    )


def test_constraints_are_named_one_by_one():
    lines = plain_differences(
        [
            "pet check constraints: found [('ck_pet_ck_pet_age', 'age >= 0')], "
            "models give [('ck_pet_age', 'age >= 0')]"
        ]
    )
    assert lines == [
        "check constraint ck_pet_age (age >= 0) on pet is missing from the database",
        "check constraint ck_pet_ck_pet_age (age >= 0) on pet is in the database, "
        "but not in the models",
    ]


def test_a_mistake_on_every_row_is_shown_twice_and_counted():
    lines = [f"t ({n},).a is None (expected 'x{n}')" for n in range(1, 14)]
    assert condensed(lines) == [
        "t (1,).a is None (expected 'x1')",
        "t (2,).a is None (expected 'x2')",
        "… and 11 more rows with the same mistake",
    ]

"""Server defaults spelled two ways read the same; a default computed per row is told apart."""

import pytest

from sqlalchemy_stairway.check.server_defaults import normalised, runtime


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("(CURRENT_TIMESTAMP)", "current_timestamp"),
        ("'{}'::jsonb", "'{}'"),
        ("'SCHEDULED'::character varying", "'SCHEDULED'"),
        ("'2020-01-01'::timestamp without time zone", "'2020-01-01'"),
        ("'x'::\"MyEnum\"", "'x'"),
        ("'0'", "0"),
        ("((0))", "0"),
        ("( 'active' )", "'active'"),
        ("(STRFTIME('%Y-%m-%d %H:%M:%f', 'NOW'))", "strftime('%Y-%m-%d %H:%M:%f','NOW')"),
    ],
)
def test_spellings_of_one_default_normalise_alike(one, other):
    assert normalised(one) == normalised(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("'Active'", "'active'"),  # what is inside quotes is the value
        ("'a b'", "'a  b'"),
        ("0", "1"),
        ("(1)+(2)", "3"),
    ],
)
def test_different_defaults_stay_different(one, other):
    assert normalised(one) != normalised(other)


def test_no_default_stays_none():
    assert normalised(None) is None


@pytest.mark.parametrize(
    "default", ["now()", "CURRENT_TIMESTAMP", "gen_random_uuid()", "(datetime('now'))", "uuid()"]
)
def test_a_default_computed_per_row_is_runtime(default):
    assert runtime(default)


@pytest.mark.parametrize("default", [None, "0", "'now'", "'free'::character varying", "'uuid()'"])
def test_a_constant_is_not_runtime(default):
    assert not runtime(default)

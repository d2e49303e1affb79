"""What a grading says, on SQLite, in the plain run: one line for a count in SQL text,
the values of a wrong split said once, with the hint for that mistake.

The exercise x database matrix, with every wrong answer and solution, is
test_exercise_grading.py's (pytest --full).
"""

from tests.conftest import DATABASES
from tests.exercises.test_exercise_grading import NEXT, grade, said, solve, start


def test_a_count_in_sql_text_is_refused_in_one_line(tmp_path):
    number, folder = start("add-column", tmp_path)
    solution = solve(folder, "0006_add_user_account_nickname.py")
    text = solution.read_text()
    query = text[text.index("sa.select(sa.func.count())") : text.index("is_not(None))") + 13]
    counted = 'sa.text("SELECT count(*) FROM user_account WHERE nickname IS NOT NULL")'
    solution.write_text(text.replace(query, counted))
    (problem,) = grade(number, folder, DATABASES["sqlite"])
    said(
        [problem],
        f"your revision {NEXT} failed on SQLite, downgrading",
        "must be a select() (sa.select(sa.func.count()).select_from(...)), not TextClause",
    )
    assert len(problem.splitlines()) == 1


def test_split_fullname_with_a_wrong_split_shows_the_values_once(tmp_path):
    number, folder = start("split-fullname", tmp_path)
    solution = solve(folder, "0006_split_user_account_fullname.py")
    text = solution.read_text()
    # cutting at the space but keeping it: "Eugene " and " H. Krabs"
    solution.write_text(text.replace("space - 1)", "space)").replace("space + 1)", "space)"))
    (problem,) = grade(number, folder, DATABASES["sqlite"])
    said(
        [problem],
        "user_account (6,).given_name is 'Spongebob ', which does not match "
        "user_account.fullname 'Spongebob Squarepants' it was computed from "
        "(expected 'Spongebob')",
        "more rows with the same mistake",
        "Your UPDATE fills the columns, but not as the task says",
    )
    assert "Autogenerate" not in problem  # the hint fits the mistake made
    assert len(problem.splitlines()) < 10

"""Which links of the README and the lessons get a page of their own, and its name."""

from types import SimpleNamespace

import pytest

from stairway_site.project import ROOT
from stairway_site.sources import linked_target, page_name

DOCS = {
    ROOT / "README.md": "README",
    ROOT / "docs" / "lessons" / "stage2.md": "docs/lessons/stage2",
}
ENV = SimpleNamespace(srcdir=str(ROOT), path2doc=lambda path: DOCS.get(ROOT / path))


@pytest.mark.parametrize(
    ("docname", "link", "target"),
    [
        (
            "README",
            "alembic/versions/0001_tables_and_classical_mappers.py",
            "alembic/versions/0001_tables_and_classical_mappers.py",
        ),
        ("README", "models/stage1_tables.py#L3", "models/stage1_tables.py"),
        (
            "docs/lessons/stage1",
            "../../tests/golden_sql/sqlite/0001_upgrade.sql",
            "tests/golden_sql/sqlite/0001_upgrade.sql",
        ),
        ("README", "docs/lessons/", "docs/lessons/"),
        ("README", "docs/lessons", "docs/lessons/"),
    ],
)
def test_repository_files_and_folders_get_a_page(docname: str, link: str, target: str) -> None:
    assert linked_target(ENV, docname, link) == target


@pytest.mark.parametrize(
    ("docname", "link"),
    [
        ("docs/lessons/stage1", "stage2.md"),  # a page of the site already
        ("README", "docs/bench-chart.png"),  # an image, not text to show
        ("README", "models/no_such_module.py"),
        ("README", "https://squawkhq.com"),
        ("README", "#real-databases"),
        ("README", "../../outside.py"),  # outside the repository
    ],
)
def test_other_links_are_left_alone(docname: str, link: str) -> None:
    assert linked_target(ENV, docname, link) is None


def test_page_names() -> None:
    assert page_name("models/stage1_tables.py") == "code/models/stage1_tables.py"
    assert page_name("docs/lessons/") == "code/docs/lessons/index"

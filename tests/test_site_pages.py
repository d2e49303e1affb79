"""The README's sections on the guide pages, and the exercises' tasks on theirs."""

from collections import Counter

import pytest

from stairway_site.pages import (
    commands_fenced,
    exercise_pages,
    guide_pages,
    readme_sections,
    rewrite_prose_links,
    rewrite_readme_links,
    split_sections,
)
from stairway_site.project import ROOT

MARKDOWN = """\
# Title

intro, before any section

## First

```text
## not a heading: code
```

### A sub-section

## Second `code`
text
"""

ANCHORS = {"first": "docs/guide/a", "a-sub-section": "docs/guide/a", "checks": "docs/guide/b"}


def test_sections_split_at_level_two_with_their_subsections_and_never_in_code() -> None:
    sections = split_sections(MARKDOWN)
    assert [s.title for s in sections] == ["First", "Second `code`"]
    assert "## not a heading: code" in sections[0].text
    assert {"first", "a-sub-section"} <= sections[0].anchors
    assert "second-code" in sections[1].anchors


@pytest.mark.parametrize(
    ("link", "on_the_page"),
    [
        ("[x](docs/lessons/stage1.md#top)", "[x](../../docs/lessons/stage1.md#top)"),
        ("![x](docs/shot.png)", "![x](../../docs/shot.png)"),
        ("[x](#a-sub-section)", "[x](#a-sub-section)"),  # on this page
        ("[x](#checks)", "[x](b.md#checks)"),  # on another guide page
        ("[x](https://example.org/a#b)", "[x](https://example.org/a#b)"),
        ("`[x](docs/a.md)`", "`[x](docs/a.md)`"),  # code is shown as written
    ],
)
def test_readme_links_work_from_the_guide_page(link: str, on_the_page: str) -> None:
    assert rewrite_prose_links(link, "docs/guide/a", "", ANCHORS) == on_the_page


def test_a_lessons_link_to_the_readme_goes_to_the_page_holding_the_section() -> None:
    rewritten = rewrite_readme_links(
        "[x](../../README.md#check-your-own-project)", "docs/lessons/stage1", ROOT
    )
    assert rewritten == "[x](../../docs/guide/how-to.md#check-your-own-project)"


def test_indented_commands_become_copyable_sh_blocks() -> None:
    task = "Run:\n\n    cd there\n    alembic upgrade head\n\nThen grade it.\n"
    assert commands_fenced(task) == (
        "Run:\n\n```sh\ncd there\nalembic upgrade head\n```\n\nThen grade it.\n"
    )


def test_every_readme_section_is_on_exactly_one_guide_page() -> None:
    placed = Counter(title for titles in guide_pages(ROOT).values() for title in titles)
    titles = [section.title for section in readme_sections()]
    assert {title: placed[title] for title in titles} == dict.fromkeys(titles, 1)
    assert set(placed) <= set(titles), "a guide page names a section the README does not have"


def test_every_exercise_has_one_page_in_their_order() -> None:
    from scripts.exercises import EXERCISES

    assert exercise_pages(ROOT) == [
        f"docs/exercises/{number}-{exercise.slug}"
        for number, exercise in enumerate(EXERCISES, start=1)
    ]

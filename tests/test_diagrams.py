"""The lessons' ER diagrams: drawn from the models, and never out of date."""

import shutil

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table

from models.stages import STAGES
from scripts.diagrams import BEGIN, END, mermaid_er, stale_diagrams, write_diagrams
from scripts.errors import StairwayError
from scripts.lessons import LESSONS_DIR


def test_lesson_diagrams_match_the_models() -> None:
    stale = stale_diagrams()
    assert not stale, (
        f"the ER diagram in {', '.join(p.name for p in stale)} no longer matches the "
        "models; run `invoke diagrams` to redraw it"
    )


def test_stage_1_diagram() -> None:
    assert mermaid_er(STAGES[1].metadata) == (
        "erDiagram\n"
        "    users {\n"
        "        INTEGER user_id PK\n"
        "        VARCHAR(40) user_name\n"
        "        VARCHAR(10) password\n"
        "    }\n"
        "    email_addresses {\n"
        "        INTEGER address_id PK\n"
        '        VARCHAR(100) email_address "NOT NULL"\n'
        "        INTEGER user_id FK\n"
        "    }\n"
        '    users |o..o{ email_addresses : "user_id"\n'
    )


def test_a_not_null_foreign_key_is_exactly_one_parent() -> None:
    diagram = mermaid_er(STAGES[4].metadata)
    assert '        INTEGER user_id FK "NOT NULL"\n' in diagram
    assert '    user_account ||..o{ address : "user_id"\n' in diagram


def test_unique_and_identifying_keys() -> None:
    metadata = MetaData()
    Table("person", metadata, Column("id", Integer, primary_key=True))
    Table(
        "passport",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("person_id", ForeignKey("person.id"), nullable=False, unique=True),
    )
    Table(
        "nickname",
        metadata,
        Column("person_id", ForeignKey("person.id"), primary_key=True),
        Column("nickname", String(20), primary_key=True),
    )
    diagram = mermaid_er(metadata)
    assert '        INTEGER person_id FK, UK "NOT NULL"\n' in diagram
    assert '    person ||..o| passport : "person_id"\n' in diagram
    assert '    person ||--o{ nickname : "person_id"\n' in diagram


def test_names_mermaid_would_misread_are_quoted() -> None:
    metadata = MetaData()
    Table("tomato", metadata, Column("id", Integer, primary_key=True))
    Table("order", metadata, Column("id", Integer, primary_key=True))
    diagram = mermaid_er(metadata)
    assert '    "tomato" {\n' in diagram  # would lex as the keyword "to"
    assert "    order {\n" in diagram


@pytest.fixture
def lessons_copy(tmp_path):
    """A copy of the lessons folder, free to damage."""
    folder = tmp_path / "lessons"
    shutil.copytree(LESSONS_DIR, folder)
    return folder


def test_write_diagrams_redraws_only_what_is_stale(lessons_copy) -> None:
    lesson = lessons_copy / "stage3.md"
    lesson.write_text(
        lesson.read_text(encoding="utf-8").replace("INTEGER number", "INTEGER phone"),
        encoding="utf-8",
    )
    assert stale_diagrams(lessons_copy) == [lesson]
    assert write_diagrams(lessons_copy) == [lesson]
    assert "INTEGER number" in lesson.read_text(encoding="utf-8")
    assert stale_diagrams(lessons_copy) == []
    assert write_diagrams(lessons_copy) == []


def test_a_lesson_without_markers_is_an_error(lessons_copy) -> None:
    lesson = lessons_copy / "stage2.md"
    text = lesson.read_text(encoding="utf-8")
    lesson.write_text(text.replace(BEGIN, "").replace(END, ""), encoding="utf-8")
    with pytest.raises(StairwayError, match="no diagram markers"):
        write_diagrams(lessons_copy)

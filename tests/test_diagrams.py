"""The lessons' ER diagrams: drawn from the models, and never out of date."""

import shutil

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table

from scripts.diagrams import BEGIN, END, mermaid_er, stale_diagrams, write_diagrams
from scripts.lessons import LESSONS_DIR
from scripts.stages import STAIRWAY
from sqlalchemy_stairway.check.errors import StairwayError


def test_lesson_diagrams_match_the_models() -> None:
    stale = stale_diagrams()
    assert not stale, (
        f"the ER diagram in {', '.join(p.name for p in stale)} no longer matches the "
        "models; run `invoke diagrams` to redraw it"
    )


def test_a_table_and_its_keys() -> None:
    metadata = MetaData()
    Table(
        "users",
        metadata,
        Column("user_id", Integer, primary_key=True),
        Column("user_name", String(40)),
    )
    Table(
        "email_addresses",
        metadata,
        Column("address_id", Integer, primary_key=True),
        Column("email_address", String(100), nullable=False),
        Column("user_id", ForeignKey("users.user_id")),
    )
    assert mermaid_er(metadata) == (
        "erDiagram\n"
        "    users {\n"
        "        INTEGER user_id PK\n"
        "        VARCHAR(40) user_name\n"
        "    }\n"
        "    email_addresses {\n"
        "        INTEGER address_id PK\n"
        '        VARCHAR(100) email_address "NOT NULL"\n'
        "        INTEGER user_id FK\n"
        "    }\n"
        '    users |o..o{ email_addresses : "user_id"\n'
    )


def test_a_not_null_foreign_key_is_exactly_one_parent() -> None:
    metadata = MetaData()
    Table("user_account", metadata, Column("id", Integer, primary_key=True))
    Table(
        "address",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("user_id", ForeignKey("user_account.id"), nullable=False),
    )
    diagram = mermaid_er(metadata)
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
    lesson = lessons_copy / f"stage{STAIRWAY.head.number}.md"
    drawn = lesson.read_text(encoding="utf-8")
    lesson.write_text(drawn.replace(" PK\n", " PK\n        INTEGER drawn_by_hand\n", 1))
    assert stale_diagrams(lessons_copy) == [lesson]
    assert write_diagrams(lessons_copy) == [lesson]
    assert lesson.read_text(encoding="utf-8") == drawn
    assert stale_diagrams(lessons_copy) == []
    assert write_diagrams(lessons_copy) == []


def test_a_lesson_without_markers_is_an_error(lessons_copy) -> None:
    lesson = lessons_copy / f"stage{STAIRWAY.head.number}.md"
    text = lesson.read_text(encoding="utf-8")
    lesson.write_text(text.replace(BEGIN, "").replace(END, ""), encoding="utf-8")
    with pytest.raises(StairwayError, match="no diagram markers"):
        write_diagrams(lessons_copy)

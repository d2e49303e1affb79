"""The ER diagrams drawn as SVG from each stage's MetaData."""

import re
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table

from scripts.stages import STAGES
from stairway_site.changes import Change
from stairway_site.er_svg import MAX_WIDTH, Marks, er_svg, layers

SVG = "{http://www.w3.org/2000/svg}"


def drawn(metadata: MetaData, marks: Marks | None = None) -> ET.Element:
    return ET.fromstring(er_svg(metadata, title="the tables", marks=marks))


@pytest.mark.parametrize("stage", STAGES[1:], ids=lambda s: f"stage{s.number}")
def test_every_table_and_foreign_key_is_drawn(stage) -> None:
    svg = drawn(stage.metadata)
    tables = {g.get("data-table") for g in svg.iter(f"{SVG}g") if g.get("class") == "er-table"}
    assert tables == set(stage.metadata.tables)
    lines = {
        (g.get("data-from"), g.get("data-to"))
        for g in svg.iter(f"{SVG}g")
        if g.get("class") == "er-relationship"
    }
    expected = {
        (t.name, fk.column.table.name)
        for t in stage.metadata.tables.values()
        for fk in t.foreign_keys
    }
    assert lines == expected
    text = " ".join(t.text or "" for t in svg.iter(f"{SVG}text"))
    for table in stage.metadata.tables.values():
        for column in table.columns:
            assert column.name in text


@pytest.mark.parametrize("stage", STAGES[1:], ids=lambda s: f"stage{s.number}")
def test_no_two_tables_overlap_and_the_picture_fits_a_page(stage) -> None:
    svg = drawn(stage.metadata)
    assert float(svg.get("width")) <= MAX_WIDTH + 48
    boxes = []
    for group in svg.iter(f"{SVG}g"):
        if group.get("class") == "er-table":
            rect = group.find(f"{SVG}rect")
            x, y, w, h = (float(rect.get(k)) for k in ("x", "y", "width", "height"))
            boxes.append((x, y, x + w, y + h))
    for index, (x1, y1, x2, y2) in enumerate(boxes):
        for a1, b1, a2, b2 in boxes[index + 1 :]:
            assert x2 <= a1 or a2 <= x1 or y2 <= b1 or b2 <= y1, "two tables overlap"


def test_parents_are_left_of_their_children() -> None:
    assert layers(STAGES[5].metadata) == {
        "pet": 0,
        "user_account": 0,
        "address": 1,
        "order": 1,
        "item": 2,
    }


def test_changes_are_coloured_and_a_legend_says_what_colours_mean() -> None:
    marks = Marks.from_changes(
        [
            Change("renamed", "table", "user_account", "was users"),
            Change("added", "column", "user_account.fullname", "VARCHAR(100)"),
            Change("dropped", "column", "user_account.password"),
        ]
    )
    svg = er_svg(STAGES[4].metadata, title="stage 4", marks=marks)
    assert 'data-table="user_account" data-change="renamed"' in svg
    assert "was users" in svg
    assert re.search(r">new</text>.*>renamed</text>", svg)
    assert "type or NULL changed" not in svg  # nothing was altered


def test_a_table_that_refers_to_itself_loops_beside_it() -> None:
    metadata = MetaData()
    Table(
        "node",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("parent_id", ForeignKey("node.id")),
    )
    svg = drawn(metadata)
    assert len([g for g in svg.iter(f"{SVG}g") if g.get("class") == "er-relationship"]) == 1
    assert float(svg.get("width")) > 100


def test_names_are_escaped() -> None:
    metadata = MetaData()
    Table("a<b", metadata, Column("x&y", Integer, primary_key=True))
    assert "a&lt;b" in er_svg(metadata, title="<odd>") and "x&amp;y" in er_svg(metadata, title="")

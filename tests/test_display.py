"""Terminal output (sqlalchemy_stairway.display): the stairway, what a stage changed, rows."""

import re

from rich.console import Console
from sqlalchemy import text

from scripts.stages import STAIRWAY
from sqlalchemy_stairway import display
from tests.helpers import climb


def rendered(renderable) -> str:
    console = Console(record=True, width=200, color_system=None)
    console.print(renderable)
    return console.export_text()


def test_renames_read_as_renames_never_as_a_drop_and_a_create():
    renamed_somewhere = False
    for stage in STAIRWAY.stages[1:]:
        lines = [line for _, line in display.schema_changes(STAIRWAY, stage)]
        for name, source in STAIRWAY.table_sources(stage).items():
            if source.carry is None:
                assert any(line.startswith(f"+ table {name} (") for line in lines)
                continue
            old = source.carry.source
            if old != name:
                renamed_somewhere = True
                assert f"~ table {old} → {name}" in lines
                assert not any(
                    line.startswith((f"+ table {name}", f"- table {old}")) for line in lines
                )
            for was, now in source.carry.renamed.items():
                assert any(line.startswith(f"~ column {name}.{was} → {now}") for line in lines)
        for name in stage.dropped_tables:
            assert f"- table {name}" in lines
    assert renamed_somewhere  # the stairway has a rename, so this test tests one


def test_a_computed_column_says_where_its_values_come_from():
    for stage in STAIRWAY.stages[1:]:
        lines = [line for _, line in display.schema_changes(STAIRWAY, stage)]
        for name, source in STAIRWAY.table_sources(stage).items():
            for column, transform in (source.carry.computed if source.carry else {}).items():
                old = source.carry.source
                assert any(
                    f"+ column {name}.{column} " in line
                    and line.endswith(f"computed from {old}.{transform.source}")
                    for line in lines
                )


def test_headings_name_the_era_once_without_nested_brackets():
    for stage in STAIRWAY.stages[1:]:
        said = display.heading(STAIRWAY, stage)
        assert said.startswith(f"Stage {stage.number} of {STAIRWAY.head.number}: {stage.title}")
        assert not re.search(r"\([^)]*\(", said)


def test_rows_are_counted_in_words_and_null_is_shown_as_null(connection):
    first = STAIRWAY[1]
    climb(connection, first)
    shown = rendered(display.data_tables(connection))
    for table, rows in first.rows.items():
        assert f"{table}: {display.plural(len(rows), 'row')}" in shown
    assert display.plural(1, "row") == "1 row" and display.plural(2, "row") == "2 rows"
    if any(None in row.values() for rows in first.rows.values() for row in rows):
        assert "NULL" in shown


def test_an_empty_table_is_one_line_and_hidden_rows_are_counted(connection):
    first = STAIRWAY[1]
    climb(connection, first)
    child = first.metadata.sorted_tables[-1]
    parent = next(
        t for t in first.metadata.sorted_tables if t is not child and first.rows.get(t.name)
    )
    quoted = connection.dialect.identifier_preparer.quote(child.name)
    connection.execute(text(f"DELETE FROM {quoted}"))
    connection.commit()
    shown = rendered(display.data_tables(connection, shown_rows=1, more="; look elsewhere"))
    lines = shown.splitlines()
    empty = lines.index(f"{child.name}: 0 rows")
    assert empty == len(lines) - 1 or lines[empty + 1].strip()  # no empty table drawn
    hidden = len(first.rows[parent.name]) - 1
    assert f"… {display.plural(hidden, 'more row')}; look elsewhere" in shown


def test_the_stairway_marks_the_current_stage_once():
    text = rendered(display.stages_table(STAIRWAY, STAIRWAY.head))
    marked = [line for line in text.splitlines() if "you are here" in line]
    assert len(marked) == 1 and STAIRWAY.head.title in marked[0]
    for stage in STAIRWAY:
        assert stage.title in text


def test_the_stairway_as_plain_text_has_aligned_columns_and_no_box():
    lines = display.stages_text(STAIRWAY, STAIRWAY[2]).splitlines()
    assert lines[0].split() == ["stage", "revision", "title", "era", "from"]
    assert len(lines) == len(STAIRWAY) + 1
    title_at = lines[0].index("title")
    for stage, line in zip(STAIRWAY, lines[1:], strict=True):
        assert line[title_at:].startswith(stage.title) and line == line.rstrip()
        assert ("you are here" in line) == (stage == STAIRWAY[2])
    assert not re.search("[\u2500-\u257f]", "\n".join(lines))


def test_every_stage_changes_something():
    for stage in STAIRWAY.stages[1:]:
        assert display.schema_changes(STAIRWAY, stage), stage.label


def test_sql_is_shown_as_it_is():
    assert "CREATE TABLE t" in rendered(display.sql(["CREATE TABLE t (id INTEGER)"]))
    assert "-- no statements" in rendered(display.sql([]))

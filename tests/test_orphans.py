"""SQLite orphans (sqlalchemy_stairway.orphans): older ones told from new ones, across renames."""

import sqlite3

from sqlalchemy_stairway.orphans import Orphan, OrphanWatch, described


def database_with_an_orphan() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.executescript(
        """
        CREATE TABLE parent (id INTEGER PRIMARY KEY);
        CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id));
        INSERT INTO parent (id) VALUES (1);
        INSERT INTO child (id, parent_id) VALUES (1, 1), (2, 99);
        """
    )
    return db


def run(db: sqlite3.Connection, watch: OrphanWatch, statement: str) -> None:
    watch.see(db, statement)
    db.execute(statement)


def test_an_older_orphan_follows_its_table_through_a_rename_and_is_not_the_runs():
    db = database_with_an_orphan()
    watch = OrphanWatch()
    run(db, watch, "CREATE TABLE pet (id INTEGER PRIMARY KEY)")  # moves no rows: no scan yet
    assert watch.before is None
    run(db, watch, "INSERT INTO pet (id) VALUES (1)")
    run(db, watch, 'ALTER TABLE "child" RENAME TO kid')
    run(db, watch, "ALTER TABLE parent RENAME TO mother")
    made, older = watch.after(db)
    assert made == []
    assert older == [Orphan("kid", 2, "mother")]
    assert described(db, older) == "kid row 2 (parent_id = 99, no such mother row)"


def test_an_orphan_the_run_makes_is_told_from_the_older_one():
    db = database_with_an_orphan()
    watch = OrphanWatch()
    run(db, watch, "DELETE FROM parent WHERE id = 1")
    made, older = watch.after(db)
    assert made == [Orphan("child", 1, "parent")]
    assert older == [Orphan("child", 2, "parent")]


def test_a_run_that_moves_no_rows_costs_no_scan():
    db = database_with_an_orphan()
    watch = OrphanWatch()
    run(db, watch, "CREATE TABLE pet (id INTEGER PRIMARY KEY)")
    run(db, watch, "SELECT count(*) FROM child")
    assert watch.after(db) == ([], [])

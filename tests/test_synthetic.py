"""Generated rows: every table filled within its rules, with the edges, or named with why not."""

import sqlalchemy as sa

from sqlalchemy_stairway.check.synthetic import NON_ASCII, RowMaker


def schema(connection) -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(
        "parent",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(5), nullable=False, unique=True),
        sa.Column("status", sa.Enum("new", "done", name="parent_status"), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("price", sa.Numeric(8, 2), sa.CheckConstraint("price >= 0")),
        sa.Column("born", sa.DateTime(timezone=True)),
        sa.Column("data", sa.JSON),
        sa.Column("key", sa.Uuid, nullable=False, unique=True),
    )
    sa.Table(
        "child",
        metadata,
        sa.Column("parent_id", sa.ForeignKey("parent.id"), primary_key=True),
        sa.Column("position", sa.SmallInteger, primary_key=True),
        sa.Column("label", sa.String(40), nullable=False, unique=True),
        sa.Column("up", sa.ForeignKey("child.label")),
    )
    sa.Table(  # cannot hold a first row: each row needs another one before it
        "loop",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("previous_id", sa.ForeignKey("loop.id"), nullable=False),
    )
    return made_and_reflected(connection, metadata)


def made_and_reflected(connection, metadata: sa.MetaData) -> sa.MetaData:
    """``metadata``'s tables made, then read back as the checker reads a project's."""
    with connection.begin():
        metadata.create_all(connection)
    reflected = sa.MetaData()
    reflected.reflect(connection)
    connection.commit()
    return reflected


def test_every_table_gets_rows_within_its_rules_and_edges(connection):
    metadata = schema(connection)
    with connection.begin():
        filled = RowMaker().fill(connection, metadata)
    assert filled.added["parent"] == 3 and filled.added["child"] == 3
    assert filled.empty == {"loop": "it needs a row in loop, which has none"}
    parents = connection.execute(sa.text("SELECT * FROM parent ORDER BY id")).mappings().all()
    codes = [row["code"] for row in parents]
    assert len(set(codes)) == 3 and all(len(code) <= 5 for code in codes)
    if connection.dialect.name != "sqlite":  # where an enum is a VARCHAR and nothing more
        assert {row["status"] for row in parents} <= {"new", "done"}
    assert any(row["note"] is None for row in parents), "no NULL where NULL is allowed"
    assert any(row["note"] and NON_ASCII.strip() in row["note"] for row in parents)
    children = connection.execute(sa.text("SELECT * FROM child")).mappings().all()
    labels = [row["label"] for row in children]
    assert max(len(label) for label in labels) == 40, "no string as long as its column allows"
    ids = {row["id"] for row in parents}
    assert {row["parent_id"] for row in children} <= ids


def test_the_same_schema_gets_the_same_rows(connection, reference_connection):
    found = []
    for each in (connection, reference_connection):
        metadata = schema(each)
        with each.begin():
            RowMaker().fill(each, metadata)
        found.append(each.execute(sa.text("SELECT * FROM child ORDER BY label")).all())
    assert found[0] == found[1]


def test_a_hook_shapes_or_drops_generated_rows(connection):
    metadata = schema(connection)

    def shape(table, row):
        if table == "child":
            return None
        return {**row, "note": "from the hook"} if table == "parent" else row

    with connection.begin():
        filled = RowMaker().fill(connection, metadata, shape=shape)
    assert filled.empty["child"] == "the project's hook dropped every row"
    notes = connection.execute(sa.text("SELECT note FROM parent")).scalars().all()
    assert notes == ["from the hook"] * 3


def test_a_refused_row_is_retried_plain_and_the_refused_try_leaves_nothing(connection):
    metadata = sa.MetaData()
    sa.Table(
        "short",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        # the column allows 40 characters, the rule 10: the row at the edges is refused
        sa.Column("name", sa.String(40), sa.CheckConstraint("length(name) <= 10"), nullable=False),
    )
    reflected = made_and_reflected(connection, metadata)
    with connection.begin():
        filled = RowMaker().fill(connection, reflected)
    assert filled.added["short"] == 3 and filled.empty == {}
    names = connection.execute(sa.text("SELECT name FROM short")).scalars().all()
    # the rows of the refused try (all under one savepoint) are gone: three rows, all within
    assert len(names) == 3 and all(len(name) <= 10 for name in names)


def test_a_kept_table_gets_no_more_rows_and_the_others_do(connection):
    metadata = schema(connection)
    with connection.begin():
        RowMaker().fill(connection, metadata, skip={"child"})
    with connection.begin():
        filled = RowMaker().fill(connection, metadata, keep={"parent"})
    assert filled.kept == {"parent"} and "parent" not in filled.added
    assert filled.added["child"] == 3, "its parents are the rows parent kept"
    assert connection.execute(sa.text("SELECT count(*) FROM parent")).scalar() == 3


def test_tables_whose_keys_make_a_cycle_are_filled_without_a_warning(connection):
    """Prefect's flow runs and their states point at each other; a check must not print noise."""
    metadata = sa.MetaData()
    sa.Table(
        "run",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("state_id", sa.Integer, sa.ForeignKey("state.id", use_alter=True)),
    )
    sa.Table(
        "state",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("run.id")),
    )
    reflected = made_and_reflected(connection, metadata)
    with connection.begin():  # warnings are errors here: SQLAlchemy's would fail the test
        filled = RowMaker().fill(connection, reflected)
    assert filled.added == {"run": 3, "state": 3} and filled.empty == {}

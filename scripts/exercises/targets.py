"""What the exercises' target stages share: the stage after the head, on its tables."""

from collections.abc import Mapping, Sequence

from sqlalchemy import Connection, MetaData, column, func, select, table

from sqlalchemy_stairway.exercises import copied_metadata
from sqlalchemy_stairway.stages import Carry, Stage, Transform


def next_stage(
    head: Stage,
    number: int,
    title: str,
    metadata: MetaData,
    *,
    carries: Mapping[str, Carry] | None = None,
    new_tables: Sequence[str] = (),
    rows: Mapping[str, Sequence[Mapping]] | None = None,
) -> Stage:
    """Return exercise ``number``'s stage on top of ``head``; its revision id is a suggestion."""
    return Stage(
        number=head.number + 1,
        revision=f"{head.number + 1:04d}",
        title=title,
        metadata=metadata,
        era="exercise",
        source=f"exercise {number}",
        carries=carries or {},
        new_tables=tuple(new_tables),
        rows=rows or {},
    )


class Fixed(Transform):
    """A new column every row already there gets the same value of: a backfill."""

    reversible = True  # the row's other columns are untouched; dropping it loses nothing
    from_source = False

    def __init__(self, value, source: str = "id") -> None:
        super().__init__(source)
        self.value = value

    def forward(self, old):
        return self.value

    def matches(self, old, new) -> bool:
        return new == self.value

    def expected(self, old) -> str:
        return repr(self.value)


def head_tables(head: Stage, without: Sequence[str] = ()) -> MetaData:
    """Return a copy of the head's tables (but ``without``), for a target to change."""
    return copied_metadata(head.metadata, without)


def user(id: int, name: str, fullname: str | None, **more) -> dict:
    """A row of user_account as the head has it, plus ``more`` columns."""
    return {
        "id": id,
        "name": name,
        "fullname": fullname,
        "number": None,
        "password_hash": None,
        **more,
    }


def count_set(table_name: str, column_name: str):
    """A count of the rows of a table whose column is set: what dropping the column loses."""

    def count(connection: Connection) -> int:
        found = table(table_name, column(column_name))
        query = select(func.count()).select_from(found).where(found.c[column_name].is_not(None))
        return connection.execute(query).scalar_one()

    return count


def count_rows(table_name: str):
    """A count of a table's rows: what dropping the table loses."""

    def count(connection: Connection) -> int:
        return connection.execute(select(func.count()).select_from(table(table_name))).scalar_one()

    return count

"""Synthetic rows for any schema, read back from the database itself.

Before each revision the checks fill every table with a few rows that a
real table could hold: values of the column's type and length, NOT NULL
respected, primary and unique keys distinct, foreign keys pointing at rows
of the parent (parents are filled first), enum labels only; and the edges
real data has: the longest string a column allows, non-ASCII text, NULL
wherever NULL is allowed.  Values come from a counter, not a random
generator, so the same schema always gets the same rows.

A table's rows go in under one savepoint; when the database refuses one
(a CHECK constraint, a unique index on an expression), they go in again
one at a time, each under its own savepoint, a refused row retried plain,
and a table that takes no row is named with the reason.
"""

import datetime as dt
import decimal
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sqlalchemy import Column, Connection, MetaData, Table, insert, select, types
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.schema import sort_tables_and_constraints

from sqlalchemy_stairway.check.engines import first_line

ROWS_PER_TABLE = 3
NON_ASCII = "Zoë Ørsted-Ñúñez ✓ "
EPOCH = dt.datetime(2001, 2, 3, 4, 5, 6)
UUID_NAMESPACE = uuid.UUID("5f0e7c8a-2b1d-4c3e-9f4a-7b6c5d4e3f2a")

# what one row is for: ordinary values, the edges, or every NULL allowed
PLAIN, EDGES, NULLS = "plain", "edges", "nulls"
KINDS = (PLAIN, EDGES, NULLS)

# shapes a generated row before it is inserted; None drops it
RowHook = Callable[[str, dict], dict | None]


class CannotGenerate(Exception):
    """No value of this column's type can be made up."""


@dataclass
class Filled:
    """What one fill did: rows added per table, the tables kept, the tables left empty, why."""

    added: dict[str, int] = field(default_factory=dict)
    empty: dict[str, str] = field(default_factory=dict)
    kept: set[str] = field(default_factory=set)  # rows of their shape there already


def parents_first(metadata: MetaData) -> list[Table]:
    """``metadata.sorted_tables``, without its warning when keys make a cycle.

    Real schemas have such cycles (Prefect's runs and their states point
    at each other); SQLAlchemy then orders the other keys and warns each
    time, which would print noise into every check.  The order is the same.
    """
    tables = sorted(metadata.tables.values(), key=lambda table: table.key)
    return [table for table, _ in sort_tables_and_constraints(tables) if table is not None]


class RowMaker:
    """Makes rows for tables; one maker per checked database, so counters never repeat."""

    def __init__(self) -> None:
        self.counter = 0
        self.models: MetaData | None = None
        self.json_columns: set[tuple[str, str]] = set()

    def next_number(self) -> int:
        self.counter += 1
        return self.counter

    # -- values ---------------------------------------------------------

    def value(self, column: Column, kind: str, n: int) -> Any:
        known = self.known_type(column)
        made = self.typed(known, kind, n)
        if isinstance(known, types.JSON) and not isinstance(column.type, types.JSON):
            return json.dumps(made, ensure_ascii=False)  # the column takes text
        return made

    def known_type(self, column: Column) -> types.TypeEngine:
        """The column's reflected type; or JSON, or the models' enum, where it reads as a string.

        SQLite keeps an Enum as VARCHAR: only the models know its labels.
        """
        if isinstance(column.type, types.String) and (
            (column.table.name, column.name) in self.json_columns
        ):
            return types.JSON()  # MariaDB's JSON: LONGTEXT under CHECK (json_valid(...))
        models = self.models
        if models is None or isinstance(column.type, types.Enum):
            return column.type
        table = models.tables.get(column.table.name)
        modelled = table.c.get(column.name) if table is not None else None
        if modelled is not None and isinstance(modelled.type, types.Enum):
            return modelled.type
        return column.type

    def typed(self, type_: types.TypeEngine, kind: str, n: int) -> Any:
        edges = kind == EDGES
        if isinstance(type_, types.ARRAY):
            return [self.typed(type_.item_type, PLAIN, n), self.typed(type_.item_type, kind, n + 1)]
        if isinstance(type_, types.Enum) and type_.enums:
            return type_.enums[-1 if edges else n % len(type_.enums)]
        if isinstance(type_, types.Boolean) or getattr(type_, "display_width", None) == 1:
            return n % 2 == 0  # MariaDB reads a Boolean back as TINYINT(1)
        if isinstance(type_, types.Uuid):
            made = uuid.uuid5(UUID_NAMESPACE, str(n))
            return made if getattr(type_, "as_uuid", True) else str(made)
        if isinstance(type_, types.JSON):
            return {"n": n, "text": NON_ASCII.strip() if edges else f"row {n}", "list": [1, 2]}
        if isinstance(type_, types.Interval):
            return dt.timedelta(days=n, seconds=n)
        if isinstance(type_, types.DateTime):
            moment = EPOCH + dt.timedelta(days=n, seconds=n)
            aware = getattr(type_, "timezone", False)
            return moment.replace(tzinfo=dt.timezone.utc) if aware else moment
        if isinstance(type_, types.Date):
            return (EPOCH + dt.timedelta(days=n)).date()
        if isinstance(type_, types.Time):
            return dt.time(n % 24, n % 60, n % 60)
        if isinstance(type_, types.Numeric) and not isinstance(type_, types.Float):
            return self.decimal(type_, edges, n)
        if isinstance(type_, types.Float):
            return n + 0.25
        if isinstance(type_, types.Integer):
            return self.integer(type_, edges, n)
        if isinstance(type_, types.LargeBinary | types._Binary):
            length = getattr(type_, "length", None) or 16
            return (bytes([n % 256]) * length) if edges else bytes([n % 256, 0, 255])[:length]
        if isinstance(type_, types.String):
            return self.string(type_.length, edges, n)
        raise CannotGenerate(f"no value for type {type_!r}")

    @staticmethod
    def integer(type_: types.Integer, edges: bool, n: int) -> int:
        if not edges:
            return n % 100 if type(type_).__name__ == "TINYINT" else n
        if type(type_).__name__ == "TINYINT":
            return 127 - n % 100
        if isinstance(type_, types.SmallInteger):
            return 32767 - n
        if isinstance(type_, types.BigInteger):
            return 2**63 - 1 - n
        return 2**31 - 1 - n

    @staticmethod
    def decimal(type_: types.Numeric, edges: bool, n: int) -> decimal.Decimal:
        scale = type_.scale or 0
        if not edges or not type_.precision:
            value = decimal.Decimal(n) + (decimal.Decimal("0.5") if scale else 0)
            return value.quantize(decimal.Decimal(1).scaleb(-scale))
        # every fraction digit used, and a big whole part, though not the biggest: a
        # correct revision may scale a value (cents) within the type it was given
        whole = min(type_.precision - scale, 6)
        biggest = decimal.Decimal(10) ** whole - 1 - n
        return (biggest + decimal.Decimal("0.99")).quantize(decimal.Decimal(1).scaleb(-scale))

    @staticmethod
    def string(length: int | None, edges: bool, n: int) -> str:
        """A distinct string (its row number in it); at the edges non-ASCII, as long as allowed."""
        tag = f"{n}"
        if length is not None and len(tag) > length:
            tag = _letters(n)[-length:]
        if not edges:
            text = f"row {tag}"
            return text if length is None or len(text) <= length else tag
        if length is None:
            return f"{tag} {NON_ASCII * 20}"
        filler = (NON_ASCII * (length // len(NON_ASCII) + 1))[: length - len(tag) - 1]
        return f"{tag} {filler}" if length > len(tag) + 1 else tag

    # -- rows -----------------------------------------------------------

    def row(self, table: Table, kind: str, parents: dict[str, list[dict]]) -> dict:
        """A row for ``table``: every column a value, NULL, or left to its default."""
        n = self.next_number()
        row: dict[str, Any] = {}
        for fk in table.foreign_key_constraints:
            parent_rows = parents.get(fk.referred_table.name) or []
            if fk.referred_table is table:
                parent_rows = parent_rows or []
            nullable = all(c.nullable for c in fk.columns)
            if parent_rows and not (kind == NULLS and nullable):
                chosen = parent_rows[n % len(parent_rows)]
                for local, remote in zip(fk.columns, fk.elements, strict=True):
                    row[local.name] = chosen[remote.column.name]
            elif nullable:
                row.update({c.name: None for c in fk.columns})
            else:
                raise CannotGenerate(f"it needs a row in {fk.referred_table.name}, which has none")
        for column in table.columns:
            if column.name in row:
                continue
            if _generated_by_database(column, table):
                continue
            if kind == NULLS and column.nullable and not column.primary_key:
                row[column.name] = None
            elif kind == PLAIN and column.server_default is not None and not column.primary_key:
                continue  # let the database's default fill it, as an application would
            else:
                row[column.name] = self.value(column, kind, n)
        return row

    def fill(
        self,
        connection: Connection,
        metadata: MetaData,
        shape: RowHook | None = None,
        skip: set[str] = frozenset(),
        rows_per_table: int = ROWS_PER_TABLE,
        models: MetaData | None = None,
        keep: set[str] = frozenset(),
    ) -> Filled:
        """Add a few rows to every table of ``metadata`` (reflected), parents first.

        ``models`` (the project's target_metadata) tells enum labels the
        database does not keep.  ``keep``: tables that already hold rows of
        their present shape, left as they are (``Filled.kept``).
        """
        self.models = models
        self.json_columns = json_columns(connection)
        filled = Filled()
        existing = _PresentRows()
        for table in parents_first(metadata):
            if table.name in skip:
                continue
            keys = _referred_columns(table, metadata)
            if table.name in keep:
                filled.kept.add(table.name)
                existing.unread[table.name] = partial(_present, connection, table, keys)
                continue
            existing[table.name] = _present(connection, table, keys)
            present = len(existing[table.name])
            reason = None
            added = self.fill_at_once(connection, table, shape, existing, rows_per_table)
            if added is None:  # a row was refused or could not be made: one row at a time
                del existing[table.name][present:]
                added, reason = self.fill_row_by_row(
                    connection, table, shape, existing, rows_per_table
                )
            filled.added[table.name] = added
            if not added and not existing[table.name]:
                filled.empty[table.name] = reason or "no row could be made"
        return filled

    def shaped_row(
        self, table: Table, kind: str, existing: dict[str, list[dict]], shape: RowHook | None
    ) -> dict | None:
        """A generated row as the project's hook shapes it; None when the hook drops it."""
        row = self.row(table, kind, existing)
        return row if shape is None else shape(table.name, row)

    def fill_at_once(
        self,
        connection: Connection,
        table: Table,
        shape: RowHook | None,
        existing: dict[str, list[dict]],
        rows_per_table: int,
    ) -> int | None:
        """Insert a table's rows under one savepoint; None when any row fails (none are kept).

        Most tables take every row: one savepoint for them all spares two
        round trips per row, which on a server are most of the filling.
        """
        savepoint = connection.begin_nested()
        try:
            for i in range(rows_per_table):
                try:
                    row = self.shaped_row(table, KINDS[i % len(KINDS)], existing, shape)
                except CannotGenerate:
                    row = None
                if row is None:
                    savepoint.rollback()
                    return None
                try:
                    result = connection.execute(insert(table).values(row))
                except (DBAPIError, StatementError):
                    savepoint.rollback()
                    return None
                existing[table.name].append({**row, **_given_key(table, result)})
        except BaseException:  # a hook failed: nothing of this table is kept
            if savepoint.is_active:
                savepoint.rollback()
            raise
        savepoint.commit()
        return rows_per_table

    def fill_row_by_row(
        self,
        connection: Connection,
        table: Table,
        shape: RowHook | None,
        existing: dict[str, list[dict]],
        rows_per_table: int,
    ) -> tuple[int, str | None]:
        """Each row under its own savepoint, a refused one retried plain: (added, why none)."""
        reason = None
        added = 0
        for i in range(rows_per_table):
            kinds = [KINDS[i % len(KINDS)], PLAIN] if i % len(KINDS) else [PLAIN]
            for kind in kinds:
                try:
                    row = self.shaped_row(table, kind, existing, shape)
                except CannotGenerate as exc:
                    reason = str(exc)
                    continue
                if row is None:
                    reason = "the project's hook dropped every row"
                    break
                inserted = _insert(connection, table, row)
                if isinstance(inserted, str):
                    reason = inserted
                    continue
                existing[table.name].append({**row, **inserted})
                added += 1
                break
        return added, reason


def _insert(connection: Connection, table: Table, row: dict) -> dict | str:
    """Insert ``row`` under a savepoint; return the key the database gave, or why it refused."""
    savepoint = connection.begin_nested()
    try:
        result = connection.execute(insert(table).values(row))
    except (DBAPIError, StatementError) as exc:
        savepoint.rollback()
        return f"the database refused a generated row: {first_line(exc)}"
    savepoint.commit()
    return _given_key(table, result)


def _given_key(table: Table, result) -> dict:
    """The primary key the database gave an inserted row (the values it numbered itself)."""
    key = result.inserted_primary_key or ()
    return {
        c.name: v for c, v in zip(table.primary_key.columns, key, strict=False) if v is not None
    }


class _PresentRows(dict):
    """The rows of each table, as far as children need them; a kept table's read when asked."""

    def __init__(self) -> None:
        super().__init__()
        self.unread: dict[str, Callable[[], list[dict]]] = {}

    def get(self, name: str, default=None):
        if name in self.unread:
            self[name] = self.unread.pop(name)()
        return super().get(name, default)


def _present(connection: Connection, table: Table, keys: set[str]) -> list[dict]:
    """The rows already in ``table``, as far as children need them (their referred columns)."""
    if not keys:
        return []
    wanted = [table.c[name] for name in sorted(keys)]
    return [dict(r._mapping) for r in connection.execute(select(*wanted).limit(20))]


def _referred_columns(table: Table, metadata: MetaData) -> set[str]:
    names = set()
    for other in metadata.tables.values():
        for fk in other.foreign_keys:
            if fk.column.table is table:
                names.add(fk.column.name)
    return names


def _generated_by_database(column: Column, table: Table) -> bool:
    """An integer key the database numbers itself (SERIAL, IDENTITY, AUTO_INCREMENT, ROWID)."""
    if column.identity is not None or column.computed is not None:
        return True
    key = list(table.primary_key.columns)
    if key != [column] or not isinstance(column.type, types.Integer) or column.foreign_keys:
        return False
    return column.autoincrement in (True, "auto")


def _letters(n: int) -> str:
    text = ""
    while True:
        n, rest = divmod(n, 26)
        text = chr(ord("a") + rest) + text
        if not n:
            return text


def json_columns(connection: Connection) -> set[tuple[str, str]]:
    """(table, column) of MariaDB's JSON columns, which read back as LONGTEXT.

    MariaDB keeps JSON as LONGTEXT under a column CHECK (json_valid(...))
    that SQLAlchemy does not reflect; information_schema has it.
    """
    if connection.dialect.name != "mysql":
        return set()
    try:
        found = connection.exec_driver_sql(
            "SELECT TABLE_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS "
            "WHERE CONSTRAINT_SCHEMA = DATABASE()"
        ).all()
    except DBAPIError:  # a server without that view
        return set()
    columns = set()
    for table_name, clause in found:
        match = re.fullmatch(r"\s*json_valid\(`?([^`)]+)`?\)\s*", clause or "")
        if match:
            columns.add((table_name, match.group(1)))
    return columns

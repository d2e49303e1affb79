"""What the project's env.py tells Alembic to compare, honoured by ``models-match``.

An env.py passes ``context.configure`` the objects autogenerate must leave
out (``include_object``, ``include_name``), whether to look beyond the
default schema (``include_schemas``) and whether to compare types and
server defaults (``compare_type``, ``compare_server_default``).  A team
tuned them so that ``alembic check`` stays quiet on what they decided not
to manage; the check reads them where env.py hands them to Alembic and
applies them to both of its comparisons.
"""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, Index, MetaData, Table

# context.configure's options that decide what models-match looks at
NAMES = (
    "include_object",
    "include_name",
    "include_schemas",
    "compare_type",
    "compare_server_default",
)


@dataclass
class ComparisonOptions:
    """The options env.py gave, only those it gave (Alembic's own defaults otherwise)."""

    given: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_configure(cls, opts: dict[str, Any]) -> "ComparisonOptions":
        return cls({name: opts[name] for name in NAMES if name in opts})

    @property
    def compares_types(self) -> bool:
        return self.given.get("compare_type", True) is not False

    @property
    def compares_server_defaults(self) -> bool:
        """False only when env.py says so: left unsaid, the check compares them (normalised)."""
        return self.given.get("compare_server_default", True) is not False

    def migration_opts(self) -> dict[str, Any]:
        """Options for Alembic's ``compare_metadata`` (server defaults are compared by us)."""
        opts = {"compare_type": self.given.get("compare_type", True)}
        for name in ("include_object", "include_name", "include_schemas"):
            if name in self.given:
                opts[name] = self.given[name]
        return opts

    def keeps(self, item: Any, name: str | None, kind: str, reflected: bool, other: Any) -> bool:
        """True when env.py's filters keep ``item`` (``kind`` in Alembic's words: "table"...)."""
        include_name = self.given.get("include_name")
        if (
            reflected
            and include_name is not None
            and name is not None
            and kind == "table"
            and not include_name(name, "table", {"schema_name": None})
        ):
            return False
        include_object = self.given.get("include_object")
        if include_object is None or name is None:
            return True
        return bool(include_object(item, name, kind, reflected, other))

    def filter_reading(self, found: dict, tables: MetaData, other: MetaData, *, reflected: bool):
        """Drop from a :func:`~sqlalchemy_stairway.schema.structure` reading what env.py leaves out.

        ``tables`` holds the objects the reading was made from (reflected
        from the database, or the models); ``other`` the other side's, handed
        to ``include_object`` as ``compare_to``.
        """
        if not self.given.get("include_object") and not self.given.get("include_name"):
            return found
        kept = {}
        for name, parts in found["tables"].items():
            table = tables.tables.get(name)
            twin = other.tables.get(name)
            if table is None or not self.keeps(table, name, "table", reflected, twin):
                continue
            kept[name] = self._filter_table(parts, table, twin, reflected)
        filtered = {**found, "tables": kept}
        if "sequences" in found:  # a table left out takes the sequences numbering it along
            left_out = set(found["tables"]) - set(kept)
            owned = {
                sequence
                for table in left_out
                for column in found["tables"][table]["columns"].values()
                for sequence in found["sequences"]
                if isinstance(column[3], str) and f"'{sequence}'" in column[3]
            }
            filtered["sequences"] = [s for s in found["sequences"] if s not in owned]
        return filtered

    def _filter_table(self, parts: dict, table: Table, twin: Table | None, reflected: bool):
        columns = {
            name: column
            for name, column in parts["columns"].items()
            if name not in table.c
            or self.keeps(
                table.c[name],
                name,
                "column",
                reflected,
                twin.c.get(name) if twin is not None else None,
            )
        }
        indexes = {index.name: index for index in table.indexes}
        twins = {index.name: index for index in twin.indexes} if twin is not None else {}
        kept_indexes = [
            index
            for index in parts["indexes"]
            if index[0] not in indexes
            or self.keeps(indexes[index[0]], index[0], "index", reflected, twins.get(index[0]))
        ]
        uniques = {c.name: c for c in table.constraints if c.name and _kind(c) == "unique"}
        kept_uniques = [
            unique
            for unique in parts["unique constraints"]
            if unique[0] not in uniques
            or self.keeps(uniques[unique[0]], unique[0], "unique_constraint", reflected, None)
        ]
        keys = {fk.name: fk for fk in table.foreign_key_constraints if fk.name}
        kept_keys = [
            key
            for key in parts["foreign keys"]
            if key[0] not in keys
            or self.keeps(keys[key[0]], key[0], "foreign_key_constraint", reflected, None)
        ]
        return {
            **parts,
            "columns": columns,
            "indexes": kept_indexes,
            "unique constraints": kept_uniques,
            "foreign keys": kept_keys,
        }


def _kind(constraint: Any) -> str:
    return "unique" if type(constraint).__name__ == "UniqueConstraint" else "other"


# the prefixes of dialect options (``mysql_length``) one server answers to
SAME_SERVER = {"mysql": {"mysql", "mariadb"}, "mariadb": {"mysql", "mariadb"}}


def for_another_dialect(index: Index, dialect: str) -> bool:
    """True when the models make ``index`` only on another dialect, or shape it only there.

    ``Index(...).ddl_if(dialect="postgresql")`` is never made on SQLite, and
    ``postgresql_where``/``postgresql_using`` mean nothing there: Alembic's
    comparison would still report them.
    """
    names = SAME_SERVER.get(dialect, {dialect})
    condition = getattr(index, "_ddl_if", None)
    if condition is not None and condition.dialect is not None:
        wanted = (
            {condition.dialect} if isinstance(condition.dialect, str) else set(condition.dialect)
        )
        if not names & wanted:
            return True
    options = {key.split("_", 1)[0] for key, value in index.kwargs.items() if value is not None}
    return bool(options) and not names & options


def alembic_differences_on(differences: list, dialect: str) -> list:
    """Alembic's differences without those about indexes made or shaped for another dialect.

    Alembic reports an index whose options differ as removed then added:
    the ``remove_index`` of the same name goes too.  What the index is on
    this dialect (name, columns, unique) is still compared, in the reading.
    """
    elsewhere = {
        d[1].name
        for d in differences
        if isinstance(d, tuple)
        and d[0] == "add_index"
        and isinstance(d[1], Index)
        and for_another_dialect(d[1], dialect)
    }
    return [
        d
        for d in differences
        if not (
            isinstance(d, tuple)
            and d[0] in ("add_index", "remove_index")
            and getattr(d[1], "name", None) in elsewhere
        )
    ]


def types_made_alike_left_out(differences: list, found: dict, expected: dict) -> list:
    """Alembic's differences without the type changes this server does not see.

    Alembic compares a type the models declare with one read back: a
    ``LargeBinary(65536)`` is a MEDIUMBLOB on MariaDB, which Alembic calls
    a BLOB. When the models' own ``create_all()`` on this server gives the
    database's type (``expected``, read back like ``found``), they agree.
    """
    kept = []
    for difference in differences:
        changes = difference if isinstance(difference, list) else [difference]
        if changes and all(
            isinstance(change, tuple)
            and change[0] == "modify_type"
            and _type_of(found, change[2], change[3]) is not None
            and _type_of(found, change[2], change[3]) == _type_of(expected, change[2], change[3])
            for change in changes
        ):
            continue
        kept.append(difference)
    return kept


def _type_of(reading: dict, table: str, column: str):
    columns = reading["tables"].get(table, {}).get("columns", {})
    return columns[column][0] if column in columns else None


def left_out_alike(found: dict, kept_found: dict, expected: dict, kept_expected: dict):
    """The two filtered readings, each also without what the filter left out of the other.

    ``include_object`` sees one object at a time: Prefect's leaves out a
    model's Enum column on SQLite, where the database has a VARCHAR, so the
    column would be compared on one side only.
    """

    def dropped(before: dict, after: dict, table: str, part: str) -> set[str]:
        was, now = before["tables"].get(table), after["tables"].get(table)
        if was is None or now is None:
            return set()
        if part == "columns":
            return set(was["columns"]) - set(now["columns"])
        return {entry[0] for entry in was[part]} - {entry[0] for entry in now[part]}

    def without(reading: dict, other_before: dict, other_after: dict) -> dict:
        tables = {}
        for name, parts in reading["tables"].items():
            parts = dict(parts)
            gone = dropped(other_before, other_after, name, "columns")
            parts["columns"] = {c: v for c, v in parts["columns"].items() if c not in gone}
            gone = dropped(other_before, other_after, name, "indexes")
            parts["indexes"] = [index for index in parts["indexes"] if index[0] not in gone]
            tables[name] = parts
        return {**reading, "tables": tables}

    return without(kept_found, expected, kept_expected), without(kept_expected, found, kept_found)


def expression_indexes_set_aside(reading: dict, metadata: MetaData) -> dict:
    """``reading`` without the indexes the models make on expressions (``column.desc()``).

    SQLAlchemy cannot read such an index back on every database (SQLite
    skips it with a warning), so the models' side never shows it while a
    database made by revisions may: Alembic's own comparison is left to
    judge them.
    """
    names = {
        (table.name, index.name)
        for table in metadata.tables.values()
        for index in table.indexes
        if any(not isinstance(element, Column) for element in index.expressions)
    }
    tables = {}
    for name, parts in reading["tables"].items():
        parts = dict(parts)
        parts["indexes"] = [index for index in parts["indexes"] if (name, index[0]) not in names]
        tables[name] = parts
    return {**reading, "tables": tables}

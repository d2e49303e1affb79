"""What a database holds, read back: its structure and its data.

The checks compare these readings: a migrated database against a database
built straight from the stage's models (structure), and a database before
and after a migration (data).
"""

import contextlib
import hashlib
import re
import warnings
from collections.abc import Iterator
from functools import partial
from typing import Any

from sqlalchemy import Connection, Inspector, MetaData, bindparam, inspect, select, text
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table

IGNORED_TABLES = {"alembic_version"}


# SQLAlchemy's and Alembic's warnings for an index on an expression they cannot read back
EXPRESSION_INDEX = re.compile(r"expression-based index '?([^'\s;]+)")


@contextlib.contextmanager
def expression_indexes_skipped() -> Iterator[set[str]]:
    """Gather the expression-based indexes reflection skipped, instead of their warnings.

    SQLAlchemy and Alembic warn for each of them (SQLite reads none back),
    from every place that reflects, with the line of our code that called:
    a dozen lines of noise on Prefect's chain, where one line at the end
    names them all.  The other warnings are shown as Python shows them.
    """
    skipped: set[str] = set()
    shown = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        found = EXPRESSION_INDEX.search(str(message))
        if found is None:
            shown(message, category, filename, lineno, file, line)
        else:
            skipped.add(found.group(1))

    warnings.showwarning = show
    try:
        yield skipped
    finally:
        warnings.showwarning = shown


def structure(
    connection: Connection,
    ignored: set[str] = IGNORED_TABLES,
    insp: Inspector | None = None,
    only: set[str] | None = None,
) -> dict[str, Any]:
    """Return every table's columns, keys and indexes, and the sequences, as plain data.

    Columns are keyed by name and their order is left out: PostgreSQL
    cannot put a column that a downgrade re-adds back in its old place.
    Everything else is in: types as the database reports them, NULL-ability,
    auto-increment and server defaults (which name PostgreSQL's sequences),
    every constraint and index by name, and on PostgreSQL the sequences and
    named types themselves.  ``insp``: an Inspector whose cache to share;
    ``only``: these tables alone, those of them there are, and neither
    sequences nor types (a reading of what changed, in a check).
    """
    insp = insp or inspect(connection)
    if only is None:
        names = sorted(set(insp.get_table_names()) - ignored)
    else:  # no catalog query for the names: a table asked for and not there reads no columns
        names = sorted(set(only) - ignored)

    # one catalog query per kind of thing for all the tables (PostgreSQL reads them so;
    # other dialects loop over the tables as before): a check reads the structure
    # three or four times per revision, and table by table it cost most of the check
    def of_every_table(read) -> dict:  # no table: nothing to ask (no filter reads them all)
        return read(filter_names=names) if names else {}

    columns = of_every_table(insp.get_multi_columns)
    pks = of_every_table(insp.get_multi_pk_constraint)
    fks = of_every_table(insp.get_multi_foreign_keys)
    checks = of_every_table(partial(_checks, insp))
    uniques = of_every_table(insp.get_multi_unique_constraints)
    indexes = of_every_table(insp.get_multi_indexes)
    tables = {}
    for name in names:
        key = (None, name)
        if key not in columns:  # not there (only)
            continue
        pk = pks[key]
        tables[name] = {
            "columns": {
                c["name"]: (
                    c["type"].compile(dialect=connection.dialect),
                    c["nullable"],
                    c.get("autoincrement"),
                    c.get("default"),
                )
                for c in columns[key]
            },
            "primary key": (pk.get("name"), tuple(pk["constrained_columns"])),
            "foreign keys": sorted(  # a name may be None: compare as text
                (
                    (
                        fk["name"],
                        tuple(fk["constrained_columns"]),
                        fk["referred_table"],
                        tuple(fk["referred_columns"]),
                        (fk.get("options") or {}).get("ondelete"),
                    )
                    for fk in fks[key]
                ),
                key=repr,
            ),
            "check constraints": sorted(
                ((c["name"], " ".join(c["sqltext"].split())) for c in checks.get(key, [])),
                key=repr,
            ),
            "unique constraints": sorted(
                ((u["name"], tuple(u["column_names"])) for u in uniques[key]),
                key=repr,
            ),
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in indexes[key]
            ),
        }
    found = {"tables": tables}
    if connection.dialect.name == "postgresql" and only is None:
        found["sequences"] = sorted(insp.get_sequence_names())
        # a type an Enum column created and its downgrade forgot to drop
        found["types"] = sorted((e["name"], tuple(e["labels"])) for e in insp.get_enums())
    return found


# Everything structure() reads, as one line per thing, in one query: tables (with their
# options), columns (type, NOT NULL, default, identity, generated, collation; not their
# place, which structure() leaves out: a column a downgrade drops comes back last from
# the next upgrade, and with its place in the digest every second upgrade of a chain
# would cost a full read; nor comments, which it does not read and which were 40% of
# the query),
# every constraint as PostgreSQL prints it back, every index as its catalog rows hold it
# (columns by name; printing indexes back was half the query's time on a real chain),
# sequences with their options, enum labels in order and domains.  Every schema but the
# system's: more than the reading looks at only costs a full read now and then.
# format()'s %L quotes each field (NULL as NULL), so no two different catalogs make the
# same lines.
POSTGRESQL_FINGERPRINT = """
WITH
  spaces AS (
    SELECT oid, nspname FROM pg_catalog.pg_namespace
    WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\\_toast%'
  ),
  relations AS (
    SELECT c.oid, s.nspname, c.relname, c.relkind, c.relpersistence
    FROM pg_catalog.pg_class AS c JOIN spaces AS s ON s.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'f') AND c.relname <> ALL (:ignored)
  ),
  attributes AS (
    SELECT a.*
    FROM relations AS r JOIN pg_catalog.pg_attribute AS a ON a.attrelid = r.oid
    WHERE a.attnum > 0 AND NOT a.attisdropped
  ),
  -- the columns of each index by name (an expression in the list: ''): by number they
  -- would change when a downgrade drops a column and the next upgrade adds it back
  index_columns AS (
    SELECT i.indexrelid, array_agg(coalesce(a.attname, '') ORDER BY k.n) AS names
    FROM pg_catalog.pg_index AS i JOIN relations AS r ON r.oid = i.indrelid
    CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k (attnum, n)
    LEFT JOIN attributes AS a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
    GROUP BY i.indexrelid
  ),
  lines AS (
    SELECT '' AS owner, format('search_path %L', current_schemas(false)) AS line
    UNION ALL
    SELECT CASE WHEN r.nspname = current_schema() THEN r.relname ELSE '' END AS owner, format(
      'table %L %L %L %L %L %L %L %L %L',
      r.nspname, r.relname, r.relkind, r.relpersistence, c.relam, c.reloptions,
      c.reltablespace, pg_get_partkeydef(r.oid),
      (SELECT array_agg(h.inhparent::regclass::text ORDER BY h.inhseqno)
       FROM pg_catalog.pg_inherits AS h WHERE h.inhrelid = r.oid)
    )
    FROM relations AS r JOIN pg_catalog.pg_class AS c ON c.oid = r.oid
    UNION ALL
    SELECT CASE WHEN r.nspname = current_schema() THEN r.relname ELSE '' END AS owner, format(
      'column %L %L %L %L %L %L %L %L %L',
      r.nspname, r.relname, a.attname, format_type(a.atttypid, a.atttypmod),
      a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated,
      a.attcollation
    )
    FROM relations AS r
    JOIN attributes AS a ON a.attrelid = r.oid
    LEFT JOIN pg_catalog.pg_attrdef AS d ON d.adrelid = r.oid AND d.adnum = a.attnum
    UNION ALL
    SELECT CASE WHEN r.nspname = current_schema() THEN r.relname ELSE '' END AS owner, format(
      'constraint %L %L %L %L %L %L %L %L',
      r.nspname, r.relname, k.conname, k.contype, pg_get_constraintdef(k.oid),
      k.condeferrable, k.condeferred, k.convalidated
    )
    FROM pg_catalog.pg_constraint AS k JOIN relations AS r ON r.oid = k.conrelid
    UNION ALL
    SELECT CASE WHEN r.nspname = current_schema() THEN r.relname ELSE '' END AS owner, format(
      'index %L %L %L %L %L %L %L %L %L %L %L %L %L %L %L %L',
      r.nspname, r.relname, x.relname, x.relam, x.reloptions, i.indisprimary, i.indisunique,
      i.indisvalid, {nulls_not_distinct}, i.indnkeyatts, c.names, i.indclass,
      i.indcollation, i.indoption, pg_get_expr(i.indexprs, i.indrelid),
      pg_get_expr(i.indpred, i.indrelid)
    )
    FROM pg_catalog.pg_index AS i JOIN relations AS r ON r.oid = i.indrelid
    JOIN pg_catalog.pg_class AS x ON x.oid = i.indexrelid
    JOIN index_columns AS c ON c.indexrelid = i.indexrelid
    UNION ALL
    SELECT '', format(
      'sequence %L %L %L %L %L %L %L %L %L',
      s.nspname, c.relname, format_type(q.seqtypid, NULL), q.seqstart, q.seqincrement,
      q.seqmin, q.seqmax, q.seqcache, q.seqcycle
    )
    FROM pg_catalog.pg_class AS c JOIN spaces AS s ON s.oid = c.relnamespace
    LEFT JOIN pg_catalog.pg_sequence AS q ON q.seqrelid = c.oid
    WHERE c.relkind = 'S'
    UNION ALL
    SELECT '', format(
      'type %L %L %L %L %L %L %L %L %L %L',
      s.nspname, t.typname, t.typtype, format_type(t.typbasetype, t.typtypmod), t.typnotnull,
      t.typdefault, t.typcollation, pg_type_is_visible(t.oid),
      (SELECT array_agg(e.enumlabel ORDER BY e.enumsortorder)
       FROM pg_catalog.pg_enum AS e WHERE e.enumtypid = t.oid),
      (SELECT array_agg(pg_get_constraintdef(k.oid) ORDER BY k.conname)
       FROM pg_catalog.pg_constraint AS k WHERE k.contypid = t.oid)
    )
    FROM pg_catalog.pg_type AS t JOIN spaces AS s ON s.oid = t.typnamespace
    WHERE t.typtype IN ('e', 'd')
  )
SELECT owner, md5(string_agg(line, E'\\n' ORDER BY line)) FROM lines GROUP BY owner ORDER BY owner
"""


def fingerprint(
    connection: Connection, ignored: set[str] = IGNORED_TABLES
) -> tuple[tuple[str, str], ...] | None:
    """Return a digest of everything :func:`structure` reads, in one query; None where unknown.

    Equal digests mean equal readings, so a check that reads the structure
    three or four times per revision reads it in full only when it changed.
    ``((table, digest), ...)``, one per table, and ``('', digest)`` for the
    rest (PostgreSQL's sequences, types and other schemas; SQLite's views),
    so only the tables that changed need reading.  None on MariaDB (it
    reads in full every time).
    """
    dialect = connection.dialect.name
    if dialect == "postgresql":
        # NULLS NOT DISTINCT came with PostgreSQL 15
        nulls = (
            "i.indnullsnotdistinct" if connection.dialect.server_version_info >= (15,) else "NULL"
        )
        query = text(POSTGRESQL_FINGERPRINT.replace("{nulls_not_distinct}", nulls))
        query = query.bindparams(ignored=sorted(ignored))
        # one digest per table of the default schema, and one ('') for all else
        return tuple((owner, digest) for owner, digest in connection.execute(query))
    if dialect == "sqlite":
        # SQLite keeps every table, index and trigger as the CREATE statement it reads
        # them back from: a table's digest is its statements'
        query = text(
            "SELECT CASE WHEN type = 'view' THEN '' ELSE tbl_name END AS owner, type, name, sql"
            " FROM sqlite_master WHERE tbl_name NOT IN :ignored AND tbl_name NOT LIKE 'sqlite\\_%'"
            " ESCAPE '\\' ORDER BY owner, type, name"
        ).bindparams(bindparam("ignored", sorted(ignored), expanding=True))
        owners: dict[str, list] = {"": []}
        for owner, *statement in connection.execute(query):
            owners.setdefault(owner, []).append(tuple(statement))
        return tuple(
            (owner, hashlib.sha256(repr(found).encode()).hexdigest())
            for owner, found in sorted(owners.items())
        )
    return None


def _checks(insp, filter_names: list[str]) -> dict:
    try:
        return insp.get_multi_check_constraints(filter_names=filter_names)
    except NotImplementedError:  # a dialect that cannot read them back
        return {}


def unnamed(found: dict) -> dict:
    """Return a :func:`structure` reading without the names a database invents for constraints.

    Models rarely name their constraints and a hand-written revision may;
    what the models promise is the columns, keys and rules, not those names.
    Index names stay: models name their indexes (``ix_...``).
    """
    tables = {}
    for table, parts in found["tables"].items():
        tables[table] = {
            **parts,
            "columns": {
                name: (*column[:3], _unnamed_sequence(column[3]))
                for name, column in parts["columns"].items()
            },
            "primary key": parts["primary key"][1],
            "foreign keys": sorted((fk[1:] for fk in parts["foreign keys"]), key=repr),
            "unique constraints": sorted(u[1] for u in parts["unique constraints"]),
            "check constraints": sorted(c[1] for c in parts["check constraints"]),
        }
    unnamed_found = {**found, "tables": tables}
    if "sequences" in found:  # a renamed table keeps its sequence's name; how many is what counts
        unnamed_found["sequences"] = len(found["sequences"])
    return unnamed_found


def _unnamed_sequence(default):
    """``nextval('accounts_id_seq'::regclass)`` without the name: a sequence numbers the column."""
    if isinstance(default, str) and default.startswith("nextval("):
        return "nextval(a sequence)"
    return default


def structure_differences(
    found: dict, expected: dict, *, found_as: str = "found", expected_as: str = "models give"
) -> list[str]:
    """Return one line per difference between two :func:`structure` readings.

    ``found_as`` and ``expected_as`` say what each reading is in the lines
    ("found" / "models give", "after" / "before").
    """
    lines = []
    for table in sorted(set(found["tables"]) | set(expected["tables"])):
        if table not in expected["tables"]:
            lines.append(f"table {table} is left over")
            continue
        if table not in found["tables"]:
            lines.append(f"table {table} is missing")
            continue
        for part, want in expected["tables"][table].items():
            got = found["tables"][table][part]
            if part == "columns":
                for column in sorted(set(got) | set(want)):
                    if got.get(column) != want.get(column):
                        lines.append(
                            f"{table}.{column}: {found_as} {got.get(column)}, "
                            f"{expected_as} {want.get(column)}"
                        )
            elif got != want:
                lines.append(f"{table} {part}: {found_as} {got}, {expected_as} {want}")
    for part in ("sequences", "types"):
        if found.get(part) != expected.get(part):
            lines.append(
                f"{part}: {found_as} {found.get(part)}, {expected_as} {expected.get(part)}"
            )
    return lines


def rows(
    connection: Connection, ignored: set[str] = IGNORED_TABLES, metadata: MetaData | None = None
) -> dict[str, list[dict]]:
    """Return every row of every table (but Alembic's) as a dict, ordered by primary key.

    ``metadata``: the tables, already reflected.
    """
    if metadata is None:
        metadata = MetaData()
        metadata.reflect(connection)
    found = {}
    for name, table in sorted(metadata.tables.items()):
        if name in ignored:
            continue
        order = list(table.primary_key.columns) or list(table.columns)
        found[name] = [
            dict(row._mapping) for row in connection.execute(select(table).order_by(*order))
        ]
    return found


def snapshot(connection: Connection, ignored: set[str] = IGNORED_TABLES) -> tuple[dict, dict]:
    """Return (structure, rows): the database reflected once, its rows as the driver gives them.

    The rows are read without reflecting Table objects (a cost that grows
    with every column of every table, at every step of a check): values
    come as the driver returns them, which is what a before/after
    comparison on one database needs.
    """
    found = structure(connection, ignored)
    return found, raw_rows(connection, found)


def row_digests(connection: Connection, found: dict) -> dict[str, str] | None:
    """Each table of a :func:`structure` reading: a digest of its rows, in one query.

    Equal digests of a table with the same columns (names and types) mean
    :func:`raw_rows` reads the same rows: each row is its columns in name
    order, as text (PostgreSQL's text form, which the driver reads values
    from; SQLite's ``quote()``, which keeps 1, '1' and X'01' apart), the
    rows sorted, so their order does not count.  None on MariaDB (read
    the rows).
    """
    dialect = connection.dialect.name
    if dialect not in ("postgresql", "sqlite"):
        return None
    quote = connection.dialect.identifier_preparer.quote
    selects = []
    for number, (name, parts) in enumerate(sorted(found["tables"].items())):
        if not parts["columns"]:
            return None
        columns = sorted(parts["columns"])
        if dialect == "postgresql":
            values = ", ".join(f"t.{quote(c)}" for c in columns)
            selects.append(
                f"SELECT {number}, md5(coalesce(string_agg(r, E'\\n' ORDER BY r), ''))"
                f" FROM (SELECT ROW({values})::text AS r FROM {quote(name)} AS t) AS s"
            )
        else:  # no md5 in SQLite: the rows as one text, in C, and its digest taken here
            values = " || ',' || ".join(f"quote(t.{quote(c)})" for c in columns)
            selects.append(
                f"SELECT {number}, (SELECT coalesce(group_concat(r, char(10)), '') FROM"
                f" (SELECT {values} AS r FROM {quote(name)} AS t ORDER BY r))"
            )
    if not selects:
        return {}
    names = sorted(found["tables"])
    query = text(" UNION ALL ".join(selects).replace(":", "\\:"))  # names are no parameters
    found_rows = connection.execute(query)
    if dialect == "sqlite":
        return {names[n]: hashlib.sha256(rows.encode()).hexdigest() for n, rows in found_rows}
    return {names[number]: digest for number, digest in found_rows}


def raw_rows(connection: Connection, found: dict) -> dict[str, list[dict]]:
    """Every row of the tables of a :func:`structure` reading, ordered by primary key."""
    data = {}
    for name, parts in found["tables"].items():
        columns = sorted(parts["columns"])
        order = list(parts["primary key"][1]) or columns
        query = (
            select(*[sql_column(c) for c in columns])
            .select_from(sql_table(name))
            .order_by(*[sql_column(c) for c in order])
        )
        # the columns are the ones selected, in that order: zip is much cheaper than _mapping
        data[name] = [dict(zip(columns, row, strict=True)) for row in connection.execute(query)]
    return data

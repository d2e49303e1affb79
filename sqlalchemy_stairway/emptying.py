"""Empty a database whose schema drifted, when a person chose to discard it.

A database changed by hand may no longer downgrade: a revision cannot
drop a column someone already dropped.  Starting again then means
discarding it whole: every table, Alembic's version table included, in
one transaction where the database has transactional DDL.  Callers back
SQLite up first and ask before calling this.
"""

from sqlalchemy import Connection, MetaData


def empty_database(connection: Connection) -> list[str]:
    """Drop every table of the database (children before parents); return their names."""
    metadata = MetaData()
    with connection.begin():
        metadata.reflect(connection)
        names = [table.name for table in reversed(metadata.sorted_tables)]
        metadata.drop_all(connection)
    return names

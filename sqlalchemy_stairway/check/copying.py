"""Copy one scratch database over another, so a revision starts from its parent at once.

Rebuilding a database by replaying the chain from empty costs the chain's
length each time; a copy costs the database's size.  Each server has its own
way: SQLite's online backup, PostgreSQL's ``CREATE DATABASE ... TEMPLATE``,
and on MariaDB (which has neither) each table re-created from its own
``SHOW CREATE`` and filled with ``INSERT ... SELECT``.

Nobody may be connected to either database while it is copied.
"""

import sqlite3

from sqlalchemy import URL, text

from sqlalchemy_stairway.check.engines import make_engine


def copy_database(source: URL, target: URL) -> None:
    """Make the database at ``target`` an exact copy of the one at ``source``."""
    backend = source.get_backend_name()
    if backend == "sqlite":
        copy_sqlite(source.database, target.database)
    elif backend == "postgresql":
        copy_postgresql(source, target)
    else:
        copy_mariadb(source, target)


def copy_sqlite(source: str, target: str) -> None:
    with sqlite3.connect(source) as reading, sqlite3.connect(target) as writing:
        reading.backup(writing)
    reading.close()
    writing.close()


def server_admin(url: URL):
    return make_engine(url, for_migrations=True).execution_options(isolation_level="AUTOCOMMIT")


def copy_postgresql(source: URL, target: URL) -> None:
    admin = server_admin(source)
    quote = admin.dialect.identifier_preparer.quote
    old, new = quote(source.database), quote(target.database)
    try:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {new} WITH (FORCE)"))
            connection.execute(text(f"CREATE DATABASE {new} TEMPLATE {old}"))
    finally:
        admin.dispose()


def copy_mariadb(source: URL, target: URL) -> None:
    admin = server_admin(source)
    quote = admin.dialect.identifier_preparer.quote
    old, new = quote(source.database), quote(target.database)
    try:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {new}"))
            connection.execute(text(f"CREATE DATABASE {new}"))
            connection.exec_driver_sql("SET SESSION foreign_key_checks = 0")
            objects = connection.exec_driver_sql(f"SHOW FULL TABLES FROM {old}").all()
            views = []
            for name, kind in objects:
                if kind == "VIEW":
                    views.append(name)
                    continue
                created = connection.exec_driver_sql(f"SHOW CREATE TABLE {old}.{quote(name)}")
                connection.exec_driver_sql(f"USE {new}")
                connection.exec_driver_sql(created.one()[1])
                if kind == "BASE TABLE":
                    connection.exec_driver_sql(
                        f"INSERT INTO {new}.{quote(name)} SELECT * FROM {old}.{quote(name)}"
                    )
            for name in views:
                created = connection.exec_driver_sql(f"SHOW CREATE VIEW {old}.{quote(name)}")
                connection.exec_driver_sql(f"USE {new}")
                connection.exec_driver_sql(created.one()[1].replace(f"{old}.", f"{new}."))
            connection.exec_driver_sql("SET SESSION foreign_key_checks = 1")
    finally:
        admin.dispose()

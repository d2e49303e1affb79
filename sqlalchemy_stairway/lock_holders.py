"""Who holds the lock a statement gave up waiting for, asked of the server at that moment.

A statement that times out waiting for a lock says only that it waited.
The table it names may not be the one locked: a catalog query of a
schema read (PostgreSQL's ``pg_catalog.pg_attrdef``), or a table MariaDB
locks along with the one asked for (``LOCK TABLES `order` WRITE`` also
locks ``item``, whose foreign key points at it).  So when a statement
gives up, a second connection asks the server which other sessions hold
locks on the database's tables, and who they are:

- PostgreSQL: ``pg_locks`` and ``pg_stat_activity``.  A read waits only
  for ``ACCESS EXCLUSIVE``; any other statement for the locks on the
  tables it names, else on any table.
- MariaDB: ``information_schema.METADATA_LOCK_INFO`` when the server has
  that plugin, else the tables ``LOCK TABLES`` holds (``SHOW OPEN
  TABLES``) and the transactions open in other connections to the same
  database (``INNODB_TRX``): which of them holds which lock, the server cannot tell.

:func:`watch_lock_waits` attaches what was found to the error, where
:func:`sqlalchemy_stairway.locking.lock_conflict` reads it.
"""

from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, event, text

READS = ("SELECT", "WITH", "SHOW")
FOUND = "lock_holders"  # the attribute of the error that carries a LockHolders


@dataclass(frozen=True)
class LockHolders:
    """What the server said: the tables others hold locks on, and who holds them."""

    tables: list[str] = field(default_factory=list)
    holders: list[str] = field(default_factory=list)
    certain: bool = True  # False: sessions with a transaction open, not known to hold it


def watch_lock_waits(engine: Engine, gave_up_waiting) -> None:
    """Attach a :class:`LockHolders` to every error of ``engine`` that gave up waiting for a lock.

    ``gave_up_waiting(exc)`` tells such an error.  SQLite has one lock for
    the whole file, and nobody to name: nothing is attached there.
    """
    if engine.dialect.name not in ("postgresql", "mysql"):
        return

    @event.listens_for(engine, "before_execute")
    def keep_error_events(conn, clauseelement, multiparams, params, execution_options) -> None:
        # SQLAlchemy's MySQL dialect reflects a table with
        # connection.execution_options(skip_user_error_events=True), which sets
        # the option on the connection for good: no error after the first
        # reflection would reach the listener below
        if conn.get_execution_options().get("skip_user_error_events"):
            conn.execution_options(skip_user_error_events=False)

    @event.listens_for(engine, "handle_error")
    def name_the_holders(context) -> None:
        exc = context.sqlalchemy_exception
        if exc is None or not gave_up_waiting(exc):
            return
        me = _session_id(context)
        try:
            with engine.connect() as asking:
                found = ask_who_holds(asking, me, context.statement or "")
                asking.rollback()
        except Exception:  # naming the holder is a courtesy; the lock error says enough
            return
        setattr(exc, FOUND, found)


def ask_who_holds(connection: Connection, me: int | None, statement: str) -> LockHolders:
    """Ask the server who, other than session ``me``, holds locks ``statement`` may wait for."""
    if connection.dialect.name == "postgresql":
        return _postgresql(connection, me, statement)
    return _mariadb(connection, me)


def _session_id(context) -> int | None:
    """The server's id of the session whose statement gave up."""
    try:
        dbapi = context.connection.connection.dbapi_connection
    except Exception:
        return None
    info = getattr(dbapi, "info", None)  # psycopg
    if info is not None:
        return info.backend_pid
    thread_id = getattr(dbapi, "thread_id", None)  # PyMySQL
    return thread_id() if callable(thread_id) else None


# -- PostgreSQL -------------------------------------------------------------------------

POSTGRESQL_LOCKS = text("""
    SELECT c.relname, l.mode, a.pid, a.usename, a.application_name,
           host(a.client_addr) AS client, a.state,
           floor(extract(epoch FROM now() - coalesce(a.xact_start, a.query_start)))::int
    FROM pg_locks l
    JOIN pg_class c ON c.oid = l.relation
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_stat_activity a ON a.pid = l.pid
    WHERE l.locktype = 'relation' AND l.granted AND l.pid <> :me
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND c.relkind IN ('r', 'p')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
    ORDER BY c.relname, a.pid
""")


def _postgresql(connection: Connection, me: int | None, statement: str) -> LockHolders:
    from sqlalchemy_stairway.locking import statement_tables

    found = connection.execute(POSTGRESQL_LOCKS, {"me": me or 0}).all()
    if statement.lstrip().upper().startswith(READS):
        found = [row for row in found if row.mode == "AccessExclusiveLock"]
    named = set(statement_tables(statement))
    if named & {row.relname for row in found}:
        found = [row for row in found if row.relname in named]
    holders = {}
    for row in found:
        holders.setdefault(row.pid, _postgresql_session(row))
    return LockHolders(sorted({row.relname for row in found}), list(holders.values()))


def _postgresql_session(row) -> str:
    said = [f"user {row.usename}"]
    if row.client:
        said.append(f"from {row.client}")
    if row.application_name:
        said.append(f"application {row.application_name}")
    if row.state:
        said.append(f"{row.state} for {_seconds(row[7])}")
    return f"PostgreSQL session {row.pid} ({', '.join(said)})"


# -- MariaDB ----------------------------------------------------------------------------

MARIADB_SESSIONS = text("""
    SELECT p.ID, p.USER, p.HOST, p.COMMAND, t.trx_tables_locked,
           TIMESTAMPDIFF(SECOND, t.trx_started, NOW())
    FROM information_schema.INNODB_TRX t
    JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id
    WHERE p.ID <> :me AND p.DB = DATABASE()  -- not other databases' clients
    ORDER BY p.ID
""")


def _mariadb(connection: Connection, me: int | None) -> LockHolders:
    me = me or 0
    if _has_metadata_lock_info(connection):
        found = connection.execute(
            text(
                "SELECT DISTINCT THREAD_ID, TABLE_NAME FROM information_schema.METADATA_LOCK_INFO "
                "WHERE TABLE_SCHEMA = DATABASE() AND THREAD_ID <> :me AND TABLE_NAME <> '' "
                "ORDER BY TABLE_NAME"
            ),
            {"me": me},
        ).all()
        threads = sorted({row[0] for row in found})
        sessions = {row[0]: row for row in connection.execute(MARIADB_SESSIONS, {"me": me})}
        return LockHolders(
            sorted({row[1] for row in found}),
            [_mariadb_session(sessions.get(thread), thread) for thread in threads],
        )
    database = connection.execute(text("SELECT DATABASE()")).scalar()
    quoted = connection.dialect.identifier_preparer.quote(database)
    in_use = connection.exec_driver_sql(f"SHOW OPEN TABLES FROM {quoted} WHERE In_use > 0").all()
    tables = sorted(row[1] for row in in_use)
    sessions = connection.execute(MARIADB_SESSIONS, {"me": me}).all()
    locking = [row for row in sessions if row[4]]  # InnoDB table locks: LOCK TABLES
    if tables and locking:
        return LockHolders(tables, [_mariadb_session(row, row[0]) for row in locking])
    return LockHolders(tables, [_mariadb_session(row, row[0]) for row in sessions], certain=False)


def _has_metadata_lock_info(connection: Connection) -> bool:
    return bool(
        connection.execute(
            text(
                "SELECT 1 FROM information_schema.PLUGINS "
                "WHERE PLUGIN_NAME = 'METADATA_LOCK_INFO' AND PLUGIN_STATUS = 'ACTIVE'"
            )
        ).first()
    )


def _mariadb_session(row, thread: int) -> str:
    if row is None:
        return f"MariaDB connection {thread}"
    host = (row[2] or "").rsplit(":", 1)[0]
    said = f"user {row[1]}" + (f" from {host}" if host else "")
    return f"MariaDB connection {thread} ({said}, in a transaction for {_seconds(row[5])})"


def _seconds(value) -> str:
    seconds = int(value or 0)
    return f"{seconds} s" if seconds < 120 else f"{seconds // 60} min"

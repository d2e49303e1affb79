"""Scratch databases: made beside a server's own, used, and dropped."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import URL, text

from sqlalchemy_stairway.check.engines import first_line, make_engine, parse_url, redact
from sqlalchemy_stairway.check.errors import StairwayError
from sqlalchemy_stairway.check.file_lock import lock_file


@contextmanager
def scratch_database(server_url: str | URL, tmp_dir: Path | None = None) -> Iterator[URL]:
    """Create an empty database next to ``server_url``'s, yield its URL, drop it.

    On SQLite the scratch database is a new file in ``tmp_dir`` (or beside
    the given file); on PostgreSQL and MariaDB it is a new database on the
    same server, named ``stairway_<random>``, so ``server_url``'s own
    database is never touched.
    """
    parsed = parse_url(server_url) if isinstance(server_url, str) else server_url
    name = f"stairway_{uuid.uuid4().hex[:12]}"
    if parsed.get_backend_name() == "sqlite":
        folder = tmp_dir or Path(parsed.database or ".").resolve().parent
        path = folder / f"{name}.db"
        try:
            yield parsed.set(database=str(path))
        finally:
            path.unlink(missing_ok=True)
            lock_file(path).unlink(missing_ok=True)  # nobody else knows this file
        return

    admin = make_engine(parsed, for_migrations=True).execution_options(isolation_level="AUTOCOMMIT")
    quoted = admin.dialect.identifier_preparer.quote(name)
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {quoted}"))
    except Exception as exc:  # a server that does not answer, a refused login...
        admin.dispose()
        raise StairwayError(
            f"cannot create a scratch database on {redact(parsed)}: {first_line(exc)}"
        ) from None
    try:
        yield parsed.set(database=name)
    finally:
        with admin.connect() as conn:
            if admin.dialect.name == "postgresql":
                conn.execute(text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
            else:
                conn.execute(text(f"DROP DATABASE IF EXISTS {quoted}"))
        admin.dispose()

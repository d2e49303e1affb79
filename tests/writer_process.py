"""A client process that writes to the stage 3 tables until told to stop.

    python -m tests.writer_process URL CLIENT RECORD STOP

Client ``CLIENT`` loops: a new user with a password, a new password for
its own user ``cCLIENT`` (there from the start), an address for the new
user, each statement committed on its own.  Each write that committed is
appended to the file RECORD as a JSON line, after its COMMIT returned, so
the file holds exactly what the client was told is committed.  A write
that fails (a lock it waited for too long, a table renamed away) is
recorded with its error.  The loop ends once the file STOP exists.
"""

import json
import sys
import time
from pathlib import Path

from sqlalchemy import text

from sqlalchemy_stairway.check.engines import make_engine

LOCK_WAIT = 20  # seconds: outlasts the migration's locks in the tests that run this
PAUSE_AFTER_ERROR = 0.05


def writes(client: int, step: int) -> list[tuple[str, str, dict, dict]]:
    """Return (kind, statement, parameters, what it means) for one loop of ``client``."""
    name, password = f"c{client}-{step}", f"p{step}"
    return [
        (
            "user",
            "INSERT INTO users (user_name, password) VALUES (:name, :password)",
            {"name": name, "password": password},
            {"name": name, "password": password},
        ),
        (
            "password",
            "UPDATE users SET password = :password WHERE user_name = :name",
            {"name": f"c{client}", "password": f"u{step}"},
            {"name": f"c{client}", "password": f"u{step}"},
        ),
        (
            "address",
            "INSERT INTO email_addresses (email_address, user_id) "
            "SELECT :email, user_id FROM users WHERE user_name = :name",
            {"email": f"{name}@example.com", "name": name},
            {"email": f"{name}@example.com"},
        ),
    ]


def session_settings(dialect: str) -> str | None:
    if dialect == "postgresql":
        return f"SET lock_timeout = '{LOCK_WAIT}s'"
    if dialect == "mysql":
        return (
            f"SET SESSION innodb_lock_wait_timeout = {LOCK_WAIT}, lock_wait_timeout = {LOCK_WAIT}"
        )
    return None


def main(url: str, client: int, record: Path, stop: Path) -> None:
    engine = make_engine(url)
    with engine.connect() as connection, record.open("a") as out:
        setting = session_settings(connection.dialect.name)
        if setting:
            connection.execute(text(setting))
            connection.commit()
        step = 0
        while not stop.exists():
            step += 1
            for kind, statement, parameters, meaning in writes(client, step):
                try:
                    result = connection.execute(text(statement), parameters)
                    connection.commit()
                except Exception as exc:  # not committed: say why, and go on
                    connection.rollback()
                    error = str(getattr(exc, "orig", exc)).splitlines()[0]
                    out.write(json.dumps({"kind": kind, "error": error, **meaning}) + "\n")
                    out.flush()
                    time.sleep(PAUSE_AFTER_ERROR)
                    continue
                if result.rowcount:
                    out.write(json.dumps({"kind": kind, "committed": True, **meaning}) + "\n")
                    out.flush()
    engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))

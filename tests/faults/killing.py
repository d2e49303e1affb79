"""Run an Invoke task and kill it (SIGKILL) just before its K-th write statement.

    python tests/faults/killing.py K -- stage 4 --url URL --yes --no-lesson

A write is any statement that changes the database: DDL or DML, the
``alembic_version`` stamp included; reads, PRAGMA and SET are not counted.
K = 0 kills nothing.  Either way the task runs in this process, exactly as
``invoke`` runs it, and the last line on stderr is either

    killing: before write K: <the statement>
    writes: N

so a first run with K = 0 tells how many writes the task makes, and a run
with K <= N is killed before its last one.  Production code has no such
switch: the kill comes from an event listener this file installs.

``--serve`` keeps one process with everything imported and forks a child
per request (a JSON line on stdin: ``{"kill_at": K, "args": [...], "output":
path}``; the answer, a JSON line on stdout: ``{"returncode": ...}``, -9 for
a SIGKILL): a fresh interpreter per run would cost two seconds of imports.

Passwords are hashed at a few iterations: the tests are about where a
process dies, not what a hash costs.
"""

import json
import os
import signal
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
WRITE_VERBS = ("CREATE", "ALTER", "DROP", "INSERT", "UPDATE", "DELETE", "RENAME", "TRUNCATE")
CHEAP_ITERATIONS = 10


def is_write(statement: str) -> bool:
    words = statement.lstrip().split(None, 1)
    return bool(words) and words[0].upper() in WRITE_VERBS


def arm(kill_at: int) -> list[int]:
    """Count writes on every engine; SIGKILL this process just before write ``kill_at``."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    count = [0]

    @event.listens_for(Engine, "before_cursor_execute")
    def count_writes(conn, cursor, statement, parameters, context, executemany) -> None:
        if not is_write(statement):
            return
        count[0] += 1
        if count[0] == kill_at:
            said = " ".join(statement.split())[:200]
            os.write(2, f"\nkilling: before write {kill_at}: {said}\n".encode())
            os.kill(os.getpid(), signal.SIGKILL)

    return count


def hash_cheaply() -> None:
    """Give every migration a low PBKDF2 iteration count unless the caller set one."""
    from sqlalchemy_stairway.stages import Stairway

    original = Stairway.alembic_config

    def alembic_config(self, **attributes):
        attributes.setdefault("password_iterations", CHEAP_ITERATIONS)
        return original(self, **attributes)

    Stairway.alembic_config = alembic_config


def preload() -> None:
    """Import what every task imports, so a forked child starts at once."""
    os.chdir(PROJECT)
    sys.path.insert(0, str(PROJECT))
    import alembic.command  # noqa: F401
    import invoke  # noqa: F401

    import tasks  # noqa: F401
    from scripts.stages import STAIRWAY  # noqa: F401
    from sqlalchemy_stairway import consent, guards, migrate, seeding  # noqa: F401

    hash_cheaply()


def run_task(kill_at: int, args: list[str]) -> int:
    """Run ``invoke ARGS`` in this process; return its exit status."""
    from invoke import Program

    count = arm(kill_at)
    try:
        Program().run(["invoke", *args])
        status = 0
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else 1
    sys.stdout.flush()
    sys.stderr.flush()
    os.write(2, f"\nwrites: {count[0]}\n".encode())
    return status


def run_forked(kill_at: int, args: list[str], output: str) -> int:
    """Run the task in a forked child writing to ``output``; return as subprocess would."""
    pid = os.fork()
    if pid == 0:
        try:
            fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            status = run_task(kill_at, args)
        except BaseException as exc:  # the child must never return into the server's loop
            os.write(2, f"\nthe child failed: {exc!r}\n".encode())
            status = 70
        os._exit(status)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def serve() -> None:
    preload()
    for line in sys.stdin:
        request = json.loads(line)
        returncode = run_forked(request["kill_at"], request["args"], request["output"])
        print(json.dumps({"returncode": returncode}), flush=True)


def main(argv: list[str]) -> int:
    if argv == ["--serve"]:
        serve()
        return 0
    if len(argv) < 2 or argv[1] != "--" or not argv[0].isdigit():
        print("usage: killing.py K -- TASK ARGS...   (or: killing.py --serve)", file=sys.stderr)
        return 2
    preload()
    return run_task(int(argv[0]), argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

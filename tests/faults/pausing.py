"""Run `invoke ...` and stop it (SIGSTOP) just before a given statement, holding its locks.

    python tests/faults/pausing.py 'ALTER TABLE email_addresses' invoke stage 4 --url URL

Before the first statement that starts with the given text, this process
sends itself SIGSTOP: it stands still there, in the middle of its run,
with the migration lock and every table lock it took, until the test
sends SIGCONT; then it runs on to its end.  The test learns that it
stopped from ``waitpid(..., WUNTRACED)``, not from a guess at how long
that takes.  Production code has no such switch: the stop comes from an
event listener this file installs.
"""

import os
import signal
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def arm(prefix: str) -> None:
    """Stop this process just before the first statement starting with ``prefix``."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    fired = []

    @event.listens_for(Engine, "before_cursor_execute")
    def stop(conn, cursor, statement, parameters, context, executemany) -> None:
        if not fired and statement.lstrip().upper().startswith(prefix.upper()):
            fired.append(statement)
            os.kill(os.getpid(), signal.SIGSTOP)


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[1] != "invoke":
        print("usage: pausing.py STATEMENT-START invoke ARGS...", file=sys.stderr)
        return 2
    os.chdir(PROJECT)
    sys.path.insert(0, str(PROJECT))
    sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]
    from tests.faults.interrupting import run
    from tests.faults.killing import hash_cheaply

    hash_cheaply()
    arm(argv[0])
    return run(argv[1], argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Run `invoke ...` or `alembic ...` and press Ctrl-C just before a given statement.

    python tests/faults/interrupting.py 'ALTER TABLE email_addresses' invoke stage 4 --url URL
    python tests/faults/interrupting.py 'ALTER TABLE email_addresses' alembic upgrade 0004

Before the first statement that starts with the given text, this process
sends itself SIGINT: Python raises KeyboardInterrupt there, exactly as when
a person presses Ctrl-C, and the command runs on from that point as it
would.  Production code has no such switch: the interrupt comes from an
event listener this file installs.
"""

import os
import signal
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def arm(prefix: str) -> None:
    """Send this process SIGINT just before the first statement starting with ``prefix``."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    fired = []

    @event.listens_for(Engine, "before_cursor_execute")
    def interrupt(conn, cursor, statement, parameters, context, executemany) -> None:
        if not fired and statement.lstrip().upper().startswith(prefix.upper()):
            fired.append(statement)
            os.kill(os.getpid(), signal.SIGINT)


def run(command: str, args: list[str]) -> int:
    """Run ``command ARGS`` in this process, as its own script does; return its exit status."""
    try:
        if command == "invoke":
            from invoke import Program

            Program().run(["invoke", *args])
        else:
            from alembic.config import main

            main(argv=args, prog="alembic")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    return 0


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[1] not in ("invoke", "alembic"):
        print("usage: interrupting.py STATEMENT-START invoke|alembic ARGS...", file=sys.stderr)
        return 2
    os.chdir(PROJECT)
    sys.path.insert(0, str(PROJECT))
    sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]
    arm(argv[0])
    return run(argv[1], argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

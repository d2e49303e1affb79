"""The ``stairway`` command: ``stairway check`` for any Alembic project.

Exit status: 0 no defect, 1 defect(s) found, 2 a usage or connection error
(one line on stderr), 3 a failure of stairway itself (one line asking for a
report).  Warnings never change it.
"""

import argparse
import contextlib
import sys
import traceback
from pathlib import Path

from sqlalchemy_stairway.check.errors import StairwayError


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="stairway", description=__doc__.splitlines()[0])
    commands = top.add_subparsers(dest="command", required=True)
    check = commands.add_parser(
        "check",
        help="run the migration checks on an Alembic project, in scratch databases",
        description="Every revision up with data, down to exactly where it was, up again; "
        "the head against the models; offline SQL; squawk; the revision files.",
    )
    check.add_argument(
        "--config", default="alembic.ini", help="the project's alembic.ini (default: ./alembic.ini)"
    )
    check.add_argument(
        "--url",
        action="append",
        help="a server to make scratch databases on (SQLite: a folder or file); repeat for "
        "several dialects; its own database is never written (default: a SQLite file here)",
    )
    check.add_argument(
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help="check up to N of the --url servers at once, each in a process of its own",
    )
    check.add_argument("--hooks", help="a Python file of hooks (default: [stairway] hooks)")
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.add_argument("--junit-xml", metavar="FILE", help="also write a JUnit XML report")
    check.add_argument("--no-squawk", action="store_true", help="leave squawk out")
    check.add_argument(
        "--ships-offline-sql",
        action="store_true",
        help="the project deploys with `alembic upgrade --sql`: offline SQL that fails is a "
        "defect, not a warning (default: alembic.ini's [stairway] ships_offline_sql)",
    )
    check.add_argument("-v", "--verbose", action="store_true", help="show passed checks too")
    check.set_defaults(run=run_check)
    return top


def server_url(given: str) -> str:
    """A URL as given; a bare path (a folder or a file) is a SQLite server."""
    if "://" in given:
        return given
    path = Path(given)
    if path.is_dir():
        return f"sqlite:///{path.resolve() / 'stairway.db'}"
    return f"sqlite:///{path.resolve()}"


def run_check(args: argparse.Namespace) -> int:
    from sqlalchemy_stairway.check.hooks import hooks_file, load_hooks
    from sqlalchemy_stairway.check.project import Project
    from sqlalchemy_stairway.check.project_checks import check_project
    from sqlalchemy_stairway.check.reports import (
        as_json,
        as_junit_xml,
        as_text,
        not_compared_note,
    )

    if args.jobs < 1:
        raise StairwayError(f"--jobs {args.jobs}: give 1 or more")
    project = Project(args.config)
    hooks = load_hooks(hooks_file(project.ini, args.hooks))
    # by default a SQLite server in the project's folder: scratch files, made and removed there
    urls = [server_url(u) for u in (args.url or [str(project.ini.parent)])]
    progress = (lambda line: print(line, file=sys.stderr)) if args.verbose else None
    if progress is None and sys.stderr.isatty():
        progress = terminal_progress
    # a revision's own print() must not reach stdout: it would corrupt --format json
    with contextlib.redirect_stdout(sys.stderr):
        report = check_project(
            project,
            urls,
            hooks,
            use_squawk=not args.no_squawk,
            ships_offline_sql=True if args.ships_offline_sql else None,
            progress=progress or (lambda _: None),
            jobs=args.jobs,
        )
    if progress is terminal_progress:
        print("\r\033[K", end="", file=sys.stderr, flush=True)
    note = not_compared_note(report)
    if note:
        print(note, file=sys.stderr)
    print(as_json(report) if args.format == "json" else as_text(report, verbose=args.verbose))
    if args.junit_xml:
        Path(args.junit_xml).write_text(as_junit_xml(report), encoding="utf-8")
    return report.exit_status


def terminal_progress(line: str) -> None:
    """One line rewritten in place on stderr: dialect, revision i of N, elapsed."""
    print(f"\r\033[K{line}", end="", file=sys.stderr, flush=True)


def internal_error(exc: BaseException) -> str:
    """One line for a failure of stairway itself, where it happened, asking for a report."""
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" at {Path(frame.filename).name}:{frame.lineno}" if frame else ""
    return (
        f"internal error: {type(exc).__name__}: {exc}{where}; this is a bug in stairway, "
        "please report it with the command you ran"
    )


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except StairwayError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted; the scratch databases were dropped", file=sys.stderr)
        return 2
    except Exception as exc:
        print(internal_error(exc), file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())

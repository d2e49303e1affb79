"""Asking a person before data is destroyed: y/N in a terminal, ``--yes`` elsewhere.

The losses are counted under the migration lock, so that a run in
progress finishes first and what it left is counted (a count taken while
another run is half-way reads tables it is changing).  The question is
asked once the lock is released (nobody waits on a person typing); what
the person agreed to travels with the run as an allowance, and the
revisions count again under the lock (see :mod:`sqlalchemy_stairway.losses`).
Without a terminal there is nobody to
ask: the run refuses unless it was given ``--yes``.
"""

import sys
from collections.abc import Callable, Mapping

from rich.console import Console
from sqlalchemy import Connection

from sqlalchemy_stairway.check.errors import StairwayError
from sqlalchemy_stairway.losses import describe, planned_losses
from sqlalchemy_stairway.stages import Stage, Stairway

DECLINED = "You said no: nothing was changed."


def interactive() -> bool:
    """True when a person is at a terminal to answer (stdin and stdout are both terminals)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


class Declined(StairwayError):
    """The person said no: an answer, not an error (said without "error:")."""


def ask(console: Console, question: str, read: Callable[[str], str] | None = None) -> bool:
    """Ask a yes/no question whose default is no; return True for yes."""
    read = read or console.input
    try:
        answer = read(f"{question} \\[y/N] ")
    except (EOFError, KeyboardInterrupt):
        console.print()
        return False
    return answer.strip().lower() in ("y", "yes")


def agree_to_losses(
    stairway: Stairway,
    connection: Connection,
    start: Stage,
    target: Stage,
    *,
    yes: bool,
    console: Console,
    read: Callable[[str], str] | None = None,
) -> bool | Mapping[str, int]:
    """Return the allowance for moving from ``start`` to ``target``.

    True with ``yes``; False when nothing would be lost; the losses
    themselves, ``{what: rows}``, when a person at a terminal said yes.
    Raise :class:`Declined` when they said no, and a StairwayError naming
    the losses and ``--yes`` when there is nobody to ask.
    """
    if yes:
        return True
    losses = planned_losses(stairway, connection, start, target)
    return ask_about_losses(start, target, losses, console=console, read=read)


def ask_about_losses(
    start: Stage,
    target: Stage,
    losses: Mapping[str, int],
    *,
    console: Console,
    read: Callable[[str], str] | None = None,
) -> bool | Mapping[str, int]:
    """Ask a person to agree to ``losses``, counted already (under the lock, by the caller).

    False when nothing would be lost; the losses when the person said yes.
    Raise :class:`Declined` when they said no, and a StairwayError naming
    the losses and ``--yes`` when there is nobody to ask.
    """
    if not losses:
        return False
    move = f"going from stage {start.number} to stage {target.number}"
    if read is None and not interactive():
        raise StairwayError(
            f"{move} would lose {describe(losses)}; run it again with --yes to accept. "
            "Nothing was changed."
        )
    console.print(f"[bold]{move[0].upper()}{move[1:]} loses {describe(losses)}.[/]")
    if not ask(console, "Lose them?", read):
        raise Declined(DECLINED)
    return losses


def agree_to_discard(
    console: Console,
    what: str,
    *,
    yes: bool,
    refusal: str,
    read: Callable[[str], str] | None = None,
) -> None:
    """Ask before discarding ``what``; raise unless the person (or ``yes``) agreed.

    ``refusal`` is the error when there is nobody to ask.
    """
    if yes:
        return
    if read is None and not interactive():
        raise StairwayError(refusal)
    if not ask(console, f"Discard {what}?", read):
        raise Declined(DECLINED)

"""One key at a time from a terminal, without Enter, the terminal restored on every way out.

A pause that says "l: the lesson · q: stop" should act on ``l`` and
``q`` as they are pressed.  The terminal goes into cbreak mode for the
read (keys arrive one by one, not echoed; Ctrl-C still interrupts) and
back to how it was afterwards, whether a key came, Ctrl-C was pressed or
anything else went wrong.  Where there is no terminal (or no termios, on
Windows) a line is read instead.
"""

import os
import select
import sys
from collections.abc import Callable

from rich.console import Console

ENTER = ""  # what a reader returns for Enter, as a line reader returns an empty line
CTRL_D = "\x04"


def single_keys() -> bool:
    """True when keys can be read one at a time: stdin is a terminal with termios."""
    try:
        import termios  # noqa: F401
    except ImportError:
        return False
    return sys.stdin.isatty()


def key_reader(console: Console) -> Callable[[str], str]:
    """Return a function that prints a prompt and returns the key pressed (a line elsewhere).

    Enter is returned as ``""``, Ctrl-D raises EOFError, Ctrl-C raises
    KeyboardInterrupt, as with :func:`input`.
    """
    if not single_keys():
        return console.input

    def read(prompt: str) -> str:
        console.print(prompt, end="")
        key = read_key(sys.stdin.fileno())
        if key == CTRL_D:
            raise EOFError
        console.print(key if key.isprintable() else "", highlight=False)  # cbreak does not echo
        return ENTER if key in ("\r", "\n") else key

    return read


def read_key(fd: int) -> str:
    """Return one key pressed on terminal ``fd``, in cbreak mode, restoring the terminal after."""
    import termios
    import tty

    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        pressed = os.read(fd, 1)
        if pressed[0] == 0x1B or pressed[0] >= 0xC0:
            # the rest of a key that sends several bytes (an arrow, an accented letter);
            # keys typed ahead (Enter, Enter) stay for the next pauses
            while select.select([fd], [], [], 0.01)[0]:
                pressed += os.read(fd, 1)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
    return pressed.decode("utf-8", errors="replace")

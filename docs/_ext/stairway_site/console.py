"""A lexer for the lessons' ```console sessions: `$` commands, then what they printed.

Pygments' own console lexer reads the output as shell too, and gives up
at the first unbalanced quote an Alembic log line or a printed revision
holds; here only the command lines are shell, the rest is output as is.
"""

from typing import ClassVar

from pygments.lexer import RegexLexer, bygroups, using
from pygments.lexers.shell import BashLexer
from pygments.token import Generic


class SessionLexer(RegexLexer):
    name = "Shell session (commands and their output)"
    aliases: ClassVar[list[str]] = ["console"]

    tokens: ClassVar[dict] = {
        "root": [
            (r"^(\$ )(.*\n?)", bygroups(Generic.Prompt, using(BashLexer))),
            # never an empty match: the lexer would stand still on it
            (r".*\n", Generic.Output),
            (r".+", Generic.Output),
        ]
    }


def setup(app) -> None:
    app.add_lexer("console", SessionLexer)

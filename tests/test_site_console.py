"""The lessons' console sessions in the site: commands as shell, the rest as output."""

import sys

from pygments.token import Generic

from tests.helpers import PROJECT

sys.path.insert(0, str(PROJECT / "docs" / "_ext"))
from stairway_site.console import SessionLexer


def test_a_session_with_an_unbalanced_quote_in_its_output_is_lexed_to_the_end():
    text = "$ alembic heads\nINFO  [x] Running upgrade -> 0001, the tutorial's users\n0005 (head)"
    tokens = list(SessionLexer().get_tokens(text))
    assert tokens[0] == (Generic.Prompt, "$ ")
    output = "".join(value for kind, value in tokens if kind is Generic.Output)
    assert "the tutorial's users\n" in output and "0005 (head)" in output
    assert "".join(value for _, value in tokens) == text + "\n"

"""Asking before data is lost (sqlalchemy_stairway.consent): y/N, or --yes without a terminal."""

import pytest
from rich.console import Console

from scripts.stages import STAIRWAY
from sqlalchemy_stairway.check.errors import StairwayError
from sqlalchemy_stairway.consent import Declined, agree_to_discard, agree_to_losses
from tests.helpers import climb


def quiet() -> Console:
    return Console(record=True, width=120, color_system=None)


def test_yes_at_the_prompt_agrees_to_exactly_what_was_shown(connection):
    head, below = STAIRWAY.head, STAIRWAY.previous(STAIRWAY.head)
    climb(connection, head)
    console = quiet()
    asked = []
    agreed = agree_to_losses(
        STAIRWAY,
        connection,
        head,
        below,
        yes=False,
        console=console,
        read=lambda prompt: asked.append(prompt) or "y",
    )
    assert isinstance(agreed, dict) and agreed
    assert asked and asked[0].endswith("\\[y/N] ")
    shown = console.export_text()
    assert all(what in shown for what in agreed)


@pytest.mark.parametrize("answer", ["", "n", "no", "anything"])
def test_anything_but_yes_is_no(connection, answer):
    head, below = STAIRWAY.head, STAIRWAY.previous(STAIRWAY.head)
    climb(connection, head)
    with pytest.raises(Declined, match="nothing was changed"):
        agree_to_losses(
            STAIRWAY, connection, head, below, yes=False, console=quiet(), read=lambda _: answer
        )


def test_without_a_terminal_the_losses_are_named_with_yes(connection):
    head, below = STAIRWAY.head, STAIRWAY.previous(STAIRWAY.head)
    climb(connection, head)
    with pytest.raises(StairwayError, match=r"would lose .*; run it again with --yes"):
        agree_to_losses(STAIRWAY, connection, head, below, yes=False, console=quiet())
    assert agree_to_losses(STAIRWAY, connection, head, below, yes=True, console=quiet()) is True


def test_moving_up_asks_nothing(connection):
    first = STAIRWAY[1]
    climb(connection, first)
    agreed = agree_to_losses(
        STAIRWAY,
        connection,
        first,
        STAIRWAY.head,
        yes=False,
        console=quiet(),
        read=lambda _: pytest.fail("asked"),
    )
    assert agreed is False


def test_discarding_asks_and_refuses_without_an_answer():
    with pytest.raises(StairwayError, match="use --yes"):
        agree_to_discard(quiet(), "it", yes=False, refusal="use --yes")
    with pytest.raises(Declined):
        agree_to_discard(quiet(), "it", yes=False, refusal="", read=lambda _: "n")
    agree_to_discard(quiet(), "it", yes=False, refusal="", read=lambda _: "y")
    agree_to_discard(quiet(), "it", yes=True, refusal="")

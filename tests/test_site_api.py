"""The API reference's directives: operations as a revision calls them, options as typed."""

import argparse
from collections.abc import Mapping

from sqlalchemy import Select

from sqlalchemy_stairway.hashing import PrehashColumnOp
from sqlalchemy_stairway.ops import BlockWritersOp, ConfirmDataLossOp
from stairway_site.api import (
    IniRecorder,
    operation_signature,
    option_synopsis,
    resolve,
    short_annotation,
)


def test_annotations_are_written_without_their_modules() -> None:
    assert short_annotation(Mapping[str, Select]) == "Mapping[str, Select]"
    assert short_annotation(int | None) == "int | None"


def test_an_operation_is_signed_as_a_revision_calls_it_without_operations() -> None:
    assert (
        operation_signature(ConfirmDataLossOp.confirm_data_loss)
        == "(losses: Mapping[str, Select]) -> None"
    )
    assert operation_signature(BlockWritersOp.block_writers) == "(*tables: str) -> None"
    assert operation_signature(PrehashColumnOp.prehash_column) == (
        "(table: str, source: str, *, key: str, check_first: Callable[[], None] | None = None) "
        "-> Prehashed | None"
    )


def test_dotted_names_resolve_through_modules_then_attributes() -> None:
    assert resolve("sqlalchemy_stairway.ops.BlockWritersOp") is BlockWritersOp


def test_options_are_shown_with_their_values_name() -> None:
    parser = argparse.ArgumentParser()
    jobs = parser.add_argument("--jobs", metavar="N")
    verbose = parser.add_argument("-v", "--verbose", action="store_true")
    hooks = parser.add_argument("--hooks")
    assert option_synopsis(jobs) == "--jobs N"
    assert option_synopsis(verbose) == "-v, --verbose"
    assert option_synopsis(hooks) == "--hooks HOOKS"


def test_the_pytest_plugins_ini_options_are_recorded() -> None:
    from sqlalchemy_stairway.check import pytest_plugin

    recorder = IniRecorder()
    pytest_plugin.pytest_addoption(recorder)
    names = [name for name, *_ in recorder.options]
    assert names == ["stairway_config", "stairway_urls", "stairway_hooks", "stairway_squawk"]

"""A project's hooks file, loaded as the checks use it."""

import gc
import os

from sqlalchemy_stairway.check.hooks import load_hooks


def test_what_a_hooks_file_sets_up_at_its_top_level_lasts_the_whole_check(tmp_path, monkeypatch):
    """Dagster's glue enters ``upgrading_instance(...)`` once, for every revision to come."""
    monkeypatch.delenv("UPGRADING_INSTANCE", raising=False)
    path = tmp_path / "hooks.py"
    path.write_text(
        "import contextlib\n"
        "import os\n\n\n"
        "@contextlib.contextmanager\n"
        "def upgrading():\n"
        "    os.environ['UPGRADING_INSTANCE'] = 'set'\n"
        "    try:\n"
        "        yield\n"
        "    finally:\n"
        "        os.environ.pop('UPGRADING_INSTANCE', None)\n\n\n"
        "UPGRADING = upgrading()\n"
        "UPGRADING.__enter__()\n",
        encoding="utf-8",
    )
    hooks = load_hooks(path)
    gc.collect()
    assert os.environ.get("UPGRADING_INSTANCE") == "set"
    assert hooks.path == path
    monkeypatch.delenv("UPGRADING_INSTANCE")

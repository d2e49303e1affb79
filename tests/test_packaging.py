"""What `pip install .` installs: the library alone, under its own name."""

import shutil
import subprocess
import sys
import zipfile

from tests.helpers import PROJECT


def test_the_wheel_holds_only_the_library(tmp_path):
    # built from a copy: setuptools leaves a build/ folder where it builds
    source = tmp_path / "source"
    shutil.copytree(PROJECT, source, ignore=shutil.ignore_patterns(".git", ".venv", "*.db"))
    shutil.rmtree(source / "build", ignore_errors=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), "."],
        cwd=source,
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    packages = {top for top in tops if not top.endswith(".dist-info")}
    # models/ and scripts/ are the tutorial's: installed, they would collide with any
    # other project's top-level `models` or `scripts`
    assert packages == {"sqlalchemy_stairway"}
    # its subpackages too: `stairway check` and its pytest plugin live in check/
    assert "sqlalchemy_stairway/check/cli.py" in names
    assert "sqlalchemy_stairway/check/pytest_plugin.py" in names
    assert "sqlalchemy_stairway/bench/run.py" in names

"""Building and serving the site: warnings fail the build, `invoke docs --serve` serves it."""

import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from scripts import site
from scripts.site import PROJECT_ROOT, build_site, serving
from sqlalchemy_stairway.check.errors import StairwayError


def test_a_warning_fails_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "conf.py").write_text(
        'extensions = ["myst_parser"]\nroot_doc = "README"\ninclude_patterns = ["README.md"]\n'
        'html_static_path = ["no-such-folder"]\n'
    )
    monkeypatch.setattr(site, "CONF_DIR", conf)
    with pytest.raises(StairwayError, match="warnings count as errors") as failure:
        build_site(tmp_path / "out")
    assert "no-such-folder" in str(failure.value)


def test_missing_packages_are_named_with_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(site, "DOCS_PACKAGES", ("sphinx", "no_such_theme_package"))
    with pytest.raises(StairwayError, match=r"needs no_such_theme_package; pip install -e"):
        build_site(PROJECT_ROOT / "build" / "never-built")


def test_a_port_in_use_says_to_choose_another(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refused = pytest.raises(StairwayError, match=f"cannot serve on 127.0.0.1:{port}.*--port")
        with refused, serving(tmp_path, port):
            pass


def test_serving_a_folder(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text("<p>hello</p>")
    with serving(tmp_path) as address, urllib.request.urlopen(address + "page.html") as answer:
        assert answer.read() == b"<p>hello</p>"


def test_invoke_docs_serve_prints_its_address_and_serves_the_site() -> None:
    server = subprocess.Popen(
        [sys.executable, "-m", "invoke", "docs", "--serve", "--port", "0"],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        said = [server.stdout.readline() for _ in range(2)]
        assert said[0].startswith("built the site: "), said
        assert said[1].startswith("serving the site at http://127.0.0.1:"), said
        address = said[1].split(" at ")[1].split()[0]
        with urllib.request.urlopen(address, timeout=10) as answer:  # index.html
            assert b"docs/index.html" in answer.read()
        with urllib.request.urlopen(address + "docs/lessons/stage1.html", timeout=10) as answer:
            assert b"stairway-er" in answer.read()
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
    assert server.returncode == 0, err
    assert out.strip() == "stopped serving the site"

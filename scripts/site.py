"""The tutorial's site: built by Sphinx from the lessons, README and exercises, served locally.

    invoke docs               build the site into build/site (warnings are errors)
    invoke docs --serve       build it, then serve it at http://127.0.0.1:8000/

Sphinx reads ``docs/conf.py`` and the repository itself as its source, so
the pages come from the very files the tests run; ``docs/_ext/stairway_site``
draws the diagrams and links each lesson to its stage's files.  The build
runs in its own process: Sphinx and its themes configure logging and import
the models as they please, and none of that reaches the caller.
"""

import functools
import importlib.util
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sqlalchemy_stairway.check.errors import StairwayError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONF_DIR = PROJECT_ROOT / "docs"
SITE_DIR = PROJECT_ROOT / "build" / "site"
DOCS_PACKAGES = ("sphinx", "myst_parser", "furo")


def sphinx_command(out: Path) -> list[str]:
    """The sphinx-build command line: fresh environment (-E), warnings as errors (-W)."""
    return [
        sys.executable,
        "-m",
        "sphinx",
        "-E",
        "-W",
        "--keep-going",
        "-q",
        "-b",
        "html",
        "-c",
        str(CONF_DIR),
        str(PROJECT_ROOT),
        str(out),
    ]


def build_site(out: Path = SITE_DIR) -> Path:
    """Build the site into ``out`` and return its home page; any warning fails the build."""
    missing = [name for name in DOCS_PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        raise StairwayError(
            f"building the site needs {', '.join(missing)}; pip install -e '.[docs]'"
        )
    result = subprocess.run(
        sphinx_command(out), cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
    )
    if result.returncode:
        said = (result.stderr or result.stdout).strip()
        raise StairwayError(f"the site did not build (Sphinx warnings count as errors):\n{said}")
    return out / "index.html"


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves files without a log line per request."""

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serving(folder: Path, port: int = 0, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve ``folder`` over HTTP in a background thread; yield its address (port 0: any free)."""
    handler = functools.partial(QuietHandler, directory=str(folder))
    try:
        server = ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        raise StairwayError(
            f"cannot serve on {host}:{port} ({exc.strerror}); choose another port with --port"
        ) from None
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()

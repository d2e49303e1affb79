"""Sphinx configuration of the tutorial's site: a landing page, the lessons, the guides.

The source folder is the repository itself (``invoke docs`` runs
``sphinx-build -c docs . OUT``), so the pages are built from the very files
the tests run: the lessons as they are, the README's sections on the guide
pages of ``docs/guide/``, each exercise's task on its page of
``docs/exercises/``.
"""

import logging
import sys
from pathlib import Path

# the extension, and the project it reads (models/ and scripts/ run from its folder)
sys.path[:0] = [str(Path(__file__).parent / "_ext"), str(Path(__file__).parent.parent)]

# accessible-pygments (a dependency of furo) calls logging.basicConfig() when
# imported, which would print every INFO record of Alembic and SQLAlchemy; a
# handler on the root logger makes that call do nothing.
logging.getLogger().addHandler(logging.NullHandler())

project = "SQLAlchemy Stairway"
author = "The SQLAlchemy Stairway authors"
copyright = "2026, " + author

extensions = ["sphinx.ext.autodoc", "myst_parser", "stairway_site"]

root_doc = "docs/index"
include_patterns = [
    "docs/index.md",
    "docs/guide/*.md",
    "docs/api.rst",
    "docs/exercises/*.md",
    "docs/lessons/*.md",
    "docs/benchmarks.md",
    "docs/check-comparison.md",
    "docs/real-chains.md",
]
exclude_patterns = [".*", "build", "backups", "site-screenshots", "**/__pycache__"]
stairway_guide_pages = [
    "docs/guide/tutorial",
    "docs/guide/how-to",
    "docs/guide/reference",
    "docs/api",
    "docs/guide/explanation",
    "docs/guide/changelog",
]
stairway_more_pages = ["docs/benchmarks", "docs/check-comparison", "docs/real-chains"]

# GitHub's heading slugs, so the README's #real-databases links resolve
myst_heading_anchors = 3

html_theme = "furo"
html_title = "SQLAlchemy Stairway"
html_static_path = ["_static"]
html_favicon = "_static/stairway-icon.svg"
html_last_updated_fmt = None

"""The sidebar: the lessons as a stairway, the exercises after it, then the guides.

The landing page, ``docs/index.md``, has no ``toctree`` of its own (the
stairway follows the stage declarations), so one is added to the text
Sphinx reads, never to the file: Sphinx's previous/next links and the
theme's sidebar both follow it.
"""

from html import escape
from pathlib import Path

from sphinx.application import Sphinx

from stairway_site.lessons import docname_of
from stairway_site.pages import exercise_pages
from stairway_site.project import site_stages


def stairway_toctree(app: Sphinx) -> str:
    """Hidden MyST toctrees: the lessons in stage order, the exercises, the guides, the rest."""
    from scripts.lessons import more_pages

    pages = more_pages()
    steps = []
    for stage in site_stages():
        steps.append(
            f"Stage {stage.number}: {stage.title} </{docname_of(app.srcdir, stage.lesson)}>"
        )
        # the pages beside a lesson (the Alembic environment after stage 1) follow it
        steps += [
            "/" + docname_of(app.srcdir, page.path) for page in pages if page.stage == stage.number
        ]
    # from the root: the toctree is on docs/index, its entries are not relative to it
    exercises = ["/" + name for name in exercise_pages(Path(app.srcdir))]
    guides = ["/" + name for name in app.config.stairway_guide_pages if name in app.env.found_docs]
    more = ["/" + name for name in app.config.stairway_more_pages if name in app.env.found_docs]
    blocks = [
        ("The stairway", steps),
        (f"After stage {site_stages()[-1].number}: the exercises", exercises),
        ("Guides", guides),
        ("More", more),
    ]
    return "".join(
        f"\n\n```{{toctree}}\n:hidden:\n:caption: {caption}\n\n" + "\n".join(entries) + "\n```\n"
        for caption, entries in blocks
        if entries
    )


def add_stairway(app: Sphinx, docname: str, source: list[str]) -> None:
    """Append the sidebar's toctrees to the landing page as Sphinx reads it."""
    if docname == app.config.root_doc:
        source[0] += stairway_toctree(app)


def write_home_redirect(app: Sphinx, exception: Exception | None) -> None:
    """Write ``index.html`` sending a visitor to the landing page, so the site's address is home."""
    if exception is not None or app.builder.format != "html":
        return
    if app.config.root_doc == "index":
        return
    home = escape(app.builder.get_target_uri(app.config.root_doc))
    # without an icon of its own, the browser asks for /favicon.ico: a 404
    icon = app.config.html_favicon
    icon_link = f'<link rel="icon" href="_static/{escape(Path(icon).name)}">' if icon else ""
    (Path(app.outdir) / "index.html").write_text(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="0; url={home}">{icon_link}'
        f"<title>{escape(app.config.project)}</title></head>"
        f'<body><a href="{home}">{escape(app.config.project)}</a></body></html>\n',
        encoding="utf-8",
    )

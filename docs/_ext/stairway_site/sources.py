"""A page for each repository file the site links to, highlighted and linked back to its lesson.

The README links to revisions and models modules as relative paths, which
a code host shows as files.  MyST would copy each into the site as a
download; here the link goes to a page that shows the file highlighted (as
``sphinx.ext.viewcode`` shows modules), and a link to a folder goes to a
page that lists it.  The lesson pages link to their stage's files the same
way (:func:`stairway_site.lessons.files_box`).
"""

from html import escape
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.transforms import SphinxTransform

from stairway_site.project import ROOT, repository_path, site_stages, stage_files

PAGE_PREFIX = "code/"
LANGUAGES = {".py": "python", ".sql": "sql", ".ini": "ini", ".toml": "toml", ".mako": "mako"}


class source_link(nodes.Inline, nodes.TextElement):  # docutils names its nodes in lower case
    """A link to a repository file's page, made into a reference once page URIs are known."""


def page_name(target: str) -> str:
    """The page of a repository file (``a/b.py``) or folder (``a/``)."""
    return PAGE_PREFIX + (target + "index" if target.endswith("/") else target)


def linked_target(env: BuildEnvironment, docname: str, reference: str) -> str | None:
    """The repository path a Markdown link points at, when it deserves a page of its own."""
    if not reference or "://" in reference or reference.startswith(("#", "mailto:")):
        return None
    path = (Path(env.srcdir) / docname).parent / reference.split("#")[0]
    path = path.resolve()
    if not path.is_relative_to(ROOT) or not path.exists():
        return None
    if path.is_dir():
        return repository_path(path).rstrip("/") + "/"
    if env.path2doc(str(path)) is None and path.suffix in LANGUAGES:
        return repository_path(path)
    return None


class RepositoryLinks(SphinxTransform):
    """Point links to repository files and folders at their pages instead of downloads."""

    default_priority = 500

    def apply(self) -> None:
        linked = self.env.stairway_linked.setdefault(self.env.docname, set())
        # MyST makes a link to a file a download, and one to a folder a cross-reference
        found = [*self.document.findall(addnodes.pending_xref)]
        found += self.document.findall(addnodes.download_reference)
        for xref in found:
            if xref.get("reftype") != "myst":
                continue
            target = linked_target(self.env, self.env.docname, xref.get("reftarget", ""))
            if target:
                linked.add(target)
                xref.replace_self(source_link("", "", *xref.children, target=target))


def init_env(app: Sphinx) -> None:
    if not hasattr(app.env, "stairway_linked"):
        app.env.stairway_linked = {}  # docname -> repository paths its links point at


def purge_doc(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    env.stairway_linked.pop(docname, None)


def resolve_links(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Turn each :class:`source_link` into a reference relative to the page it is on."""
    for link in list(doctree.findall(source_link)):
        uri = app.builder.get_relative_uri(docname, page_name(link["target"]))
        reference = nodes.reference("", "", *link.children, refuri=uri, internal=True)
        reference["classes"] = ["stairway-source-link"]
        link.replace_self(reference)


def all_targets(app: Sphinx) -> set[str]:
    """Every file and folder that gets a page: the stages' files and whatever is linked."""
    targets = {repository_path(p) for stage in site_stages() for p in stage_files(stage)}
    for linked in app.env.stairway_linked.values():
        targets |= linked
    for folder in [t for t in targets if t.endswith("/")]:
        targets |= {repository_path(p) for p in listed(ROOT / folder) if p.suffix in LANGUAGES}
    return targets


def listed(folder: Path) -> list[Path]:
    """The files of ``folder`` worth listing, sorted."""
    return sorted(
        p for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "__pycache__"))
    )


def file_body(app: Sphinx, target: str) -> str:
    """The highlighted file, under its path and a link back to its stage's lesson."""
    from stairway_site.lessons import docname_of

    page = page_name(target)
    path = ROOT / target
    back = [
        f'<a href="{app.builder.get_relative_uri(page, docname_of(app.srcdir, stage.lesson))}">'
        f"Stage {stage.number}: {escape(stage.title)}</a>"
        for stage in site_stages()
        if target in {repository_path(p) for p in stage_files(stage)}
    ]
    intro = f"<p>Part of {' and '.join(back)}.</p>" if back else ""
    code = app.builder.highlighter.highlight_block(
        path.read_text(encoding="utf-8"), LANGUAGES[path.suffix], location=str(path)
    )
    return f'<section id="source"><h1><code>{escape(target)}</code></h1>{intro}{code}</section>'


def folder_body(app: Sphinx, target: str, targets: set[str]) -> str:
    """A list of the folder's files, each linked to its page or document."""
    page = page_name(target)
    items = []
    for path in listed(ROOT / target):
        docname = app.env.path2doc(str(path))
        name = repository_path(path)
        if docname is not None:
            href = app.builder.get_relative_uri(page, docname)
        elif name in targets:
            href = app.builder.get_relative_uri(page, page_name(name))
        else:
            items.append(f"<li><code>{escape(path.name)}</code></li>")
            continue
        items.append(f'<li><a href="{href}"><code>{escape(path.name)}</code></a></li>')
    return (
        f'<section id="folder"><h1><code>{escape(target)}</code></h1>'
        f"<ul>{''.join(items)}</ul></section>"
    )


def collect_pages(app: Sphinx):
    """Yield the page of every file and folder the site links to (``html-collect-pages``)."""
    targets = all_targets(app)
    for target in sorted(targets):
        body = folder_body(app, target, targets) if target.endswith("/") else file_body(app, target)
        yield page_name(target), {"title": target, "body": body, "parents": []}, "page.html"


def setup(app: Sphinx) -> None:
    app.add_node(source_link)
    app.add_transform(RepositoryLinks)
    app.connect("builder-inited", init_env)
    app.connect("env-purge-doc", purge_doc)
    app.connect("doctree-resolved", resolve_links)
    app.connect("html-collect-pages", collect_pages)

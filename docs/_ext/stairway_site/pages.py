"""Pages whose text is kept elsewhere: the README's sections, and each exercise's task.

The README stays the one text a code host shows, and each exercise's task
stays the ``task`` of its module; the site reads them into pages of their
own instead of copying them:

- a page under ``docs/guide/`` says which README sections it holds on a
  line ``<!-- README sections: The stages | Quick start -->``; Sphinx reads
  the page with those sections in place of that line, their relative links
  made relative to the page, and a link to a section on another page sent
  to that page;
- a page under ``docs/exercises/`` says ``<!-- exercise N -->``; Sphinx
  reads it with the exercise's task, as ``invoke exercise N`` writes it to
  the exercise's folder, its commands made copyable ```sh blocks.

A section named by no page, or named twice, or a name that is no section,
is a warning, so an error in the ``-W`` build: nothing of the README is
left off the site silently; so is an exercise with no page, or two.
"""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath

from docutils.nodes import make_id
from myst_parser.mdit_to_docutils.base import default_slugify
from sphinx.application import Sphinx
from sphinx.util import logging

from stairway_site.project import ROOT

logger = logging.getLogger(__name__)

README = ROOT / "README.md"
README_SECTIONS = re.compile(r"^<!-- README sections: (?P<names>.+?) -->$", re.MULTILINE)
EXERCISE = re.compile(r"^<!-- exercise (?P<number>\d+) -->$", re.MULTILINE)
HEADING = re.compile(r"^(?P<level>#{2,3}) (?P<title>.+)$")
FENCE = re.compile(r"^(```|~~~)")
# a Markdown link or image target: ](target) — never one inside inline code
LINK = re.compile(r"\]\((?P<target>[^)\s]+)\)")


@dataclass(frozen=True)
class Section:
    """One ``##`` section of the README: its title, its text, the anchors inside it."""

    title: str
    text: str
    anchors: frozenset[str]


def anchors_of(title: str) -> set[str]:
    """The ids a heading gets on the site: MyST's GitHub-like slug and docutils' own."""
    plain = title.replace("`", "")
    return {default_slugify(plain), make_id(plain)}


def split_sections(markdown: str) -> list[Section]:
    """The ``##`` sections of ``markdown``, each with its ``###`` subsections, in order."""
    sections: list[Section] = []
    title, lines, anchors = None, [], set()
    in_code = False
    for line in markdown.splitlines(keepends=True):
        if FENCE.match(line):
            in_code = not in_code
        heading = None if in_code else HEADING.match(line.rstrip("\n"))
        if heading and heading["level"] == "##":
            if title is not None:
                sections.append(Section(title, "".join(lines), frozenset(anchors)))
            title, lines, anchors = heading["title"], [], anchors_of(heading["title"])
        elif heading:
            anchors |= anchors_of(heading["title"])
        if title is not None:
            lines.append(line)
    if title is not None:
        sections.append(Section(title, "".join(lines), frozenset(anchors)))
    return sections


@cache
def readme_sections() -> tuple[Section, ...]:
    return tuple(split_sections(README.read_text(encoding="utf-8")))


def guide_pages(srcdir: Path) -> dict[str, list[str]]:
    """Each guide page's docname -> the README section titles it holds."""
    found = {}
    for path in sorted((srcdir / "docs" / "guide").glob("*.md")):
        marker = README_SECTIONS.search(path.read_text(encoding="utf-8"))
        if marker:
            docname = path.relative_to(srcdir).with_suffix("").as_posix()
            found[docname] = [name.strip() for name in marker["names"].split("|")]
    return found


def anchor_pages(srcdir: Path) -> dict[str, str]:
    """Each anchor of the README -> the docname of the guide page its section is on."""
    by_title = {section.title: section for section in readme_sections()}
    found = {}
    for docname, titles in guide_pages(srcdir).items():
        for title in titles:
            if title in by_title:
                found |= dict.fromkeys(by_title[title].anchors, docname)
    return found


def relative_to(docname: str, target: str) -> str:
    """``target``, a path from the repository's root, as a link from page ``docname``."""
    depth = len(PurePosixPath(docname).parent.parts)
    return "../" * depth + target


def rewrite_links(text: str, docname: str, from_dir: str, anchors: dict[str, str]) -> str:
    """Make the links of ``text``, written in ``from_dir``, work from page ``docname``.

    A link to ``#anchor`` (or to the README's ``#anchor``) goes to the guide
    page that holds the anchor's section; a relative path is made relative
    to the page; an address elsewhere is left as it is.
    """

    def rewrite(match: re.Match) -> str:
        target = match["target"]
        if "://" in target or target.startswith("mailto:"):
            return match[0]
        path, _, anchor = target.partition("#")
        resolved = (PurePosixPath(from_dir) / path).as_posix() if path else ""
        resolved = str(PurePosixPath(*_normalised(resolved))) if resolved else ""
        if (not path or resolved == "README.md") and anchor:
            page = anchors.get(anchor)
            if page is None:
                return match[0]  # Sphinx says it is broken
            if page == docname:
                return f"](#{anchor})"
            name = PurePosixPath(page).name
            if PurePosixPath(page).parent == PurePosixPath(docname).parent:
                return f"]({name}.md#{anchor})"
            return f"]({relative_to(docname, page)}.md#{anchor})"
        if not path:
            return match[0]
        return f"]({relative_to(docname, resolved)}{'#' + anchor if anchor else ''})"

    return LINK.sub(rewrite, text)


def _normalised(path: str) -> list[str]:
    """The parts of a relative POSIX path with ``.`` and ``..`` resolved."""
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == ".." and parts:
            parts.pop()
        else:
            parts.append(part)
    return parts


def without_code(text: str) -> str:
    """``text`` with its fenced and inline code blanked, so links are looked for only in prose."""
    return re.sub(r"```.*?```|`[^`\n]*`", lambda m: " " * len(m[0]), text, flags=re.DOTALL)


def rewrite_prose_links(text: str, docname: str, from_dir: str, anchors: dict[str, str]) -> str:
    """:func:`rewrite_links` on the prose of ``text`` only; code is shown as written."""
    blanked = without_code(text)
    out, last = [], 0
    for match in LINK.finditer(blanked):
        out.append(text[last : match.start()])
        out.append(rewrite_links(text[match.start() : match.end()], docname, from_dir, anchors))
        last = match.end()
    out.append(text[last:])
    return "".join(out)


def readme_page(app: Sphinx, docname: str, source: str) -> str:
    """The guide page ``docname`` with the README sections it names in place of its marker."""
    marker = README_SECTIONS.search(source)
    by_title = {section.title: section for section in readme_sections()}
    anchors = anchor_pages(Path(app.srcdir))
    parts = []
    for title in [name.strip() for name in marker["names"].split("|")]:
        section = by_title.get(title)
        if section is None:
            logger.warning("the README has no section %r (%s.md)", title, docname)
            continue
        parts.append(rewrite_prose_links(section.text, docname, "", anchors))
    return source[: marker.start()] + "\n".join(parts) + source[marker.end() :]


def check_every_section_is_placed(app: Sphinx) -> None:
    """Warn about a README section no guide page holds, or two pages hold."""
    placed: dict[str, list[str]] = {}
    for docname, titles in guide_pages(Path(app.srcdir)).items():
        for title in titles:
            placed.setdefault(title, []).append(docname)
    for section in readme_sections():
        pages = placed.get(section.title, [])
        if len(pages) != 1:
            where = ", ".join(pages) or "no page"
            logger.warning(
                "the README's section %r is on %s of the site: name it on exactly one "
                "docs/guide/ page's `<!-- README sections: ... -->` line",
                section.title,
                where,
            )


def exercise_page(app: Sphinx, docname: str, source: str) -> str:
    """The exercise page ``docname`` with its exercise's task in place of its marker."""
    from scripts.exercises import EXERCISES
    from scripts.exercises.workbench import default_folder, task_text

    marker = EXERCISE.search(source)
    number = int(marker["number"])
    if not 1 <= number <= len(EXERCISES):
        logger.warning("%s.md names exercise %d; there are %d", docname, number, len(EXERCISES))
        return source
    task = commands_fenced(task_text(number, default_folder(number)))
    task = rewrite_prose_links(task, docname, "", anchor_pages(Path(app.srcdir)))
    return source[: marker.start()] + task + source[marker.end() :]


def commands_fenced(markdown: str) -> str:
    """``markdown`` with each indented block of commands made a ```sh block (copyable)."""
    out: list[str] = []
    block: list[str] = []

    def flush() -> None:
        if block:
            while block and not block[-1].strip():
                block.pop()
            out.extend(["```sh", *(line[4:] for line in block), "```"])
            block.clear()

    for line in markdown.splitlines():
        if line.startswith("    ") or (block and not line.strip()):
            block.append(line)
            continue
        if block:
            flush()
            out.append("")
        out.append(line)
    flush()
    return "\n".join(out) + "\n"


def exercise_pages(srcdir: Path) -> list[str]:
    """The exercise pages' docnames, in the exercises' order."""
    found = []
    for path in (srcdir / "docs" / "exercises").glob("*.md"):
        marker = EXERCISE.search(path.read_text(encoding="utf-8"))
        if marker:
            found.append((int(marker["number"]), path.relative_to(srcdir).with_suffix("")))
    return [docname.as_posix() for _, docname in sorted(found)]


def check_every_exercise_has_a_page(app: Sphinx) -> None:
    """Warn about an exercise no page of docs/exercises/ shows, or two show."""
    from scripts.exercises import EXERCISES

    srcdir = Path(app.srcdir)
    shown = [
        int(marker["number"])
        for path in (srcdir / "docs" / "exercises").glob("*.md")
        if (marker := EXERCISE.search(path.read_text(encoding="utf-8")))
    ]
    for number, exercise in enumerate(EXERCISES, start=1):
        if shown.count(number) != 1:
            logger.warning(
                "exercise %d is on %d pages of docs/exercises/: give it one, "
                "docs/exercises/%d-%s.md, saying <!-- exercise %d -->",
                number,
                shown.count(number),
                number,
                exercise.slug,
                number,
            )


def fill_page(app: Sphinx, docname: str, source: list[str]) -> None:
    """Put the README's sections or the exercise's task into the page Sphinx reads."""
    if docname.startswith("docs/guide/") and README_SECTIONS.search(source[0]):
        source[0] = readme_page(app, docname, source[0])
    elif docname.startswith("docs/exercises/") and EXERCISE.search(source[0]):
        source[0] = exercise_page(app, docname, source[0])
    else:
        # a lesson or page linking to the README's sections: to the page that holds them
        source[0] = rewrite_readme_links(source[0], docname, Path(app.srcdir))


def rewrite_readme_links(text: str, docname: str, srcdir: Path) -> str:
    """Links to ``README.md#anchor`` sent to the guide page that holds the anchor."""
    if "README.md#" not in text:
        return text
    from_dir = PurePosixPath(docname).parent.as_posix()
    anchors = anchor_pages(srcdir)

    def rewrite(match: re.Match) -> str:
        target = match["target"]
        path = target.partition("#")[0]
        if PurePosixPath(*_normalised(f"{from_dir}/{path}")).as_posix() != "README.md":
            return match[0]
        return rewrite_links(match[0], docname, from_dir, anchors)

    blanked = without_code(text)
    out, last = [], 0
    for match in LINK.finditer(blanked):
        out.append(text[last : match.start()])
        out.append(rewrite(LINK.match(text, match.start())))
        last = match.end()
    out.append(text[last:])
    return "".join(out)


def setup(app: Sphinx) -> None:
    app.connect("source-read", fill_page)
    app.connect("builder-inited", check_every_section_is_placed)
    app.connect("builder-inited", check_every_exercise_has_a_page)

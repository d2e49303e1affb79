"""A lesson's page: its diagram as a picture, its code told apart, its stage's files linked.

The lessons are Markdown the tests run; this module changes only what
Sphinx builds from them:

- the ```mermaid ER diagram (written by ``invoke diagrams``) becomes an SVG
  drawn from the stage's models, with the list of what the stage changed
  beside it; a diagram that no longer matches the models is a warning, so
  an error in the ``-W`` build;
- a ```pycon block is marked as code that runs (the tests run it), a
  ```text block as the era's code, quoted and not run (highlighted as
  Python all the same), a ```python block as today's code shown for reading;
- under the title, links to the stage's revision, models module and golden
  SQL files.
"""

from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform
from sphinx.util import logging

from stairway_site.changes import Change, schema_changes
from stairway_site.er_svg import Marks, er_svg
from stairway_site.project import (
    GOLDEN_DIALECTS,
    SiteStage,
    mermaid_of,
    repository_path,
    site_stages,
)
from stairway_site.sources import source_link

logger = logging.getLogger(__name__)

RUNS_LABEL = "Runs on SQLAlchemy 2.1: the tests run this example"
LEGACY_LABEL = "Legacy: the era's code as it was written, quoted, not run"
SHOWN_LABEL = "Today's code, shown for reading, not run here"


def docname_of(srcdir: str | Path, path: Path) -> str:
    """The docname Sphinx gives the Markdown file at ``path``."""
    return path.resolve().relative_to(Path(srcdir).resolve()).with_suffix("").as_posix()


def stage_of(srcdir: str | Path, docname: str) -> SiteStage | None:
    """The stage whose lesson ``docname`` is, if it is one."""
    for stage in site_stages():
        if docname_of(srcdir, stage.lesson) == docname:
            return stage
    return None


def changes_of(stage: SiteStage) -> list[Change]:
    """What ``stage`` changed against the stage before, with the renames it declares."""
    return schema_changes(stage.previous_metadata, stage.metadata, stage.renames)


class LessonPage(SphinxTransform):
    """Draw the diagram, mark the code and link the files of a lesson's page."""

    default_priority = 500

    def apply(self) -> None:
        stage = stage_of(self.env.srcdir, self.env.docname)
        if stage is None:
            return
        for block in list(self.document.findall(nodes.literal_block)):
            language = block.get("language")
            if language == "mermaid":
                block.replace_self(self.diagram(stage, block))
            elif language == "pycon":
                label(block, "runs", RUNS_LABEL)
            elif language == "text":
                block["language"] = "pycon" if ">>>" in block.astext() else "python"
                block["force"] = True  # quoted output is not Python; highlight what lexes
                label(block, "legacy", LEGACY_LABEL)
            elif language == "python":
                label(block, "shown", SHOWN_LABEL)
        title = next(self.document.findall(nodes.title), None)
        if title is not None:
            title.parent.insert(title.parent.index(title) + 1, files_box(stage))

    def diagram(self, stage: SiteStage, block: nodes.literal_block) -> nodes.container:
        """The SVG and the list of changes that replace the Mermaid block."""
        if block.astext().strip() != mermaid_of(stage.metadata).strip():
            logger.warning(
                "the ER diagram in %s no longer matches the models; run `invoke diagrams`",
                repository_path(stage.lesson),
                location=block,
            )
        changes = changes_of(stage)
        svg = er_svg(
            stage.metadata,
            title=f"The tables at stage {stage.number}: {', '.join(stage.metadata.tables)}",
            marks=Marks.from_changes(changes),
        )
        picture = nodes.container("", nodes.raw("", svg, format="html"))
        picture["classes"] = ["stairway-diagram-picture"]
        # shown on a phone only, where the diagram keeps its size and scrolls
        hint = nodes.paragraph(
            "", "Scroll the diagram sideways to see all of it.", classes=["stairway-diagram-hint"]
        )
        return nodes.container(
            "", picture, hint, changes_list(stage.number, changes), classes=["stairway-diagram"]
        )


def label(block: nodes.literal_block, kind: str, text: str) -> None:
    """Put ``block`` under a one-line label saying whether it runs."""
    caption = nodes.paragraph("", text, classes=["stairway-code-label"])
    wrapper = nodes.container("", caption, classes=["stairway-code", f"stairway-code-{kind}"])
    block.parent.replace(block, wrapper)
    wrapper += block


def changes_list(number: int, changes: list[Change]) -> nodes.container:
    """What the stage added, renamed, altered and dropped, one line each."""
    items = nodes.bullet_list()
    for change in changes:
        line = nodes.paragraph()
        line += nodes.inline("", change.kind, classes=["stairway-change", f"change-{change.kind}"])
        line += nodes.Text(f" {change.what} ")
        line += nodes.literal("", change.name)
        if change.detail:
            line += nodes.Text(f": {change.detail}")
        items += nodes.list_item("", line)
    heading = nodes.paragraph(
        "", f"What stage {number} changed", classes=["stairway-changes-title"]
    )
    return nodes.container("", heading, items, classes=["stairway-changes"])


def files_box(stage: SiteStage) -> nodes.container:
    """Links to the stage's revision, models module and golden SQL, for under the title."""

    def link(path: Path, text: str, code: bool = False) -> source_link:
        shown = nodes.literal("", text) if code else nodes.Text(text)
        return source_link("", "", shown, target=repository_path(path))

    revision = nodes.paragraph()
    revision += nodes.strong("", "This stage's files: ")
    revision += nodes.Text("revision ")
    revision += link(stage.revision_file, repository_path(stage.revision_file), code=True)
    revision += nodes.Text(", models ")
    revision += link(stage.models_file, repository_path(stage.models_file), code=True)
    golden = nodes.paragraph()
    golden += nodes.strong("", "The SQL it emits")
    golden += nodes.Text(" (golden files the tests compare): ")
    for index, (dialect, name) in enumerate(GOLDEN_DIALECTS.items()):
        if index:
            golden += nodes.Text(" · ")
        golden += nodes.Text(f"{name} ")
        golden += link(stage.golden_files[(dialect, "upgrade")], "up")
        golden += nodes.Text(" / ")
        golden += link(stage.golden_files[(dialect, "downgrade")], "down")
    return nodes.container("", revision, golden, classes=["stairway-files"])


def setup(app: Sphinx) -> None:
    app.add_transform(LessonPage)

"""Scaffold the next stage: its revision, its models, its declaration and its lesson.

``invoke new-stage "Tags"`` writes the four files a stage is, each a
working starting point, so the whole test suite passes straight after:

- ``alembic/versions/000N_<slug>.py``: an empty revision from the project's
  template (``alembic revision --rev-id 000N``), with the ``SQUAWK_WAIVERS``
  the tests read and a reminder of ``op.confirm_data_loss``;
- ``models/stageN_<slug>.py``: a copy of the last stage's models, the whole
  schema of the new stage, ready to be changed;
- ``scripts/stages/stageN.py``: the stage's declaration, found by the
  registry with nothing else to edit;
- ``docs/lessons/stageN.md``: a lesson with the stage's ER diagram, the
  revision's code included from its file, a first example that runs, and
  the session that shows what autogenerate writes for the stage.

It also adds the stage's row to the README's stage table, and moves the
last lesson's closing ("The stairway, from the top") to the new one, its
count of stages one higher (``scripts/stage_docs.py``).

Then change the models and write the revision to match (the checks say
where they differ), declare what the stage carries and the rows it adds,
and run ``invoke golden``, ``invoke diagrams`` and ``invoke sessions``.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from alembic import command

from sqlalchemy_stairway.check.errors import StairwayError
from sqlalchemy_stairway.stages import Stairway


@dataclass(frozen=True)
class NewStage:
    """The four files of a scaffolded stage."""

    revision: Path
    models: Path
    declaration: Path
    lesson: Path

    def __iter__(self):
        return iter((self.revision, self.models, self.declaration, self.lesson))


def slug(name: str) -> str:
    """Return ``name`` as a Python identifier: ``"Tags & labels"`` → ``tags_labels``."""
    found = re.sub(r"[^0-9a-zA-Z]+", "_", name).strip("_").lower()
    if not found:
        raise StairwayError(f"{name!r} has no letters or digits to name the stage's files with")
    return found


def scaffold(stairway: Stairway, name: str) -> NewStage:
    """Write the files of the stage after ``stairway``'s head, called ``name``; return them."""
    root = stairway.root
    head = stairway.head
    number = head.number + 1
    module = f"stage{number}_{slug(name)}"
    files = NewStage(
        revision=root / "alembic" / "versions" / f"{number:04d}_{slug(name)}.py",
        models=root / "models" / f"{module}.py",
        declaration=root / "scripts" / "stages" / f"stage{number}.py",
        lesson=root / "docs" / "lessons" / f"stage{number}.md",
    )
    existing = [path for path in files if path.exists()]
    if existing:
        raise StairwayError(
            f"{existing[0].relative_to(root)} already exists; stage {number} has been begun"
        )
    head_models = _models_file(stairway)

    docstring = f"Stage {number}: {name}.\n\nSay here what the models of this stage change and why."
    files.models.write_text(
        f'"""{docstring}"""\n' + _without_docstring(head_models.read_text(encoding="utf-8")),
        encoding="utf-8",
    )
    files.declaration.write_text(
        DECLARATION.format(number=number, name=name, module=module, era=head.era),
        encoding="utf-8",
    )
    import importlib

    from scripts.diagrams import diagram_block

    metadata = importlib.import_module(f"models.{module}").metadata
    files.lesson.write_text(
        LESSON.format(
            number=number,
            name=name,
            module=module,
            tables=_table_names(stairway),
            previous=head.number,
            previous_revision=head.revision,
            revision_file=files.revision.name,
            before="\n".join(sorted(head.metadata.tables)),
            diagram=diagram_block(metadata),
        ),
        encoding="utf-8",
    )
    config = stairway.alembic_config()
    # the file is named after the stage, not after the message ("stage_6_tags"),
    # so that Alembic's "Generating ..." names the file it writes
    config.set_main_option("file_template", f"%%(rev)s_{slug(name)}")
    command.revision(config, message=f"Stage {number}: {name}", rev_id=f"{number:04d}")
    _fill_sessions(stairway, files.lesson, number)
    _bring_the_docs_along(stairway, files, name)
    return files


def _bring_the_docs_along(stairway: Stairway, files: NewStage, name: str) -> None:
    """Add the stage's row to the README's stage table; move the closing to its lesson."""
    from scripts.stage_docs import add_table_row, move_closing

    root, head, number = stairway.root, stairway.head, stairway.head.number + 1
    add_table_row(
        root / "README.md",
        number,
        [
            f"[`{number:04d}`](alembic/versions/{files.revision.name})",
            head.era,
            f"{name}: say what the schema gains",
            f"[{name}]({files.models.relative_to(root).as_posix()})",
            f"[stage {number}]({files.lesson.relative_to(root).as_posix()})",
        ],
    )
    move_closing(files.lesson.with_name(f"stage{head.number}.md"), files.lesson, number)


def _fill_sessions(stairway: Stairway, lesson: Path, number: int) -> None:
    """Write what the lesson's commands print now (`invoke sessions` again once it changes)."""
    import tempfile

    from scripts.shell_sessions import fill_sessions

    grown = Stairway.discover("scripts.stages", stairway.alembic_ini)  # with the new stage
    text = lesson.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as folder:
        text = fill_sessions(text, number, Path(folder) / "copy", grown)
    lesson.write_text(text, encoding="utf-8")


def _models_file(stairway: Stairway) -> Path:
    import importlib
    import pkgutil

    models = stairway.root / "models"
    for info in pkgutil.iter_modules([str(models)]):
        found = importlib.import_module(f"models.{info.name}")
        if getattr(found, "metadata", None) is stairway.head.metadata:
            return models / f"{info.name}.py"
    raise StairwayError(f"no module in models/ holds the MetaData of {stairway.head.label}")


def _without_docstring(source: str) -> str:
    match = re.match(r'\s*""".*?"""\n', source, flags=re.DOTALL)
    return source[match.end() :] if match else source


def _table_names(stairway: Stairway) -> str:
    return repr(sorted([*stairway.head.metadata.tables, "alembic_version"]))


DECLARATION = '''"""Stage {number}: {name}."""

from models import {module}
from sqlalchemy_stairway.stages import Stage

stage = Stage(
    number={number},
    revision="{number:04d}",
    title="{name}",
    era="{era}",
    source="say which tutorial or idea this stage brings to life",
    metadata={module}.metadata,
    # tables this stage creates; carries={{"new_name": Carry("old_name", ...)}} for
    # renamed or changed ones (sqlalchemy_stairway.stages.Carry); dropped_tables=(...)
    new_tables=(),
    # the rows this stage adds, in its own tables' shape, primary keys included
    rows={{}},
)
'''

LESSON = """# Stage {number}: {name}

Say what this stage changes, why, and which era of SQLAlchemy it shows.
The models are in `models/{module}.py`; the revision is `{number:04d}`.

The `>>>` blocks run in the test suite against `tutorial.db` at stage
{number}, seeded with every stage's rows.

## The schema at this stage

{diagram}

## Before this stage

**The tables of stage {previous}, which this stage changes:**

```text
{before}
```

## The code of revision {number:04d}

From [the file itself](../../alembic/versions/{revision_file}):

```{{literalinclude}} ../../alembic/versions/{revision_file}
:language: python
:pyobject: upgrade
```

```{{literalinclude}} ../../alembic/versions/{revision_file}
:language: python
:pyobject: downgrade
```

Say what each operation does, and why.

## The database at this stage

```pycon
>>> from sqlalchemy import create_engine, inspect
>>> engine = create_engine("sqlite:///tutorial.db")
>>> sorted(inspect(engine).get_table_names())
{tables}
>>> engine.dispose()
```

## What autogenerate writes

In a copy of the project at stage {number} (`invoke copy-at {number}
../stairway-at-{number}`), a database at stage {previous}, revision
{number:04d} removed, and autogenerate asked for this stage's models
(`invoke sessions` writes what each command prints):

```console
$ alembic upgrade {previous_revision}
$ rm alembic/versions/{number:04d}_*.py
$ alembic revision --autogenerate --rev-id auto{number} -m "Stage {number}, by autogenerate"
$ cat alembic/versions/auto{number}_stage_{number}_by_autogenerate.py
```

Say how it differs from revision {number:04d}, and why.
"""

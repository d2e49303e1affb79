"""`stairway check`'s glue for Buildbot's chain: the schema its first revision starts from.

Buildbot 3.4 moved from sqlalchemy-migrate to Alembic: revision 059 is
empty and stamps a database whose tables already exist. Their schema is
today's models without what 060 to 067 add, built here from the models.
"""

import sqlalchemy as sa

# what the revisions after 059 add, read in their upgrade()
ADDED_TABLES = {"projects", "codebases", "codebase_commits", "codebase_branches"}
ADDED_COLUMNS = {
    "builders": {"projectid", "description_format", "description_html"},  # 060, 061
    "steps": {"locks_acquired_at"},  # 063
    "workers": {"pause_reason"},  # 064
    "buildsets": {"rebuilt_buildid"},  # 065
    "builds": {"locks_duration_s"},  # 066
}


def schema_at_059() -> sa.MetaData:
    """Buildbot's models as they were at 059: today's, without what came after."""
    from buildbot.db import model

    start = sa.MetaData()
    for table in model.Model.metadata.sorted_tables:
        if table.name in ADDED_TABLES:
            continue
        left_out = ADDED_COLUMNS.get(table.name, set())
        copy = sa.Table(
            table.name,
            start,
            # a column's copy leaves its foreign key behind: they are copied below
            *(column._copy() for column in table.columns if column.name not in left_out),
            **table.kwargs,
        )
        for key in table.foreign_key_constraints:
            targets = [element.target_fullname for element in key.elements]
            if set(key.column_keys) & left_out or {t.split(".")[0] for t in targets} & ADDED_TABLES:
                continue
            copy.append_constraint(
                sa.ForeignKeyConstraint(
                    key.column_keys,
                    targets,
                    name=key.name,
                    ondelete=key.ondelete,
                    onupdate=key.onupdate,
                    use_alter=key.use_alter,
                )
            )
        for constraint in table.constraints:
            if (
                isinstance(constraint, sa.UniqueConstraint)
                and not {c.name for c in constraint.columns} & left_out
            ):
                copy.append_constraint(
                    sa.UniqueConstraint(*[c.name for c in constraint.columns], name=constraint.name)
                )
        for index in table.indexes:
            names = [c.name for c in index.columns]
            made = {i.name for i in copy.indexes}  # a column's index=True made it already
            if names and not set(names) & left_out and index.name not in made:
                sa.Index(
                    index.name, *[copy.c[n] for n in names], unique=index.unique, **index.kwargs
                )
    return start


def starting_schema(connection: sa.Connection) -> None:
    """Make the tables 059 expects, in the scratch database."""
    schema_at_059().create_all(connection)

<%!
def literal(value):
    """Write a revision id, or a tuple of them, as ruff format writes it."""
    if value is None:
        return "None"
    if isinstance(value, str):
        return '"%s"' % value
    return "(%s)" % ", ".join('"%s"' % each for each in value)
%>"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

Say here what this stage changes and why: this docstring is the story
`invoke walk` tells.  Keep the revision self-contained: define the
sa.table()/sa.column() constructs it needs, never import models/.
"""

<% body = (upgrades or "") + (downgrades or "") %>\
<%doc> an empty revision (`invoke new-stage`) imports both: its comments show op and sa </%doc>\
<% empty = not body.strip() %>\
from collections.abc import Sequence
% if empty or "sa." in body or "op." in body:

% endif
% if empty or "sa." in body:
import sqlalchemy as sa
% endif
% if empty or "op." in body:
from alembic import op
% endif
% if imports:
${imports}
% endif

revision: str = ${literal(up_revision)}
down_revision: str | Sequence[str] | None = ${literal(down_revision)}
branch_labels: str | Sequence[str] | None = ${literal(branch_labels)}
depends_on: str | Sequence[str] | None = ${literal(depends_on)}

# What squawk, the PostgreSQL migration linter, reports on this upgrade, and why
# it stands (tests/test_squawk.py keeps the rules equal to squawk's findings):
# "rule-name": "why it is acceptable here, and what a big table would need"
SQUAWK_WAIVERS: dict[str, str] = {}

# One op.* call per step: on MariaDB, which commits each DDL statement on its
# own, each skips itself when a run killed half-way did it, so the next run
# finishes the revision (sqlalchemy_stairway.resumable; tests/test_faults.py
# kills it at every write).  A data move (op.execute) must be safe to run twice.


def upgrade() -> None:
    """Say in one line what the upgrade does."""
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    """Say in one line what the downgrade undoes."""
    # A downgrade that drops a table or column destroys its rows: ask first,
    # e.g. op.confirm_data_loss({"table tag": sa.select(sa.func.count()).select_from(tag)})
    ${downgrades if downgrades else "pass"}

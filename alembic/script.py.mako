"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

Say here what this stage changes and why.  Keep the revision
self-contained: define the table()/column() constructs it needs, never
import models/.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
${imports if imports else ""}

revision: str = ${repr(up_revision)}
down_revision: str | Sequence[str] | None = ${repr(down_revision)}
branch_labels: str | Sequence[str] | None = ${repr(branch_labels)}
depends_on: str | Sequence[str] | None = ${repr(depends_on)}


def upgrade() -> None:
    """Say in one line what the upgrade does."""
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    """Say in one line what the downgrade undoes."""
    ${downgrades if downgrades else "pass"}

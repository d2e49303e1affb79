"""`stairway check` on two real Alembic chains we did not write, shipped in their packages.

Optuna 5.0.0's storage chain and MLflow 3.17.2's auth-server chain are
installed by the ``realchains`` extra; their alembic.ini is written to a
temporary folder with an absolute ``script_location`` (theirs is relative to
the package), nothing of them is copied into this repository.

Neither chain passes every check: each finding below was read in the
package's source and is a real defect or limit of that chain, so the test
pins exactly these findings. A finding not listed fails the test (a false
alarm or a new defect), and so does a listed one that goes missing.
"""

import importlib
import re
from pathlib import Path

import pytest

from sqlalchemy_stairway.hooks import load_hooks
from sqlalchemy_stairway.project import Project
from sqlalchemy_stairway.project_checks import check_project
from sqlalchemy_stairway.results import FAILED
from tests.conftest import DATABASES

HOOKS = Path(__file__).parent / "real_chains"

CHAINS = {
    # package folder, its alembic.ini, script_location in it, hooks (Optuna's data rules)
    "optuna": ("optuna.storages._rdb", "alembic.ini", "alembic", HOOKS / "optuna_hooks.py"),
    "mlflow-auth": ("mlflow.server.auth.db.migrations", "alembic.ini", ".", None),
}

# (check, revision) -> what it is, per chain and dialect
# on every dialect Optuna supports: none (v1.3.0.a moves rows through an ORM
# Session on op.get_bind(), so it has no offline SQL: a warning, Optuna does
# not say it ships offline SQL)
OPTUNA: set = set()
# where its models are compared (MariaDB stops before the head)
OPTUNA_MODELS = {
    # the models declare trial_heartbeats, which Optuna makes with create_all, not a revision
    ("models-match", "v3.2.0.a"),
}

KNOWN = {
    ("optuna", "sqlite"): OPTUNA
    | OPTUNA_MODELS
    | {
        # v3.0.0.b's upgrade makes trial_values.value NOT NULL; its downgrade says
        # existing_nullable=False and never makes it nullable again
        ("downgrade-schema", "v3.0.0.b"),
        # v3.0.0.c's downgrade names IntermediateValueModel.FloatTypeEnum, which its
        # model does not have (it has TrialIntermediateValueType): AttributeError
        ("downgrade", "v3.0.0.c"),
    },
    ("optuna", "postgresql"): OPTUNA
    | OPTUNA_MODELS
    | {
        # v0.9.0.a's downgrade drops the tables but not the enum types they created
        ("downgrade-schema", "v0.9.0.a"),
        ("reupgrade", "v0.9.0.a"),
    },
    ("optuna", "mariadb"): OPTUNA
    | {
        # v1.2.0.a's downgrade gives trials.state back as NULL-able
        ("downgrade-schema", "v1.2.0.a"),
        # v2.4.0.a drops trial_values.step, which a unique constraint still names: MySQL
        # narrows the constraint (the revision says so), MariaDB refuses
        ("upgrade", "v2.4.0.a"),
    },
    ("mlflow-auth", "sqlite"): {
        # e5f6a7b8c9d0 moves the per-user permissions to roles and keeps the old tables,
        # which the models at the head no longer declare
        ("models-match", "f1a2b3c4d5e6"),
    },
    ("mlflow-auth", "postgresql"): {
        ("models-match", "f1a2b3c4d5e6"),
    },
    ("mlflow-auth", "mariadb"): {
        # 8606fa83a998 gives two foreign keys the same name, which MariaDB refuses
        ("upgrade", "8606fa83a998"),
    },
}


def alembic_ini(chain: str, folder: Path) -> Path:
    """Their alembic.ini, with script_location made absolute, in ``folder``."""
    package, ini, location, _ = CHAINS[chain]
    home = Path(importlib.import_module(package).__file__).parent
    scripts = str(home / location).replace("%", "%%")
    text = re.sub(
        r"(?m)^script_location\s*=.*$",
        f"script_location = {scripts}",
        (home / ini).read_text(encoding="utf-8"),
    )
    path = folder / "alembic.ini"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.filterwarnings(
    "ignore::DeprecationWarning",
    "ignore::FutureWarning",
    "ignore::UserWarning",
    "ignore::PendingDeprecationWarning",
)
@pytest.mark.parametrize("chain", list(CHAINS))
def test_a_real_chain_gives_exactly_its_known_findings(chain, database, tmp_path):
    try:
        importlib.import_module(CHAINS[chain][0])
    except ImportError as exc:
        pytest.fail(f"{exc}: install the test extra, pip install -e '.[test]'", pytrace=False)
    url = DATABASES[database]
    if database == "sqlite":
        url = f"sqlite:///{tmp_path}/server.db"
    project = Project(alembic_ini(chain, tmp_path))
    report = check_project(project, [url], load_hooks(CHAINS[chain][3]), use_squawk=False)
    found = {(r.check, r.revision) for r in report.with_status(FAILED)}
    assert found == KNOWN[(chain, database)], [r.summary for r in report.with_status(FAILED)]

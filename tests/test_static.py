"""The revision files' text: models imported, downgrades that do nothing."""

from sqlalchemy_stairway.check.static import (
    imported_models,
    models_imported_for_types_only,
    noop_downgrade,
)


def revision(tmp_path, body: str):
    path = tmp_path / "0002_x.py"
    path.write_text(body, encoding="utf-8")
    return path


def test_a_revision_importing_the_models_is_found(tmp_path):
    path = revision(tmp_path, "import sqlalchemy as sa\nfrom ledger import models\n")
    assert imported_models(path, {"ledger.models", "ledger"}) == ["ledger", "ledger.models"]
    found = imported_models(revision(tmp_path, "from app.models import User\n"), set())
    assert found == ["app.models"]
    assert imported_models(revision(tmp_path, "import sqlalchemy as sa\n"), {"ledger"}) == []


def test_a_downgrade_that_does_nothing_is_found_only_when_the_upgrade_does_something(tmp_path):
    upgrade = 'def upgrade():\n    op.drop_column("a", "b")\n\n'
    does_nothing = upgrade + 'def downgrade():\n    """No."""\n    pass\n'
    assert noop_downgrade(revision(tmp_path, does_nothing))
    both_empty = "def upgrade():\n    pass\n\ndef downgrade():\n    pass\n"
    assert not noop_downgrade(revision(tmp_path, both_empty))
    real = upgrade + 'def downgrade():\n    op.add_column("a", c)\n'
    assert not noop_downgrade(revision(tmp_path, real))


def test_a_revision_importing_only_column_types_from_the_models_is_told_apart(tmp_path):
    """JupyterHub's revisions import its JSON column type from its ORM module, no table."""
    import types

    import sqlalchemy as sa

    class JSONDict(sa.types.TypeDecorator):
        impl = sa.Text
        cache_ok = True

    module = types.SimpleNamespace(JSONDict=JSONDict, User=object)
    only_types = revision(tmp_path, "from app.orm import JSONDict\n")
    assert models_imported_for_types_only(only_types, module, {"app.orm"}) == ["JSONDict"]
    a_class = revision(tmp_path, "from app.orm import JSONDict, User\n")
    assert models_imported_for_types_only(a_class, module, {"app.orm"}) == []
    whole = revision(tmp_path, "from app import orm\nfrom app.orm import JSONDict\n")
    assert models_imported_for_types_only(whole, module, {"app.orm", "app"}) == []

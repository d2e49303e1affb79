"""The hashing operations (sqlalchemy_stairway.hashing): hashes, refusals that show no secret."""

import sqlite3

from scripts.passwords import verify_password
from scripts.stages import STAIRWAY
from sqlalchemy_stairway import hashing
from tests.helpers import alembic, assert_one_line_error, invoke

STAGE = STAIRWAY[4]
BEFORE = STAIRWAY.previous(STAGE)
SECRET = "SecretMary"


def test_a_hash_verifies_its_password_and_no_other():
    digest = hashing.hash_password("apple", 1000)
    assert digest.startswith("pbkdf2_sha256$1000$")
    assert verify_password("apple", digest)
    assert not verify_password("pear", digest)
    assert hashing.hash_password("apple", 1000) != digest  # salted


def test_a_password_that_is_not_utf8_is_refused_by_its_user_and_never_shown(tmp_path):
    path = tmp_path / "t.db"
    url = f"sqlite:///{path}"
    assert invoke("stage", str(BEFORE.number), "--url", url, "--no-lesson").returncode == 0
    with sqlite3.connect(path) as db:
        (user_id,) = db.execute("SELECT min(user_id) FROM users").fetchone()
        # text whose first byte is no UTF-8: SQLite stores it as TEXT all the same
        db.execute(
            "UPDATE users SET password = CAST(X'FF' || CAST(? AS BLOB) AS TEXT) WHERE user_id = ?",
            (SECRET, user_id),
        )
    before = path.read_bytes()
    said = f"passwords that are not valid UTF-8 text cannot be hashed (user_id): {user_id}."
    result = invoke("stage", str(STAGE.number), "--url", url, "--no-lesson")
    assert_one_line_error(result, said)
    assert SECRET not in result.stdout + result.stderr
    assert path.read_bytes() == before
    result = alembic("-x", f"url={url}", "upgrade", STAGE.revision)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "Traceback" not in output
    assert said in " ".join(output.split())
    assert SECRET not in output
    assert path.read_bytes() == before

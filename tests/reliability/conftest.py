"""A state directory per reliability test under the system temp dir (not pytest's ``tmp_path``:
as root, the embedded PostgreSQL runs as its own user, and a restarted ``pg_ctl`` must be able to
reach the data directory through every parent, which pytest's 0700 base directory forbids)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def state_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="fieldops-rel-"))
    path.chmod(0o755)
    yield path / "state"
    shutil.rmtree(path, ignore_errors=True)

"""The README's configuration table lists every setting with its real default."""

from __future__ import annotations

import re
from pathlib import Path

from config import Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
ROWS = dict(re.findall(r"^\| `(FIELDOPS_[A-Z_]+)` \| ([^|]+) \|", README, flags=re.M))


def test_every_setting_is_documented_with_its_default():
    for name, field in Settings.model_fields.items():
        env = f"FIELDOPS_{name.upper()}"
        assert env in ROWS, f"{env} missing from the README configuration table"
        default = ROWS[env].strip()
        if field.default is None:
            assert default == "unset", f"{env}: README says {default}, default is unset"
        else:
            assert default == f"`{field.default}`", (
                f"{env}: README says {default}, default is {field.default}"
            )


def test_no_stale_settings_in_the_readme():
    known = {f"FIELDOPS_{n.upper()}" for n in Settings.model_fields}
    assert set(ROWS) <= known, f"README documents unknown settings: {sorted(set(ROWS) - known)}"


def test_readme_shows_the_two_commands():
    assert "make demo" in README and "make test" in README

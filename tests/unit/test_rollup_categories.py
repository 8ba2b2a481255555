"""Migration 0011's rollup classifies job types exactly as seed 000 and ``domain.catalog`` do."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from domain.catalog import PUMP_OUT_JOB_TYPES, REPAIR_JOB_TYPES

MIGRATION = (
    Path(__file__).resolve().parents[2]
    / "db"
    / "migrations"
    / "versions"
    / "0011_technician_customer_totals.py"
)


def _sql_list(sql: str) -> set[str]:
    return {part.strip(" '") for part in sql.strip("()").split(",")}


def test_rollup_category_lists_match_the_catalog():
    spec = importlib.util.spec_from_file_location("m0011", MIGRATION)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert _sql_list(module.PUMP_OUTS) == set(PUMP_OUT_JOB_TYPES)
    assert _sql_list(module.REPAIRS) == set(REPAIR_JOB_TYPES)

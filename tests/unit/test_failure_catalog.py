"""Every failure type a workflow or activity raises has exactly one HTTP mapping (api/failures.py)."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import domain.contracts
from api.failures import BY_TYPE, CATALOGS, http_status
from domain.contracts.shared import FailureType

ROOT = Path(__file__).resolve().parents[2]
RAISERS = [*ROOT.joinpath("workflows").glob("*.py"), *ROOT.joinpath("activities").glob("*.py")]


def _failure_calls(source: str) -> list[tuple[str, str]]:
    """(catalog, member) of every ``failure(Catalog.MEMBER, …)`` call in ``source``."""
    calls = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "failure":
            kind = node.args[0]
            assert isinstance(kind, ast.Attribute) and isinstance(kind.value, ast.Name), ast.dump(kind)
            calls.append((kind.value.id, kind.attr))
    return calls


def _all_catalogs() -> set[type[FailureType]]:
    for module in pkgutil.iter_modules(domain.contracts.__path__):
        importlib.import_module(f"domain.contracts.{module.name}")
    found: set[type[FailureType]] = set()
    pending = list(FailureType.__subclasses__())
    while pending:
        cls = pending.pop()
        found.add(cls)
        pending += cls.__subclasses__()
    return found


def test_every_catalog_is_mapped_once_and_types_are_unique():
    assert _all_catalogs() == set(CATALOGS)
    values = [member.value for catalog in CATALOGS for member in catalog]
    assert len(values) == len(set(values)) == len(BY_TYPE)
    for member in BY_TYPE.values():
        assert member.http_status in (404, 409, 422, 502, 503) and member.meaning


def test_raisers_use_catalogued_failures_only():
    """No bare ``ApplicationError(type="…")`` strings: every raise names a catalog member."""
    catalogs = {cls.__name__: cls for cls in CATALOGS}
    raised = set()
    for path in RAISERS:
        text = path.read_text()
        bare = [line for line in text.splitlines() if "ApplicationError(" in line and "**kind" not in line]
        assert not bare, f"{path.name} raises ApplicationError without the catalog: {bare}"
        for catalog_name, member_name in _failure_calls(text):
            assert catalog_name in catalogs, f"{path.name}: {catalog_name} is not a mapped catalog"
            raised.add(getattr(catalogs[catalog_name], member_name))
    assert len(raised) >= 8  # the scan found the raisers (not vacuous)


def test_http_status_of_an_error():
    from temporalio.exceptions import ApplicationError

    assert http_status(ApplicationError("x", type="StaleEstimate")) == 409
    assert http_status(ApplicationError("x", type="UnknownTechnician")) == 422
    assert http_status(ApplicationError("x", type="NotFound")) == 404
    assert http_status(None) == 409


def test_failure_kwargs_follow_retryability():
    from domain.contracts.assignment import AssignmentFailure

    assert AssignmentFailure.ATTEMPT_CANCELLED.error_kwargs() == {
        "type": "AttemptCancelled",
        "non_retryable": False,
    }
    assert AssignmentFailure.UNKNOWN_TECHNICIAN.error_kwargs()["non_retryable"] is True


def test_a_raisers_own_python_cause_does_not_hide_the_catalogued_type():
    """``raise failure(INVALID_DATA, …) from IntegrityError`` reaches the API as InvalidData
    caused by an ApplicationError typed 'IntegrityError': the catalogued one decides (422)."""
    from temporalio.exceptions import ApplicationError

    from api.failures import innermost_application_error

    outer = ApplicationError("the database refused the data", type="InvalidData")
    outer.__cause__ = ApplicationError("duplicate key", type="IntegrityError")
    assert http_status(innermost_application_error(outer)) == 422
    uncatalogued = ApplicationError("odd", type="SomethingElse")
    assert innermost_application_error(uncatalogued) is uncatalogued

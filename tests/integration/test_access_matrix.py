"""Access matrix: role by route by owner, generated from the app's OpenAPI spec.

Every path and method under ``/api`` in ``create_app().openapi()`` must have an entry in
``ROUTES``: a new route fails :func:`test_every_api_route_has_an_entry` until its expected outcome
per role is written down. Each entry is run for five callers, each on a record it owns and on a
foreign one, both built fresh for that call (so one call's side effects cannot change another's
answer):

=================  ==========================================  ================================
caller             owned record                                foreign record
=================  ==========================================  ================================
office             a job of T-002 (office sees everything)     a job of T-006
manager            T-001's key (team T-001..T-004, may         a job of T-006
                   assign, limit $750): a job of T-002
manager_no_assign  T-005's key (team T-005..T-008, no          a job of T-002
                   can_assign_work, limit $300): a job of T-006
tech_owner         T-002's key: his own job                    a job of T-006
tech_other         T-003's key: his own job                    a job of his teammate T-002
=================  ==========================================  ================================

A record ("site") is a customer with unique contact details, one completed job (no workflow, so
actions in scope reach the state check: 409) of the named technician, a custom pricing row and an
outbox message of that job. Outcomes: an HTTP status, or for list routes filtered to the record
``HIT`` (200 and listed) / ``MISS`` (200 and not listed). Whenever the foreign record is out of
the caller's scope, no answer may contain its customer's email, phone or address.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import pytest_asyncio
from sqlalchemy import select

from api.app import create_app
from api.auth import create_api_key
from config import Settings
from db.models import (
    Appliance,
    Customer,
    CustomerPricing,
    Expense,
    Invoice,
    InvoiceLine,
    InvoiceWorkOrder,
    Message,
    Review,
    ServiceCatalogEntry,
    ServiceFollowUp,
    Technician,
    WorkOrder,
)
from db.models.technicians import technician_managed
from db.session import transaction
from tests.integration.test_repair_api import new_customer, wait_status

pytestmark = pytest.mark.integration

HIT, MISS = "listed", "not listed"
CALLERS = ("office", "manager", "manager_no_assign", "tech_owner", "tech_other")
#: (technician of the owned record, technician of the foreign record, key's technician) per caller
OWNERS = {
    "office": ("T-002", "T-006", None),
    "manager": ("T-002", "T-006", "T-001"),
    "manager_no_assign": ("T-006", "T-002", "T-005"),
    "tech_owner": ("T-002", "T-006", "T-002"),
    "tech_other": ("T-003", "T-002", "T-003"),
}
SCOPED = {c for c in CALLERS if c != "office"}
#: the team (a manager's technician id: seed 002's "site") of each record owner above
TEAM_OF = {"T-002": "T-001", "T-003": "T-001", "T-006": "T-005"}


def outcome(office, manager, manager_no_assign, tech_owner, tech_other) -> dict:
    """Expected (owned, foreign) outcome per caller."""
    return dict(zip(CALLERS, (office, manager, manager_no_assign, tech_owner, tech_other), strict=True))


# shorthands: everyone sees his own and only office sees the foreign one; and so on
def seen(ok: int | str, miss: int | str = 404) -> dict:
    return outcome((ok, ok), (ok, miss), (ok, miss), (ok, miss), (ok, miss))


def staff_only(ok: int | str, miss: int | str = 404) -> dict:
    """Office and managers (managers within their scope); technicians 403 by role."""
    return outcome((ok, ok), (ok, miss), (ok, miss), (403, 403), (403, 403))


def managers_only(ok: int, miss: int = 404) -> dict:
    """Manager (and admin) keys only: office and technicians 403 by role."""
    return outcome((403, 403), (ok, miss), (ok, miss), (403, 403), (403, 403))


EVERYONE_200 = outcome(*[(200, 200)] * 5)


@dataclass
class Site:
    """One customer with one completed job of ``technician_id`` and its outbox message."""

    technician_id: str
    customer_id: int
    work_order_id: str
    message_id: int
    email: str
    phone: str
    address: str
    day: date
    crew_id: str  # an inactive technician managed by the owner's manager (for technician writes)
    catalog_code: str  # an unused job type (catalog writes)
    invoice_id: int = 0  # an open invoice of the job
    appliance_id: int = 0  # customer 360 records of the customer and its job
    follow_up_id: int = 0

    @property
    def secrets(self) -> tuple[str, str, str]:
        return self.email, self.phone, self.address


@dataclass
class Call:
    """One request of a route for one record."""

    method: str
    path: str
    params: dict | None = None
    json: dict | None = None
    listed: Callable[[dict], bool] | None = None  # for list routes: is the record in this page?


def _unique() -> str:
    return uuid.uuid4().hex[:8]


#: serial numbers for ids and phone numbers that must never collide within a run; technician
#: ids T-9xxxxx sort after the demo's T-001..T-008, which other tests pick by id
_serial = itertools.count(900_001)


#: (method, path) -> (the call for a record, ``foreign`` True for the foreign one; expected outcomes)
ROUTES: dict[tuple[str, str], tuple[Callable[..., Call], dict]] = {
    # ---- repairs ---------------------------------------------------------------------------
    ("GET", "/api/v1/repairs"): (
        lambda s, foreign=False: Call(
            "GET",
            "/api/v1/repairs",
            params={"customer_id": s.customer_id},
            listed=lambda body: any(i["id"] == s.work_order_id for i in body["items"]),
        ),
        seen(HIT, MISS),
    ),
    ("POST", "/api/v1/repairs"): (
        lambda s, foreign=False: Call(
            "POST", "/api/v1/repairs", json={"customer_id": s.customer_id, "job_type": "repair"}
        ),
        seen(201),  # a technician files repairs only for customers he serves
    ),
    ("GET", "/api/v1/repairs/{work_order_id}"): (
        lambda s, foreign=False: Call("GET", f"/api/v1/repairs/{s.work_order_id}"),
        seen(200),
    ),
    ("POST", "/api/v1/repairs/{work_order_id}/approve"): (
        lambda s, foreign=False: Call("POST", f"/api/v1/repairs/{s.work_order_id}/approve", json={}),
        staff_only(409),  # in scope, within the limit: the state check answers (no workflow)
    ),
    ("POST", "/api/v1/repairs/{work_order_id}/decline"): (
        lambda s, foreign=False: Call("POST", f"/api/v1/repairs/{s.work_order_id}/decline", json={}),
        staff_only(409),
    ),
    ("POST", "/api/v1/repairs/{work_order_id}/estimate"): (
        lambda s, foreign=False: Call(
            "POST", f"/api/v1/repairs/{s.work_order_id}/estimate", json={"repair_count": 2}
        ),
        staff_only(409),
    ),
    ("POST", "/api/v1/repairs/{work_order_id}/price-override"): (
        lambda s, foreign=False: Call(
            "POST",
            f"/api/v1/repairs/{s.work_order_id}/price-override",
            json={"amount": "99.00", "reason": "fleet goodwill"},
        ),
        # office; technicians and managers only with can_override_pricing (T-001 has it)
        outcome((409, 409), (409, 404), (403, 404), (403, 404), (403, 404)),
    ),
    ("POST", "/api/v1/repairs/{work_order_id}/assign"): (
        lambda s, foreign=False: Call("POST", f"/api/v1/repairs/{s.work_order_id}/assign", json={}),
        # assignment by a manager needs can_assign_work (seed 001 1.2)
        outcome((409, 409), (409, 404), (403, 404), (403, 403), (403, 403)),
    ),
    ("POST", "/api/v1/repairs/{work_order_id}/start"): (
        lambda s, foreign=False: Call("POST", f"/api/v1/repairs/{s.work_order_id}/start", json={}),
        seen(409),
    ),
    ("POST", "/api/v1/repairs/{work_order_id}/complete"): (
        lambda s, foreign=False: Call(
            "POST", f"/api/v1/repairs/{s.work_order_id}/complete", json={"labor_minutes": 30}
        ),
        seen(409),
    ),
    ("POST", "/api/v1/repairs/{work_order_id}/cancel"): (
        lambda s, foreign=False: Call("POST", f"/api/v1/repairs/{s.work_order_id}/cancel", json={}),
        staff_only(409),
    ),
    ("POST", "/api/v1/repairs/{work_order_id}/pin"): (
        lambda s, foreign=False: Call(
            "POST", f"/api/v1/repairs/{s.work_order_id}/pin", json={"technician_id": s.technician_id}
        ),
        # like assign: managers need can_assign_work; in scope the completed job answers 409
        outcome((409, 409), (409, 404), (403, 404), (403, 403), (403, 403)),
    ),
    ("POST", "/api/v1/repairs/{work_order_id}/on-my-way"): (
        lambda s, foreign=False: Call("POST", f"/api/v1/repairs/{s.work_order_id}/on-my-way", json={}),
        seen(409),  # in scope, the completed job is not on its way
    ),
    ("POST", "/api/v1/technicians/{technician_id}/locations"): (
        lambda s, foreign=False: Call(
            "POST",
            f"/api/v1/technicians/{s.technician_id}/locations",
            json={"latitude": 30.3, "longitude": -97.7},
        ),
        # a technician or manager key posts only its own position; office any technician's
        outcome((201, 201), (403, 403), (403, 403), (201, 403), (201, 403)),
    ),
    ("GET", "/api/v1/dispatch/{service_date}/technicians/{technician_id}/map.png"): (
        lambda s, foreign=False: Call(
            "GET", f"/api/v1/dispatch/{s.day}/technicians/{s.technician_id}/map.png"
        ),
        seen(200),
    ),
    ("POST", "/api/v1/repairs/{work_order_id}/unpin"): (
        lambda s, foreign=False: Call("POST", f"/api/v1/repairs/{s.work_order_id}/unpin", json={}),
        outcome((409, 409), (409, 404), (403, 404), (403, 403), (403, 403)),
    ),
    # ---- dispatch (a day's routes: each sees the routes of his scope) --------------------------
    ("GET", "/api/v1/dispatch/{service_date}"): (
        lambda s, foreign=False: Call("GET", f"/api/v1/dispatch/{s.day}"),
        EVERYONE_200,
    ),
    ("POST", "/api/v1/dispatch/{service_date}/replan"): (
        # a day with no jobs of any test (50 days ahead): the re-plan starts and changes nothing
        lambda s, foreign=False: Call(
            "POST", f"/api/v1/dispatch/{datetime.now(UTC).date() + timedelta(days=50)}/replan"
        ),
        outcome((202, 202), (202, 202), (403, 403), (403, 403), (403, 403)),
    ),
    ("GET", "/api/v1/slots"): (
        lambda s, foreign=False: Call(
            "GET", "/api/v1/slots", params={"job_type": "repair", "lat": 30.27, "lon": -97.74, "days": 1}
        ),
        EVERYONE_200,  # windows only: no customer's data
    ),
    # ---- lot walks (the sites' customers have no lot walking, and no walk exists) ----------
    ("POST", "/api/v1/customers/{customer_id}/lot-walks"): (
        lambda s, foreign=False: Call("POST", f"/api/v1/customers/{s.customer_id}/lot-walks", json={}),
        staff_only(422),  # in scope: refused because lot walking is not enabled
    ),
    ("GET", "/api/v1/lot-walks/{lot_walk_id}"): (
        lambda s, foreign=False: Call("GET", f"/api/v1/lot-walks/lot-walk-{s.customer_id}-{s.day}"),
        outcome(*[(404, 404)] * 5),
    ),
    ("POST", "/api/v1/lot-walks/{lot_walk_id}/findings"): (
        lambda s, foreign=False: Call(
            "POST",
            f"/api/v1/lot-walks/lot-walk-{s.customer_id}-{s.day}/findings",
            json={"units": [{"unit": "Truck 1", "repairs": ["mirror"]}]},
        ),
        outcome(*[(404, 404)] * 5),
    ),
    ("POST", "/api/v1/lot-walks/{lot_walk_id}/decisions"): (
        lambda s, foreign=False: Call(
            "POST",
            f"/api/v1/lot-walks/lot-walk-{s.customer_id}-{s.day}/decisions",
            json={"decisions": [{"work_order_id": s.work_order_id, "approve": True}]},
        ),
        staff_only(404, 404),
    ),
    # ---- customers -------------------------------------------------------------------------
    ("GET", "/api/v1/customers"): (
        lambda s, foreign=False: Call(
            "GET",
            "/api/v1/customers",
            params={"q": s.email},
            listed=lambda body: any(i["id"] == s.customer_id for i in body["items"]),
        ),
        seen(HIT, MISS),
    ),
    ("POST", "/api/v1/customers"): (
        lambda s, foreign=False: Call(
            "POST",
            "/api/v1/customers",
            json={"first_name": "New", "last_name": _unique(), "latitude": 30.27, "longitude": -97.74},
        ),
        staff_only(201, 201),  # no owner yet
    ),
    ("GET", "/api/v1/customers/{customer_id}"): (
        lambda s, foreign=False: Call("GET", f"/api/v1/customers/{s.customer_id}"),
        seen(200),
    ),
    ("PATCH", "/api/v1/customers/{customer_id}"): (
        lambda s, foreign=False: Call(
            "PATCH", f"/api/v1/customers/{s.customer_id}", json={"notes": "gate code 1234"}
        ),
        staff_only(200),
    ),
    ("DELETE", "/api/v1/customers/{customer_id}"): (
        lambda s, foreign=False: Call("DELETE", f"/api/v1/customers/{s.customer_id}"),
        staff_only(409),  # in scope: refused because the customer has history
    ),
    ("GET", "/api/v1/customers/{customer_id}/pricing"): (
        lambda s, foreign=False: Call("GET", f"/api/v1/customers/{s.customer_id}/pricing"),
        seen(200),
    ),
    ("PUT", "/api/v1/customers/{customer_id}/pricing"): (
        lambda s, foreign=False: Call(
            "PUT", f"/api/v1/customers/{s.customer_id}/pricing", json={"use_custom_pricing": False}
        ),
        # managers find the customer in scope (404 outside it) but may not set its prices
        outcome((200, 200), (403, 404), (403, 404), (403, 403), (403, 403)),
    ),
    ("GET", "/api/v1/customers/{customer_id}/preferred-technicians"): (
        lambda s, foreign=False: Call("GET", f"/api/v1/customers/{s.customer_id}/preferred-technicians"),
        seen(200),
    ),
    ("PUT", "/api/v1/customers/{customer_id}/preferred-technicians"): (
        lambda s, foreign=False: Call(
            "PUT",
            f"/api/v1/customers/{s.customer_id}/preferred-technicians",
            json={"technician_ids": [s.technician_id]},
        ),
        staff_only(200),
    ),
    ("GET", "/api/v1/customers/{customer_id}/communication-preferences"): (
        lambda s, foreign=False: Call("GET", f"/api/v1/customers/{s.customer_id}/communication-preferences"),
        seen(200),
    ),
    ("PUT", "/api/v1/customers/{customer_id}/communication-preferences"): (
        lambda s, foreign=False: Call(
            "PUT",
            f"/api/v1/customers/{s.customer_id}/communication-preferences",
            json={"language": "es", "contact_windows": [{"days": ["mon"], "start": "08:00", "end": "20:00"}]},
        ),
        staff_only(200),
    ),
    # ---- LLM helpers (seed 004 Phase 2; the fallback answers: no key in the test stack) -------
    ("POST", "/api/v1/repairs/{work_order_id}/timeline-summary"): (
        lambda s, foreign=False: Call("POST", f"/api/v1/repairs/{s.work_order_id}/timeline-summary"),
        seen(200),
    ),
    ("POST", "/api/v1/repairs/{work_order_id}/match-technician"): (
        lambda s, foreign=False: Call("POST", f"/api/v1/repairs/{s.work_order_id}/match-technician"),
        staff_only(200),
    ),
    ("POST", "/api/v1/repairs/{work_order_id}/generate-survey"): (
        lambda s, foreign=False: Call("POST", f"/api/v1/repairs/{s.work_order_id}/generate-survey"),
        staff_only(200),
    ),
    ("POST", "/api/v1/customers/{customer_id}/followup-suggestions"): (
        lambda s, foreign=False: Call("POST", f"/api/v1/customers/{s.customer_id}/followup-suggestions"),
        staff_only(200),
    ),
    ("POST", "/api/v1/customers/{customer_id}/generate-greeting"): (
        lambda s, foreign=False: Call(
            "POST", f"/api/v1/customers/{s.customer_id}/generate-greeting", params={"channel": "email"}
        ),
        staff_only(200),
    ),
    ("POST", "/api/v1/customers/{customer_id}/analyze-sentiment"): (
        lambda s, foreign=False: Call("POST", f"/api/v1/customers/{s.customer_id}/analyze-sentiment"),
        staff_only(200),
    ),
    ("POST", "/api/v1/customers/{customer_id}/profitability-analysis"): (
        lambda s, foreign=False: Call("POST", f"/api/v1/customers/{s.customer_id}/profitability-analysis"),
        staff_only(200),  # money: office and managers, as the customer's financials
    ),
    ("POST", "/api/v1/customers/{customer_id}/predict-maintenance"): (
        lambda s, foreign=False: Call("POST", f"/api/v1/customers/{s.customer_id}/predict-maintenance"),
        seen(200),
    ),
    ("POST", "/api/v1/appliances/{appliance_id}/predict-maintenance"): (
        lambda s, foreign=False: Call("POST", f"/api/v1/appliances/{s.appliance_id}/predict-maintenance"),
        seen(200),
    ),
    # ---- technicians (the directory is open to all staff; schedules and writes are scoped) ---
    ("GET", "/api/v1/technicians"): (
        lambda s, foreign=False: Call("GET", "/api/v1/technicians"),
        EVERYONE_200,
    ),
    ("POST", "/api/v1/technicians"): (
        # owned: a plain technician; "foreign": one with manager settings, which only admins set
        lambda s, foreign=False: Call(
            "POST",
            "/api/v1/technicians",
            json={
                "id": f"T-{next(_serial)}",
                "first_name": "New",
                "last_name": "Hire",
                "is_active": False,
                "home_latitude": 30.3,
                "home_longitude": -97.7,
                "is_manager": foreign,
            },
        ),
        managers_only(201, 403),
    ),
    ("GET", "/api/v1/technicians/{technician_id}"): (
        lambda s, foreign=False: Call("GET", f"/api/v1/technicians/{s.technician_id}"),
        EVERYONE_200,
    ),
    ("PATCH", "/api/v1/technicians/{technician_id}"): (
        lambda s, foreign=False: Call(
            "PATCH", f"/api/v1/technicians/{s.crew_id}", json={"last_name": "Renamed"}
        ),
        managers_only(200),
    ),
    ("DELETE", "/api/v1/technicians/{technician_id}"): (
        lambda s, foreign=False: Call("DELETE", f"/api/v1/technicians/{s.crew_id}"),
        managers_only(204),
    ),
    ("GET", "/api/v1/technicians/{technician_id}/schedule"): (
        lambda s, foreign=False: Call(
            "GET", f"/api/v1/technicians/{s.technician_id}/schedule", params={"day": str(s.day)}
        ),
        seen(200),
    ),
    # ---- technician performance (seed 000): his own, his team's, or everyone's --------------
    ("GET", "/api/v2/technicians/{technician_id}/performance"): (
        lambda s, foreign=False: Call("GET", f"/api/v2/technicians/{s.technician_id}/performance"),
        seen(200),
    ),
    ("GET", "/api/v2/technicians/{technician_id}/jobs"): (
        lambda s, foreign=False: Call(
            "GET", f"/api/v2/technicians/{s.technician_id}/jobs", params={"job_category": "repairs"}
        ),
        seen(200),
    ),
    # ---- performance analytics (seed 002): me/ within scope; teams for office and managers ----
    ("GET", "/api/performance/me/"): (
        lambda s, foreign=False: Call(
            "GET", "/api/performance/me/", params={"technician_id": s.technician_id}
        ),
        seen(200),
    ),
    ("GET", "/api/performance/me/trends/"): (
        lambda s, foreign=False: Call(
            "GET", "/api/performance/me/trends/", params={"technician_id": s.technician_id, "days": 30}
        ),
        seen(200),
    ),
    ("GET", "/api/performance/me/achievements/"): (
        lambda s, foreign=False: Call(
            "GET", "/api/performance/me/achievements/", params={"technician_id": s.technician_id}
        ),
        seen(200),
    ),
    ("GET", "/api/performance/team/{site_id}/"): (
        lambda s, foreign=False: Call("GET", f"/api/performance/team/{TEAM_OF[s.technician_id]}/"),
        staff_only(200),
    ),
    ("GET", "/api/performance/coaching-queue/{site_id}/"): (
        lambda s, foreign=False: Call("GET", f"/api/performance/coaching-queue/{TEAM_OF[s.technician_id]}/"),
        staff_only(200),
    ),
    ("GET", "/api/performance/top-performers/{site_id}/"): (
        lambda s, foreign=False: Call(
            "GET", f"/api/performance/top-performers/{TEAM_OF[s.technician_id]}/", params={"limit": 3}
        ),
        staff_only(200),
    ),
    ("POST", "/api/performance/kudos/"): (
        lambda s, foreign=False: Call(
            "POST",
            "/api/performance/kudos/",
            json={"technician_id": s.technician_id, "category": "quality", "message": "clean job site"},
        ),
        # recognition is open to every key (peer kudos, seed 002), but never to oneself
        outcome((201, 201), (201, 201), (201, 201), (422, 201), (422, 201)),
    ),
    ("GET", "/api/performance/me/chart.png"): (
        lambda s, foreign=False: Call(
            "GET", "/api/performance/me/chart.png", params={"technician_id": s.technician_id, "days": 30}
        ),
        seen(200),
    ),
    ("GET", "/api/performance/export/{table}.csv"): (
        # export rows are filtered to the scope, not refused: both answer 200 (a manager's export
        # leaving out the foreign team is tested in test_performance_api.py)
        lambda s, foreign=False: Call("GET", "/api/performance/export/kudos.csv"),
        staff_only(200, 200),
    ),
    # ---- catalog (company-wide: no owner) ----------------------------------------------------
    ("GET", "/api/v1/catalog"): (lambda s, foreign=False: Call("GET", "/api/v1/catalog"), EVERYONE_200),
    ("POST", "/api/v1/catalog"): (
        lambda s, foreign=False: Call(
            "POST",
            "/api/v1/catalog",
            json={
                "code": f"acc_{_unique()}",
                "name": "Access test",
                "category": "other",
                "base_price": "10.00",
                "duration_minutes": 30,
                "required_skill": "repair",
                "is_active": False,
            },
        ),
        managers_only(201, 201),
    ),
    ("GET", "/api/v1/catalog/{code}"): (
        lambda s, foreign=False: Call("GET", f"/api/v1/catalog/{s.catalog_code}"),
        EVERYONE_200,
    ),
    ("PATCH", "/api/v1/catalog/{code}"): (
        lambda s, foreign=False: Call("PATCH", f"/api/v1/catalog/{s.catalog_code}", json={"name": "Renamed"}),
        managers_only(200, 200),
    ),
    ("DELETE", "/api/v1/catalog/{code}"): (
        lambda s, foreign=False: Call("DELETE", f"/api/v1/catalog/{s.catalog_code}"),
        managers_only(204, 204),
    ),
    # ---- outbox (live approval links: never technicians) --------------------------------------
    ("GET", "/api/v1/messages"): (
        lambda s, foreign=False: Call(
            "GET",
            "/api/v1/messages",
            params={"work_order_id": s.work_order_id},
            listed=lambda body: any(i["id"] == s.message_id for i in body["items"]),
        ),
        staff_only(HIT, MISS),
    ),
    ("GET", "/api/v1/messages/{message_id}"): (
        lambda s, foreign=False: Call("GET", f"/api/v1/messages/{s.message_id}"),
        staff_only(200),
    ),
    # ---- invoices: read in scope; payments and cycles are office work ------------------------
    ("GET", "/api/v1/invoices"): (
        lambda s, foreign=False: Call(
            "GET",
            "/api/v1/invoices",
            params={"customer_id": s.customer_id},
            listed=lambda body: any(i["id"] == s.invoice_id for i in body["items"]),
        ),
        seen(HIT, MISS),
    ),
    ("GET", "/api/v1/invoices/{invoice_id}"): (
        lambda s, foreign=False: Call("GET", f"/api/v1/invoices/{s.invoice_id}"),
        seen(200),
    ),
    ("GET", "/api/v1/invoices/{invoice_id}.pdf"): (
        lambda s, foreign=False: Call("GET", f"/api/v1/invoices/{s.invoice_id}.pdf"),
        seen(200),
    ),
    ("POST", "/api/v1/invoices/{invoice_id}/payments"): (
        lambda s, foreign=False: Call(
            "POST",
            f"/api/v1/invoices/{s.invoice_id}/payments",
            json={"method": "CASH", "amount": "20.00", "reference": f"acc-{s.invoice_id}"},
        ),
        outcome(*[(201, 201)] + [(403, 403)] * 4),
    ),
    ("GET", "/api/v1/invoices/{invoice_id}/dunning"): (
        lambda s, foreign=False: Call("GET", f"/api/v1/invoices/{s.invoice_id}/dunning"),
        seen(200),
    ),
    # the site's invoice has no dunning run: signals to it are refused after the role check
    ("POST", "/api/v1/invoices/{invoice_id}/dispute"): (
        lambda s, foreign=False: Call(
            "POST", f"/api/v1/invoices/{s.invoice_id}/dispute", json={"reason": "x"}
        ),
        outcome(*[(409, 409)] + [(403, 403)] * 4),
    ),
    ("POST", "/api/v1/invoices/{invoice_id}/resolve-dispute"): (
        lambda s, foreign=False: Call("POST", f"/api/v1/invoices/{s.invoice_id}/resolve-dispute"),
        outcome(*[(409, 409)] + [(403, 403)] * 4),
    ),
    ("POST", "/api/v1/invoices/{invoice_id}/payment-plan"): (
        lambda s, foreign=False: Call(
            "POST", f"/api/v1/invoices/{s.invoice_id}/payment-plan", json={"due_date": "2099-01-01"}
        ),
        outcome(*[(409, 409)] + [(403, 403)] * 4),
    ),
    ("POST", "/api/v1/invoices/batch"): (
        # the site's job is billed already: a selection of it is refused before anything starts
        lambda s, foreign=False: Call(
            "POST", "/api/v1/invoices/batch", json={"work_order_ids": [s.work_order_id]}
        ),
        outcome(*[(409, 409)] + [(403, 403)] * 4),
    ),
    # ---- outgoing webhooks: office and admin only (no record of a site: unknown ids are 404) --
    ("POST", "/api/v1/webhook-subscriptions"): (
        lambda s, foreign=False: Call(
            "POST",
            "/api/v1/webhook-subscriptions",
            json={"url": "http://127.0.0.1:9/hooks", "event_types": ["work_order.completed"]},
        ),
        outcome(*[(201, 201)] + [(403, 403)] * 4),
    ),
    ("GET", "/api/v1/webhook-subscriptions"): (
        lambda s, foreign=False: Call("GET", "/api/v1/webhook-subscriptions"),
        outcome(*[(200, 200)] + [(403, 403)] * 4),
    ),
    ("GET", "/api/v1/webhook-subscriptions/{subscription_id}"): (
        lambda s, foreign=False: Call("GET", "/api/v1/webhook-subscriptions/987654"),
        outcome(*[(404, 404)] + [(403, 403)] * 4),
    ),
    ("DELETE", "/api/v1/webhook-subscriptions/{subscription_id}"): (
        lambda s, foreign=False: Call("DELETE", "/api/v1/webhook-subscriptions/987654"),
        outcome(*[(404, 404)] + [(403, 403)] * 4),
    ),
    ("GET", "/api/v1/webhook-subscriptions/{subscription_id}/deliveries"): (
        lambda s, foreign=False: Call("GET", "/api/v1/webhook-subscriptions/987654/deliveries"),
        outcome(*[(404, 404)] + [(403, 403)] * 4),
    ),
    ("GET", "/api/v1/webhook-subscriptions/{subscription_id}/deliveries/{delivery_id}"): (
        lambda s, foreign=False: Call("GET", "/api/v1/webhook-subscriptions/987654/deliveries/1"),
        outcome(*[(404, 404)] + [(403, 403)] * 4),
    ),
    # ---- customer 360 (seed 004 Phase 1): records read in scope, money for office and managers --
    ("GET", "/api/v1/appliances"): (
        lambda s, foreign=False: Call(
            "GET",
            "/api/v1/appliances",
            params={"customer_id": s.customer_id},
            listed=lambda body: any(i["id"] == s.appliance_id for i in body["items"]),
        ),
        seen(HIT, MISS),
    ),
    ("POST", "/api/v1/appliances"): (
        lambda s, foreign=False: Call(
            "POST", "/api/v1/appliances", json={"customer_id": s.customer_id, "type": "grease trap"}
        ),
        seen(201),  # a technician records appliances at the customers he serves
    ),
    ("GET", "/api/v1/appliances/{appliance_id}"): (
        lambda s, foreign=False: Call("GET", f"/api/v1/appliances/{s.appliance_id}"),
        seen(200),
    ),
    ("PATCH", "/api/v1/appliances/{appliance_id}"): (
        lambda s, foreign=False: Call(
            "PATCH", f"/api/v1/appliances/{s.appliance_id}", json={"last_service_date": str(s.day)}
        ),
        seen(200),
    ),
    ("DELETE", "/api/v1/appliances/{appliance_id}"): (
        lambda s, foreign=False: Call("DELETE", f"/api/v1/appliances/{s.appliance_id}"),
        staff_only(204),
    ),
    ("GET", "/api/v1/expenses"): (
        lambda s, foreign=False: Call(
            "GET",
            "/api/v1/expenses",
            params={"work_order_id": s.work_order_id},
            listed=lambda body: any(i["work_order_id"] == s.work_order_id for i in body["items"]),
        ),
        staff_only(HIT, MISS),
    ),
    ("POST", "/api/v1/expenses"): (
        lambda s, foreign=False: Call(
            "POST",
            "/api/v1/expenses",
            json={
                "work_order_id": s.work_order_id,
                "category": "disposal",
                "amount": "30.00",
                "incurred_on": str(s.day),
            },
        ),
        staff_only(201),
    ),
    ("GET", "/api/v1/reviews"): (
        lambda s, foreign=False: Call(
            "GET",
            "/api/v1/reviews",
            params={"work_order_id": s.work_order_id},
            listed=lambda body: any(i["work_order_id"] == s.work_order_id for i in body["items"]),
        ),
        seen(HIT, MISS),
    ),
    ("POST", "/api/v1/reviews"): (
        # the site's job has a survey review; staff add the manual one
        lambda s, foreign=False: Call(
            "POST", "/api/v1/reviews", json={"work_order_id": s.work_order_id, "rating": 5}
        ),
        staff_only(201),
    ),
    ("GET", "/api/v1/follow-ups"): (
        lambda s, foreign=False: Call(
            "GET",
            "/api/v1/follow-ups",
            params={"customer_id": s.customer_id},
            listed=lambda body: any(i["id"] == s.follow_up_id for i in body["items"]),
        ),
        seen(HIT, MISS),
    ),
    ("POST", "/api/v1/follow-ups"): (
        lambda s, foreign=False: Call(
            "POST",
            "/api/v1/follow-ups",
            json={"customer_id": s.customer_id, "reason": "how is the new pump?"},
        ),
        staff_only(201),
    ),
    ("GET", "/api/v1/follow-ups/{follow_up_id}"): (
        lambda s, foreign=False: Call("GET", f"/api/v1/follow-ups/{s.follow_up_id}"),
        seen(200),
    ),
    ("PATCH", "/api/v1/follow-ups/{follow_up_id}"): (
        lambda s, foreign=False: Call(
            "PATCH", f"/api/v1/follow-ups/{s.follow_up_id}", json={"status": "done"}
        ),
        seen(200),  # whoever sees it may close it
    ),
    ("GET", "/api/v1/customers/{customer_id}/referrals"): (
        lambda s, foreign=False: Call("GET", f"/api/v1/customers/{s.customer_id}/referrals"),
        seen(200),
    ),
    ("POST", "/api/v1/customers/{customer_id}/referral-code"): (
        lambda s, foreign=False: Call("POST", f"/api/v1/customers/{s.customer_id}/referral-code"),
        staff_only(200),
    ),
    ("PUT", "/api/v1/customers/{customer_id}/referred-by"): (
        lambda s, foreign=False: Call(
            "PUT", f"/api/v1/customers/{s.customer_id}/referred-by", json={"referral_code": None}
        ),
        staff_only(200),
    ),
    ("GET", "/api/v1/customers/{customer_id}/technician-ratings"): (
        lambda s, foreign=False: Call("GET", f"/api/v1/customers/{s.customer_id}/technician-ratings"),
        seen(200),
    ),
    ("PUT", "/api/v1/customers/{customer_id}/technician-ratings/{work_order_id}"): (
        lambda s, foreign=False: Call(
            "PUT",
            f"/api/v1/customers/{s.customer_id}/technician-ratings/{s.work_order_id}",
            json={"rating": 4},
        ),
        staff_only(200),
    ),
    ("GET", "/api/v1/customers/{customer_id}/financials"): (
        lambda s, foreign=False: Call("GET", f"/api/v1/customers/{s.customer_id}/financials"),
        staff_only(200),
    ),
    ("GET", "/api/v1/repairs/{work_order_id}/financials"): (
        lambda s, foreign=False: Call("GET", f"/api/v1/repairs/{s.work_order_id}/financials"),
        staff_only(200),
    ),
}


def api_routes() -> list[tuple[str, str]]:
    """Every (method, path) under /api in the app's OpenAPI document."""
    spec = create_app(Settings(profile="test", database_url="postgresql://unused/none")).openapi()
    return sorted(
        (method.upper(), path)
        for path, item in spec["paths"].items()
        if path.startswith("/api/")
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    )


def test_every_api_route_has_an_entry():
    """A route without an entry fails here: write its expected outcome per caller in ROUTES."""
    routes = set(api_routes())
    missing = sorted(routes - ROUTES.keys())
    assert not missing, f"routes with no entry in the access matrix (add them to ROUTES): {missing}"
    stale = sorted(ROUTES.keys() - routes)
    assert not stale, f"ROUTES entries for routes the API no longer has: {stale}"
    for key, (_, expected) in ROUTES.items():
        assert set(expected) == set(CALLERS), key


# ---- the world: keys, and fresh records per call --------------------------------------------


@dataclass
class World:
    keys: dict[str, dict[str, str]]
    managers: dict[str, str]  # technician -> his manager


@pytest_asyncio.fixture(scope="module")
async def world(stack) -> World:
    with transaction(stack.sessions) as session:
        keys = {
            "manager": create_api_key(session, name="acc T-001", role="manager", technician_id="T-001"),
            "manager_no_assign": create_api_key(
                session, name="acc T-005", role="manager", technician_id="T-005"
            ),
        }
        t005 = session.get(Technician, "T-005")
        assert t005.is_manager and not t005.can_assign_work and t005.approval_limit == Decimal("300.00")
        managers = {
            tech: manager
            for manager, tech in session.execute(
                select(technician_managed.c.manager_id, technician_managed.c.technician_id)
            )
        }
    return World(
        keys={
            "office": stack.office,
            "manager": {"X-API-Key": keys["manager"]},
            "manager_no_assign": {"X-API-Key": keys["manager_no_assign"]},
            "tech_owner": {"X-API-Key": stack.tech_keys["T-002"]},
            "tech_other": {"X-API-Key": stack.tech_keys["T-003"]},
        },
        managers=managers,
    )


def make_site(stack, world: World, technician_id: str) -> Site:
    """A fresh customer with one completed job of ``technician_id`` (estimate $120, within every
    manager's limit), pricing, an outbox message, an inactive crew member of the same manager and
    an unused catalog entry."""
    tag = _unique()
    day = date.today() - timedelta(days=3)
    with transaction(stack.sessions) as session:
        customer = Customer(
            first_name="Acc",
            last_name=tag,
            email=f"acc-{tag}@example.com",
            phone=f"+1737{next(_serial):07d}",
            address=f"{uuid.uuid4().int % 10**4} Secret {tag} Rd",
            city="Austin",
            state="TX",
            zip_code="78701",
            latitude=30.27,
            longitude=-97.74,
            max_auto_approve_amount=Decimal("0"),
        )
        customer.pricing = CustomerPricing(use_custom_pricing=False)
        session.add(customer)
        session.flush()
        wo = WorkOrder(
            id=f"WO-ACC-{tag}",
            customer_id=customer.id,
            technician_id=technician_id,
            job_type="repair",
            status="completed",
            scheduled_date=day,
            estimate_amount=Decimal("120.00"),
            estimate_version=1,
            total_amount=Decimal("120.00"),
            service_location=customer.address,
        )
        session.add(wo)
        session.flush()
        message = Message(
            idempotency_key=f"acc:{tag}",
            work_order_id=wo.id,
            customer_id=customer.id,
            channel="sms",
            provider="outbox",
            purpose="approval-request-v1",
            to_address=customer.phone,
            body=f"Hi {customer.first_name}, your estimate",
            status="sent",
            sent_at=datetime.now(UTC),
        )
        session.add(message)
        crew = Technician(
            id=f"T-{next(_serial)}",
            first_name="Crew",
            last_name=tag,
            is_active=False,
            home_latitude=30.3,
            home_longitude=-97.7,
        )
        session.add(crew)
        session.add(
            ServiceCatalogEntry(
                code=f"acc_{tag}",
                name="Access test",
                category="other",
                base_price=Decimal("10.00"),
                duration_minutes=30,
                required_skill="repair",
                is_active=False,
            )
        )
        session.flush()
        session.execute(
            technician_managed.insert().values(
                manager_id=world.managers[technician_id], technician_id=crew.id
            )
        )
        invoice = Invoice(
            number=f"INV-1999-{next(_serial):06d}",
            customer_id=customer.id,
            period_key=f"acc-{tag}",
            workflow_id=f"billing-acc-{tag}",
            status="open",
            payment_terms="NET_30",
            issue_date=day,
            due_date=day + timedelta(days=30),
            issued_at=datetime.now(UTC),
            subtotal=Decimal("120.00"),
            tax_rate=Decimal("0"),
            tax_amount=Decimal("0.00"),
            total=Decimal("120.00"),
            amount_paid=Decimal("0.00"),
            balance=Decimal("120.00"),
        )
        invoice.lines = [
            InvoiceLine(
                line_no=1,
                work_order_id=wo.id,
                description=f"{wo.id} Repair",
                quantity=Decimal("1"),
                unit_price=Decimal("120.00"),
                amount=Decimal("120.00"),
            )
        ]
        session.add(invoice)
        session.flush()
        session.add(InvoiceWorkOrder(work_order_id=wo.id, invoice_id=invoice.id))
        wo.invoiced_at = datetime.now(UTC)
        appliance = Appliance(customer_id=customer.id, type="septic tank", work_order_id=wo.id)
        follow_up = ServiceFollowUp(
            customer_id=customer.id, work_order_id=wo.id, reason="call", created_by="acc"
        )
        session.add_all([appliance, follow_up])
        session.add(
            Expense(
                work_order_id=wo.id,
                customer_id=customer.id,
                category="permit",
                amount=Decimal("9.00"),
                incurred_on=day,
                created_by="acc",
            )
        )
        session.add(
            Review(
                work_order_id=wo.id,
                customer_id=customer.id,
                technician_id=technician_id,
                rating=4,
                source="survey",
            )
        )
        session.flush()
        return Site(
            technician_id,
            customer.id,
            wo.id,
            message.id,
            customer.email,
            customer.phone,
            customer.address,
            day,
            crew.id,
            f"acc_{tag}",
            invoice.id,
            appliance.id,
            follow_up.id,
        )


async def run(stack, call: Call, headers: dict) -> tuple[int | str, object]:
    r = await stack.http.request(call.method, call.path, params=call.params, json=call.json, headers=headers)
    if r.status_code >= 400:
        assert r.headers["content-type"] == "application/problem+json", (call.path, r.text)
    if call.listed is not None and r.status_code == 200:
        return (HIT if call.listed(r.json()) else MISS), r.text
    if r.status_code == 201 and call.path == "/api/v1/repairs":  # let the repair end at once
        await stack.http.post(f"/api/v1/repairs/{r.json()['id']}/cancel", json={}, headers=stack.office)
    return r.status_code, r.text


@pytest.mark.parametrize(("method", "path"), api_routes(), ids=lambda v: v)
async def test_route_answers_each_caller_by_ownership(stack, world, method, path):
    assert (method, path) in ROUTES, f"{method} {path} has no entry in ROUTES"
    build, expected = ROUTES[(method, path)]
    wrong = []
    for caller in CALLERS:
        owned_tech, foreign_tech, _ = OWNERS[caller]
        owned, foreign = make_site(stack, world, owned_tech), make_site(stack, world, foreign_tech)
        got_owned, _ = await run(stack, build(owned), world.keys[caller])
        got_foreign, foreign_body = await run(stack, build(foreign, foreign=True), world.keys[caller])
        if (got_owned, got_foreign) != expected[caller]:
            wrong.append(f"{caller}: owned {got_owned}, foreign {got_foreign}; expected {expected[caller]}")
        if caller in SCOPED:
            leaked = [secret for secret in foreign.secrets if secret in foreign_body]
            assert not leaked, (
                f"{caller} got foreign data {leaked} from {method} {path}: {foreign_body[:300]}"
            )
    assert not wrong, f"{method} {path}: " + "; ".join(wrong)


# ---- what each caller sees in full, against the database ------------------------------------


async def all_items(stack, path: str, headers: dict) -> list[dict]:
    items, page = [], 1
    while True:
        r = await stack.http.get(path, params={"page": page, "page_size": 100}, headers=headers)
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        if len(items) >= r.json()["total"] or not r.json()["items"]:
            return items
        page += 1


def owned_truth(stack, technician_ids: set[str]) -> tuple[set[str], set[int]]:
    """Work order ids of ``technician_ids`` and their customers, straight from the database."""
    with transaction(stack.sessions) as session:
        rows = session.execute(
            select(WorkOrder.id, WorkOrder.customer_id).where(WorkOrder.technician_id.in_(technician_ids))
        ).all()
    return {r.id for r in rows}, {r.customer_id for r in rows}


async def test_a_technician_sees_exactly_his_own_jobs_and_their_customers(stack, world):
    make_site(stack, world, "T-006")  # at least one foreign job and customer
    before_jobs, before_customers = owned_truth(stack, {"T-002"})
    repairs = await all_items(stack, "/api/v1/repairs", world.keys["tech_owner"])
    customers = await all_items(stack, "/api/v1/customers", world.keys["tech_owner"])
    after_jobs, after_customers = owned_truth(stack, {"T-002"})
    assert {r["technician_id"] for r in repairs} == {"T-002"}
    assert before_jobs <= {r["id"] for r in repairs} <= after_jobs
    assert before_customers <= {c["id"] for c in customers} <= after_customers
    with transaction(stack.sessions) as session:
        emails = {c.id: c.email for c in session.scalars(select(Customer))}
    foreign = {e for i, e in emails.items() if i not in after_customers} - {
        emails[i] for i in after_customers
    }
    listed = str(customers) + str(repairs)
    assert foreign and not [email for email in foreign if email and email in listed]


async def test_a_manager_sees_his_team_and_the_open_queue_only(stack, world):
    team = {"T-001", "T-002", "T-003", "T-004"} | {
        tech for tech, manager in world.managers.items() if manager == "T-001"
    }
    make_site(stack, world, "T-006")
    before, _ = owned_truth(stack, team)
    repairs = await all_items(stack, "/api/v1/repairs", world.keys["manager"])
    listed = {r["id"] for r in repairs}
    assert before <= listed
    for r in repairs:
        assert r["technician_id"] in team or (
            r["technician_id"] is None
            and r["status"] not in ("declined", "expired", "completed", "cancelled")
        ), r
    foreign_jobs, _ = owned_truth(stack, {"T-005", "T-006", "T-007", "T-008"})
    assert foreign_jobs and not foreign_jobs & listed


# ---- the manager rules on live repairs -----------------------------------------------------


async def pending(stack, repair_count: int) -> dict:
    customer = await new_customer(stack, max_auto_approve_amount="1.00", require_photo_for_approval=False)
    r = await stack.http.post(
        "/api/v1/repairs",
        json={"customer_id": customer, "job_type": "repair", "repair_count": repair_count},
        headers=stack.office,
    )
    assert r.status_code == 201, r.text
    return await wait_status(stack, r.json()["id"], {"pending_approval"})


async def test_managers_cannot_approve_above_their_approval_limit(stack, world):
    """T-005 (limit $300) is refused above it and approves within it; the office approves any
    amount on the customer's behalf. Each answer follows its pending state at once (the test
    profile expires approvals after 8 s)."""
    manager = world.keys["manager_no_assign"]
    big = await pending(stack, 12)
    assert Decimal(big["estimate_amount"]) > Decimal("300.00")
    over = await stack.http.post(f"/api/v1/repairs/{big['id']}/approve", json={}, headers=manager)
    assert over.status_code == 403 and over.headers["content-type"] == "application/problem+json"
    assert "approval limit ($300.00)" in over.json()["detail"]
    office = await stack.http.post(f"/api/v1/repairs/{big['id']}/approve", json={}, headers=stack.office)
    assert office.status_code == 200, office.text  # still pending after the refusal: the office may
    small = await pending(stack, 1)
    assert Decimal(small["estimate_amount"]) <= Decimal("300.00")
    within = await stack.http.post(f"/api/v1/repairs/{small['id']}/approve", json={}, headers=manager)
    assert within.status_code == 200, within.text
    assert within.json()["approved_by"].endswith(":manager")


async def test_assignment_by_a_manager_needs_can_assign_work(stack, world):
    repair = await pending(stack, 1)  # the open queue: every manager sees it
    url = f"/api/v1/repairs/{repair['id']}/assign"
    refused = await stack.http.post(url, json={}, headers=world.keys["manager_no_assign"])
    assert refused.status_code == 403 and "can_assign_work" in refused.json()["detail"]
    off_team = await stack.http.post(url, json={"technician_id": "T-006"}, headers=world.keys["manager"])
    assert off_team.status_code == 403 and "not on your team" in off_team.json()["detail"]
    allowed = await stack.http.post(url, json={}, headers=world.keys["manager"])
    assert allowed.status_code == 409  # may assign; the repair is not approved yet
    await stack.http.post(f"/api/v1/repairs/{repair['id']}/cancel", json={}, headers=stack.office)


async def test_a_manager_cannot_raise_his_own_limits(stack, world):
    for change in ({"approval_limit": "99999.00"}, {"can_assign_work": True}, {"managed_technician_ids": []}):
        r = await stack.http.patch(
            "/api/v1/technicians/T-005", json=change, headers=world.keys["manager_no_assign"]
        )
        assert r.status_code == 403 and "admin" in r.json()["detail"], r.text
    with transaction(stack.sessions) as session:
        t005 = session.get(Technician, "T-005")
        assert t005.approval_limit == Decimal("300.00") and not t005.can_assign_work


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PATCH", "/api/v1/customers/{id}", {"max_auto_approve_amount": "99999.00"}),
        ("PATCH", "/api/v1/customers/{id}", {"credit_hold": False}),
        ("PATCH", "/api/v1/customers/{id}", {"require_photo_for_approval": False}),
        (
            "POST",
            "/api/v1/customers",
            {
                "first_name": "Self",
                "last_name": "Approved",
                "latitude": 30.2,
                "longitude": -97.7,
                "max_auto_approve_amount": "99999.00",
            },
        ),
    ],
)
async def test_a_manager_cannot_raise_a_customers_approval_terms(stack, method, path, body):
    """Raising a customer's auto-approve limit (or lifting its credit hold) and re-quoting would
    get a manager's approval past his approval_limit: office and admin only."""
    with transaction(stack.sessions) as session:
        manager = {
            "X-API-Key": create_api_key(session, name="terms mgr", role="manager", technician_id="T-001")
        }
    created = await stack.http.post(
        "/api/v1/customers",
        json={"first_name": "Queue", "last_name": _unique(), "latitude": 30.27, "longitude": -97.74},
        headers=manager,
    )
    assert created.status_code == 201, created.text  # a customer with no job: in his scope
    url = path.format(id=created.json()["id"])
    refused = await stack.http.request(method, url, json=body, headers=manager)
    assert refused.status_code == 403 and "office or admin" in refused.json()["detail"], refused.text
    allowed = await stack.http.request(method, url, json=body, headers=stack.office)
    assert allowed.status_code in (200, 201), allowed.text

"""Validation of the API's request bodies (customers, technicians, catalog)."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from api.schemas.catalog import CatalogEntryCreate, CatalogEntryUpdate
from api.schemas.customers import CustomerCreate, CustomerPricingIn, CustomerUpdate
from api.schemas.technicians import TechnicianCreate, TechnicianOut, TechnicianUpdate

CUSTOMER = {"first_name": "Pat", "last_name": "Lee", "latitude": 30.27, "longitude": -97.74}
TECHNICIAN = {
    "id": "T-010",
    "first_name": "Ana",
    "last_name": "Ruiz",
    "home_latitude": 30.5,
    "home_longitude": -97.7,
}
ENTRY = {
    "code": "lift_station",
    "name": "Lift station service",
    "category": "repair",
    "base_price": "180.00",
    "duration_minutes": 90,
    "required_skill": "repair",
}


def test_customer_minimal_gets_database_defaults() -> None:
    c = CustomerCreate(**CUSTOMER)
    assert c.preferred_contact_method == "sms"
    assert c.service_mode == "ON_CALL"
    assert c.payment_terms == "NET_30"
    assert c.max_auto_approve_amount == Decimal("100.00")
    assert c.fleet_size == 0


def test_customer_full_example_passes() -> None:
    c = CustomerCreate(
        **CUSTOMER,
        company_name="Acme",
        email="pat@example.com",
        phone="+15125550100",
        preferred_contact_method="email",
        service_mode="HYBRID",
        payment_terms="PREPAID",
        max_auto_approve_amount="250.50",
        fleet_size=12,
        lot_walking_time="07:00",
    )
    assert c.max_auto_approve_amount == Decimal("250.50")
    assert isinstance(c.max_auto_approve_amount, Decimal)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("payment_terms", "NET_90"),
        ("service_mode", "WEEKLY"),
        ("preferred_contact_method", "fax"),
        ("latitude", 91),
        ("longitude", -180.5),
        ("max_auto_approve_amount", "-1.00"),
        ("max_auto_approve_amount", "10.001"),
        ("fleet_size", -1),
        ("email", "not-an-email"),
        ("first_name", ""),
        ("state", "TEX"),
    ],
)
def test_customer_rejects_bad_values(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as err:
        CustomerCreate(**{**CUSTOMER, field: value})
    assert err.value.errors()[0]["loc"][0] == field


def test_customer_requires_location() -> None:
    with pytest.raises(ValidationError):
        CustomerCreate(first_name="Pat", last_name="Lee")


def test_extra_fields_are_forbidden() -> None:
    with pytest.raises(ValidationError, match="extra"):
        CustomerCreate(**CUSTOMER, payment_term="NET_30")
    with pytest.raises(ValidationError, match="extra"):
        TechnicianCreate(**TECHNICIAN, skill=["repair"])
    with pytest.raises(ValidationError, match="extra"):
        CatalogEntryUpdate(price="10.00")
    with pytest.raises(ValidationError, match="extra"):
        CustomerPricingIn(repair_6_price="1.00")


def test_customer_update_is_partial() -> None:
    u = CustomerUpdate(notes="gate code 1234", company_name=None)
    assert u.changes() == {"notes": "gate code 1234", "company_name": None}
    assert CustomerUpdate().changes() == {}


def test_customer_update_refuses_null_for_required_field() -> None:
    with pytest.raises(ValidationError, match="first_name\n  Value error, may not be null"):
        CustomerUpdate(first_name=None)
    with pytest.raises(ValidationError):
        CustomerUpdate(payment_terms="NET_45")


def test_pricing_bounds() -> None:
    p = CustomerPricingIn(
        use_custom_pricing=True,
        repair_1_price="45.00",
        repair_5_plus_price="22.00",
        volume_discount_threshold=10,
        volume_discount_percentage="7.50",
    )
    assert p.repair_1_price == Decimal("45.00")
    assert p.repair_2_price is None
    for bad in (
        {"volume_discount_threshold": 0},
        {"volume_discount_percentage": "100.01"},
        {"volume_discount_percentage": "-1"},
        {"repair_3_price": "-0.01"},
    ):
        with pytest.raises(ValidationError):
            CustomerPricingIn(**bad)


def test_technician_valid_example_normalizes_hours_and_dedupes_skills() -> None:
    t = TechnicianCreate(
        **TECHNICIAN,
        working_hours={"mon": ["08:00:00", "17:00"]},
        approval_limit="500.00",
        skills=["repair", "pumping", "repair"],
        managed_technician_ids=["T-001"],
    )
    assert t.working_hours == {"mon": ["08:00", "17:00"]}
    assert t.skills == ["repair", "pumping"]
    assert t.approval_limit == Decimal("500.00")


@pytest.mark.parametrize(
    "hours",
    [
        {"monday": ["08:00", "17:00"]},
        {"mon": ["17:00", "08:00"]},
        {"mon": ["08:00"]},
        {"mon": ["8am", "5pm"]},
    ],
)
def test_technician_rejects_bad_working_hours(hours: dict) -> None:
    with pytest.raises(ValidationError) as err:
        TechnicianCreate(**TECHNICIAN, working_hours=hours)
    assert err.value.errors()[0]["loc"][0] == "working_hours"
    with pytest.raises(ValidationError):
        TechnicianUpdate(working_hours=hours)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", "T-1"),
        ("id", "X-001"),
        ("id", "T-0000001"),
        ("approval_limit", "-5.00"),
        ("home_latitude", -91),
    ],
)
def test_technician_rejects_bad_values(field: str, value: object) -> None:
    with pytest.raises(ValidationError):
        TechnicianCreate(**{**TECHNICIAN, field: value})


def test_technician_cannot_manage_themselves() -> None:
    with pytest.raises(ValidationError, match="manage themselves"):
        TechnicianCreate(**TECHNICIAN, managed_technician_ids=["T-010"])


def test_technician_update_refuses_null_skills() -> None:
    with pytest.raises(ValidationError, match="skills\n  Value error, may not be null"):
        TechnicianUpdate(skills=None)
    assert TechnicianUpdate(approval_limit=None).changes() == {"approval_limit": None}


def test_technician_out_flattens_skills_and_managed() -> None:
    row = SimpleNamespace(
        id="T-001",
        name="Ana Ruiz",
        first_name="Ana",
        last_name="Ruiz",
        email=None,
        phone=None,
        is_manager=True,
        approval_limit=Decimal("500.00"),
        can_assign_work=True,
        can_override_pricing=False,
        is_active=True,
        working_hours={"mon": ["08:00", "17:00"]},
        home_latitude=30.5,
        home_longitude=-97.7,
        home_zip=None,
        skills=[SimpleNamespace(skill_type="repair"), SimpleNamespace(skill_type="camera")],
        managed_technicians=[SimpleNamespace(id="T-003"), SimpleNamespace(id="T-002")],
        created_at="2026-01-01T00:00:00Z",
        updated_at="2026-01-01T00:00:00Z",
    )
    out = TechnicianOut.model_validate(row)
    assert out.skills == ["camera", "repair"]
    assert out.managed_technician_ids == ["T-002", "T-003"]
    assert out.model_dump(mode="json")["approval_limit"] == "500.00"


def test_catalog_entry_valid_example_passes() -> None:
    e = CatalogEntryCreate(**ENTRY)
    assert e.base_price == Decimal("180.00")
    assert e.is_active


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("code", "Lift"),
        ("code", "x"),
        ("code", "9lift"),
        ("code", "a" * 41),
        ("code", "lift-station"),
        ("category", "pumping"),
        ("base_price", "-1.00"),
        ("base_price", "1.999"),
        ("duration_minutes", 0),
        ("duration_minutes", 1441),
        ("required_skill", ""),
    ],
)
def test_catalog_entry_rejects_bad_values(field: str, value: object) -> None:
    with pytest.raises(ValidationError):
        CatalogEntryCreate(**{**ENTRY, field: value})


def test_catalog_update_refuses_null_price() -> None:
    with pytest.raises(ValidationError, match="base_price\n  Value error, may not be null"):
        CatalogEntryUpdate(base_price=None)
    assert CatalogEntryUpdate(is_active=False).changes() == {"is_active": False}

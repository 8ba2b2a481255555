"""The OpenAPI document describes what the API really does: every operation documents its
problem+json answers, values are typed the way the server formats and checks them, and the
limits the server enforces are in the schema."""

from __future__ import annotations

import re
from datetime import time
from decimal import Decimal

import pytest
from pydantic import ValidationError

from api.app import create_app
from api.schemas.customers import CustomerCreate, CustomerOut, CustomerPricingIn, CustomerUpdate
from api.schemas.repairs import RepairCreate
from api.schemas.technicians import TechnicianUpdate
from config import Settings

PROBLEM_STATUSES = ("401", "403", "404", "409", "422", "503")
METHODS = {"get", "put", "post", "patch", "delete"}


@pytest.fixture(scope="module")
def spec() -> dict:
    return create_app(Settings(profile="test")).openapi()


def operations(spec: dict) -> list[tuple[str, str, dict]]:
    return [
        (method, path, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]


def test_every_operation_documents_its_problem_answers(spec: dict) -> None:
    ops = operations(spec)
    assert len(ops) >= 30
    for method, path, op in ops:
        for status in PROBLEM_STATUSES:
            response = op["responses"].get(status)
            assert response, f"{method.upper()} {path} does not document {status}"
            assert set(response["content"]) == {"application/problem+json"}, (method, path, status)
            assert response["content"]["application/problem+json"]["schema"] == {
                "$ref": "#/components/schemas/Problem"
            }
        assert "Retry-After" in op["responses"]["503"]["headers"], (method, path)
    problem = spec["components"]["schemas"]["Problem"]
    assert {"title", "status", "detail"} <= set(problem["required"])
    assert "HTTPValidationError" not in spec["components"]["schemas"]  # 422 is problem+json


def test_local_time_schema_matches_what_is_returned(spec: dict) -> None:
    out = CustomerOut.model_json_schema(mode="serialization")["properties"]["lot_walking_time"]
    branch = next(b for b in out["anyOf"] if b.get("type") == "string")
    assert "format" not in branch  # JSON Schema's format: time requires an offset we never send
    customer = CustomerCreate(
        first_name="A", last_name="B", latitude=30, longitude=-97, lot_walking_time="07:00"
    )
    sent = customer.model_dump(mode="json")["lot_walking_time"]
    assert sent == "07:00:00" and re.fullmatch(branch["pattern"], sent)
    assert customer.lot_walking_time == time(7, 0)
    listed = spec["components"]["schemas"]["CustomerOut"]["properties"]["lot_walking_time"]
    assert all("format" not in b for b in listed["anyOf"])


def test_patch_bodies_do_not_offer_null_for_not_null_columns(spec: dict) -> None:
    for name, model in (("CustomerUpdate", CustomerUpdate), ("TechnicianUpdate", TechnicianUpdate)):
        props = spec["components"]["schemas"][name]["properties"]
        for field in model.not_null:
            assert "null" not in repr(props[field]), (name, field, props[field])
    props = spec["components"]["schemas"]["CustomerUpdate"]["properties"]
    assert {"type": "null"} in props["company_name"]["anyOf"]  # nullable columns stay nullable


def test_money_digit_limits_are_in_the_schema(spec: dict) -> None:
    amount = spec["components"]["schemas"]["CustomerCreate"]["properties"]["max_auto_approve_amount"]
    number, text = amount["anyOf"]
    assert number["maximum"] == 9999999999.99 and number["multipleOf"] == 0.01 and number["minimum"] == 0
    for ok in ("0", "12.5", "9999999999.99"):
        assert re.fullmatch(text["pattern"], ok)
        CustomerCreate(first_name="A", last_name="B", latitude=0, longitude=0, max_auto_approve_amount=ok)
    for bad in ("1e3", "-1", "12.345", "10000000000", " 1"):
        assert not re.fullmatch(text["pattern"], bad)
        with pytest.raises(ValidationError):
            CustomerCreate(
                first_name="A", last_name="B", latitude=0, longitude=0, max_auto_approve_amount=bad
            )
    percent = spec["components"]["schemas"]["CustomerPricingIn"]["properties"]["volume_discount_percentage"]
    assert percent["anyOf"][0]["maximum"] == 100
    assert CustomerPricingIn(volume_discount_percentage="100").volume_discount_percentage == Decimal(100)


def test_string_limits_are_in_the_schema(spec: dict) -> None:
    create = spec["components"]["schemas"]["RepairCreate"]["properties"]
    assert create["job_type"]["maxLength"] == 40
    assert create["description"]["anyOf"][0]["maxLength"] == 2000
    customer = spec["components"]["schemas"]["CustomerCreate"]["properties"]
    assert customer["first_name"]["maxLength"] == 80 and customer["first_name"]["minLength"] == 1


@pytest.mark.parametrize(
    ("model", "body"),
    [
        (CustomerCreate, {"credit_hold": 0}),
        (CustomerCreate, {"credit_hold": "false"}),
        (CustomerCreate, {"require_photo_for_approval": 1}),
        (CustomerCreate, {"fleet_size": 2.0}),
        (CustomerCreate, {"latitude": "30.1"}),
        (CustomerCreate, {"lot_walking_time": 25200}),
        (CustomerPricingIn, {"use_custom_pricing": 0}),
        (CustomerUpdate, {"credit_hold": 1}),
        (CustomerUpdate, {"credit_hold": None}),
        (RepairCreate, {"scheduled_date": 0}),
        (RepairCreate, {"scheduled_date": "20261122"}),
        (RepairCreate, {"repair_count": True}),
    ],
)
def test_request_bodies_are_strict(model: type, body: dict) -> None:
    base = {
        CustomerCreate: {"first_name": "A", "last_name": "B", "latitude": 30, "longitude": -97},
        RepairCreate: {"customer_id": 1, "job_type": "repair"},
    }.get(model, {})
    with pytest.raises(ValidationError) as err:
        model.model_validate({**base, **body})
    assert err.value.errors()[0]["loc"][0] == next(iter(body))

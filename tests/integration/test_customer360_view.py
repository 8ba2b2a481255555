"""Customer 360 view (seed 004 Phase 1): referral codes and the tree, and
``GET /api/v1/customers/{id}?include=…`` (all parts, 422 for a bad one, 403 for a technician
asking for money, and a statement count that does not grow with the rows)."""

# ruff: noqa: F811 - the fixtures imported from customer360_fixtures are test arguments
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import event

from db.models import Customer, WorkOrder
from db.session import transaction
from domain.customer360 import INCLUDES
from tests.integration.customer360_data import add_job, add_records, new_customer
from tests.integration.customer360_fixtures import Api, Site, api, new_site_customer, problem, site  # noqa: F401

pytestmark = pytest.mark.integration


# ---- referrals -----------------------------------------------------------------------------------


def test_referral_codes_and_the_referral_tree(api: Api):
    ids = [new_site_customer(api) for _ in range(4)]
    root, child, grandchild, other = ids
    code = api.http.post(f"/api/v1/customers/{root}/referral-code", headers=api.office).json()[
        "referral_code"
    ]
    assert code.startswith("R") and len(code) == 8
    assert (
        api.http.post(f"/api/v1/customers/{root}/referral-code", headers=api.office).json()["referral_code"]
        == code
    )
    child_code = api.http.post(f"/api/v1/customers/{child}/referral-code", headers=api.office).json()[
        "referral_code"
    ]
    assert child_code != code
    r = api.http.put(
        f"/api/v1/customers/{child}/referred-by", json={"referral_code": code.lower()}, headers=api.office
    )
    assert r.status_code == 200 and r.json()["referred_by"]["id"] == root, r.text
    assert (
        api.http.put(
            f"/api/v1/customers/{grandchild}/referred-by",
            json={"referral_code": child_code},
            headers=api.office,
        ).status_code
        == 200
    )
    problem(
        api.http.put(
            f"/api/v1/customers/{root}/referred-by", json={"referral_code": child_code}, headers=api.office
        ),
        409,
    )
    problem(
        api.http.put(
            f"/api/v1/customers/{root}/referred-by", json={"referral_code": code}, headers=api.office
        ),
        422,
    )
    problem(
        api.http.put(
            f"/api/v1/customers/{other}/referred-by", json={"referral_code": "RNOPE234"}, headers=api.office
        ),
        422,
    )
    tree = api.http.get(f"/api/v1/customers/{root}/referrals", headers=api.office).json()
    assert tree["total_referred"] == 2 and tree["referred_by"] is None
    (node,) = tree["referrals"]
    assert node["customer_id"] == child and node["depth"] == 1 and node["display_name"]
    assert [(n["customer_id"], n["depth"]) for n in node["referrals"]] == [(grandchild, 2)]
    cleared = api.http.put(
        f"/api/v1/customers/{grandchild}/referred-by", json={"referral_code": None}, headers=api.office
    )
    assert cleared.json()["referred_by"] is None


# ---- the 360 view --------------------------------------------------------------------------------


def test_include_returns_every_part_asked_for_and_nothing_else(api: Api, site: Site):
    with transaction(api.sessions) as session:
        add_records(session, session.get(Customer, site.customer_id), session.get(WorkOrder, site.job), 2)
    plain = api.http.get(f"/api/v1/customers/{site.customer_id}", headers=api.office).json()
    assert not set(plain) & set(INCLUDES), "no part unless asked for"
    view = api.http.get(
        f"/api/v1/customers/{site.customer_id}", params={"include": "all"}, headers=api.office
    ).json()
    assert set(INCLUDES) <= set(view) and plain.items() <= view.items()
    assert len(view["appliances"]) == 2 and len(view["reviews"]) == 2 and len(view["follow_ups"]) == 2
    assert len(view["expenses"]) == 2 and len(view["payments"]) == 2 and len(view["invoices"]) == 2
    assert view["referrals"]["total_referred"] == 2 and len(view["ratings"]["ratings"]) == 2
    assert {j["id"] for j in view["jobs"]} >= {site.job, site.open_job}
    assert Decimal(view["financials"]["totals"]["payments"]) == Decimal("40.00")
    assert view["preferences"]["customer_id"] == site.customer_id
    some = api.http.get(
        f"/api/v1/customers/{site.customer_id}", params={"include": "appliances,reviews"}, headers=api.office
    ).json()
    assert set(some) & set(INCLUDES) == {"appliances", "reviews"}


def test_bad_include_is_a_422_and_money_is_not_for_technicians(api: Api, site: Site):
    for bad in ("appliance", "appliances,bogus", ",", "appliances;reviews"):
        problem(
            api.http.get(
                f"/api/v1/customers/{site.customer_id}", params={"include": bad}, headers=api.office
            ),
            422,
        )
    detail = problem(
        api.http.get(
            f"/api/v1/customers/{site.customer_id}",
            params={"include": "appliances,payments"},
            headers=api.tech,
        ),
        403,
    )["detail"]
    assert "payments" in detail
    ok = api.http.get(
        f"/api/v1/customers/{site.customer_id}",
        params={"include": "appliances,jobs,reviews"},
        headers=api.tech,
    )
    assert ok.status_code == 200, ok.text
    problem(api.http.get(f"/api/v1/customers/{site.customer_id}/financials", headers=api.tech), 403)


def count_statements(api: Api, customer_id: int) -> int:
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(api.engine, "before_cursor_execute", seen)
    try:
        r = api.http.get(f"/api/v1/customers/{customer_id}", params={"include": "all"}, headers=api.office)
    finally:
        event.remove(api.engine, "before_cursor_execute", seen)
    assert r.status_code == 200, r.text
    return len([s for s in statements if not s.lstrip().upper().startswith(("SAVEPOINT", "RELEASE"))])


def test_the_360_view_costs_the_same_statements_for_1_or_8_rows_of_each(api: Api):
    counts = {}
    for n in (1, 8):
        with transaction(api.sessions) as session:
            customer = new_customer(session)
            job = add_job(session, customer)
            add_records(session, customer, job, n)
            customer_id = customer.id
        view = api.http.get(
            f"/api/v1/customers/{customer_id}", params={"include": "all"}, headers=api.office
        ).json()
        assert len(view["appliances"]) == len(view["reviews"]) == len(view["follow_ups"]) == n
        assert view["referrals"]["total_referred"] == n and len(view["payments"]) == n
        counts[n] = count_statements(api, customer_id)
    assert counts[1] == counts[8], counts
    assert counts[1] <= 30, counts
    print("statements for include=all:", counts)

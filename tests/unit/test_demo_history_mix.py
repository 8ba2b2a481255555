"""The demo history (``devstack.demo_history`` over the demo roster of ``devstack.demo_data``):
its job mix follows seed 000 Phase 1.4 (60 % pumping, 15 % grease trap, 15 % repair, 10 %
maintenance, emergencies on top), and every job carries the booking seed 002's reliability and
SLA metrics read (service window, arrival, request time)."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

import pytest

from db.models import Customer
from devstack.demo_data import _CUSTOMERS, _TECHNICIANS
from devstack.demo_history import LATE_SHARE, completion_volumes, tech_history
from domain.analytics.metrics import EMERGENCY_SLA_MINUTES

TODAY = date(2026, 11, 25)
SEED_000_MIX = {"pumping": 0.60, "grease_trap": 0.15, "repair": 0.15, "maintenance": 0.10}


def _customers() -> list[tuple[str, Customer]]:
    """The demo customers' kinds, as rows with ids (nothing else of them is read here)."""
    return [
        (spec["kind"], Customer(id=n, address="1 Main St", city="Austin", state="TX", zip_code="78701"))
        for n, spec in enumerate(_CUSTOMERS, start=1)
    ]


def _history(rng_seed: int):
    rng = random.Random(rng_seed)
    customers = _customers()
    return [
        wo
        for tech_id, _, _, _, skills, hours in _TECHNICIANS
        for wo in tech_history(rng, tech_id, skills, hours, customers, TODAY)
    ]


@pytest.mark.parametrize("rng_seed", [7, 8, 9])
def test_the_generated_job_mix_follows_seed_000(rng_seed):
    jobs = _history(rng_seed)
    counts = Counter(wo.job_type for wo in jobs)
    mixed = sum(counts[t] for t in SEED_000_MIX)
    assert set(counts) <= {*SEED_000_MIX, "emergency"}
    share = {t: counts[t] / mixed for t in SEED_000_MIX}
    # one demo history is ~650 jobs: a share's standard error is at most 2 points
    assert share == pytest.approx(SEED_000_MIX, abs=0.05), share
    assert counts["emergency"] / len(jobs) < 0.06
    returns = sum("Return visit." in (wo.notes or "") for wo in jobs)
    assert returns > 0.05 * len(jobs)  # returns occur, and they no longer tilt the mix to repair


def test_the_mix_over_ten_demo_histories_is_within_two_points():
    counts = Counter(wo.job_type for rng_seed in range(5, 15) for wo in _history(rng_seed))
    mixed = sum(counts[t] for t in SEED_000_MIX)
    share = {t: counts[t] / mixed for t in SEED_000_MIX}
    assert share == pytest.approx(SEED_000_MIX, abs=0.02), share


def test_every_demo_technician_pumps_and_repairs():
    assert all({"pumping", "repair"} <= set(skills) for _, _, _, _, skills, _ in _TECHNICIANS)


def test_seeded_jobs_have_a_booking_window_an_arrival_and_a_request_time():
    jobs = [wo for rng_seed in (7, 8, 9) for wo in _history(rng_seed)]
    late = 0
    missed: list[bool] = []
    for wo in jobs:
        start, end, arrival = wo.service_window_start, wo.service_window_end, wo.actual_start_time
        assert start.tzinfo is not None and end > start and wo.created_at <= start < wo.actual_end_time
        assert wo.created_at < arrival
        if wo.job_type == "emergency":  # called in shortly before; the window is the SLA
            assert timedelta(minutes=20) <= arrival - wo.created_at <= timedelta(hours=6)
            assert end - start == timedelta(minutes=EMERGENCY_SLA_MINUTES) and start == wo.created_at
            missed.append(arrival > end)
            continue
        assert end - start in (timedelta(hours=2), timedelta(hours=4))
        assert timedelta(days=1) <= start - wo.created_at <= timedelta(days=15)
        if arrival > end:
            late += 1
            assert arrival - end <= timedelta(minutes=60)
        else:
            assert start <= arrival
    planned = sum(wo.job_type != "emergency" for wo in jobs)
    assert late / planned == pytest.approx(LATE_SHARE, abs=0.03)
    assert 0 < sum(missed) < len(missed) / 4  # most emergencies meet their SLA, not all


def test_completion_volumes_are_for_pump_outs_and_fit_the_tank():
    rng = random.Random(3)
    assert completion_volumes(rng, "repair") == {} == completion_volumes(rng, "emergency")
    for job_type in ("pumping", "grease_trap"):
        for _ in range(50):
            v = completion_volumes(rng, job_type)
            assert 0.7 * v["tank_size_gallons"] <= v["gallons_pumped"] <= v["tank_size_gallons"] + 25

"""domain.tracking: geofence arrival, ETA and lateness."""

from datetime import UTC, datetime, timedelta

import pytest

from domain.tracking import Site, arrived_at, distance_m, estimated_arrival, is_late

SITE = Site("WO-1", 30.2747, -97.7404)
NEAR = Site("WO-2", 30.2756, -97.7404)  # about 100 m north
NOW = datetime(2026, 11, 25, 16, 0, 10, tzinfo=UTC)


def test_a_position_inside_the_radius_marks_the_nearest_site():
    assert distance_m(30.2747, -97.7404, 30.2756, -97.7404) == pytest.approx(100, abs=2)
    assert arrived_at(30.2748, -97.7404, 5, [NEAR, SITE], radius_m=150) == SITE
    assert arrived_at(30.2755, -97.7404, 5, [SITE, NEAR], radius_m=150) == NEAR
    assert arrived_at(30.2800, -97.7404, 5, [SITE], radius_m=150) is None  # about 590 m away


def test_an_inaccurate_fix_proves_nothing():
    assert arrived_at(30.2747, -97.7404, 500, [SITE], radius_m=150) is None
    assert arrived_at(30.2747, -97.7404, None, [SITE], radius_m=150) == SITE
    with pytest.raises(ValueError):
        arrived_at(30.2747, -97.7404, None, [SITE], radius_m=0)


def test_eta_rounds_up_to_the_minute_and_lateness_has_a_margin():
    eta = estimated_arrival(NOW, 19.5)
    assert eta == datetime(2026, 11, 25, 16, 20, tzinfo=UTC)
    assert estimated_arrival(NOW.replace(second=0), 5) == datetime(2026, 11, 25, 16, 5, tzinfo=UTC)
    end = datetime(2026, 11, 25, 16, 0, tzinfo=UTC)
    assert not is_late(end + timedelta(minutes=15), end, 15)
    assert is_late(end + timedelta(minutes=16), end, 15)
    assert not is_late(end + timedelta(hours=5), None, 15)
    with pytest.raises(ValueError):
        estimated_arrival(NOW.replace(tzinfo=None), 5)
    with pytest.raises(ValueError):
        estimated_arrival(NOW, -1)


def test_the_job_he_is_on_his_way_to_wins_over_a_nearer_one():
    told = Site("WO-3", 30.2756, -97.7404, on_my_way_at=NOW)
    earlier = Site("WO-4", 30.2747, -97.7404, on_my_way_at=NOW - timedelta(hours=2))
    assert arrived_at(30.2748, -97.7404, 5, [SITE, told], radius_m=150) == told
    assert arrived_at(30.2748, -97.7404, 5, [earlier, told, SITE], radius_m=150) == told
    assert arrived_at(30.2800, -97.7404, 5, [told], radius_m=150) is None

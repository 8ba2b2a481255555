"""The OSRM ``table`` provider against a loopback fake of the OSRM HTTP API."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from activities.travel import OsrmTableTravel, TravelProviderError, travel_provider
from config import Settings
from domain.routing import HaversineTravel


class FakeOsrm(BaseHTTPRequestHandler):
    """``/table/v1/driving/{lon,lat;…}``: duration = 600 s x |i - j|, distance = 5000 m x |i - j|;
    the pair (0, 2) is unroutable (null). ``/table/v1/broken/…`` answers 500."""

    requests: list[str] = []

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        FakeOsrm.requests.append(self.path)
        parts = url.path.split("/")
        if parts[3] == "broken":
            self.send_response(500)
            self.end_headers()
            return
        coords = parts[4].split(";")
        assert parse_qs(url.query)["annotations"] == ["duration,distance"]
        n = len(coords)
        durations = [[600.0 * abs(i - j) for j in range(n)] for i in range(n)]
        distances = [[5000.0 * abs(i - j) for j in range(n)] for i in range(n)]
        if n > 2:
            durations[0][2] = distances[0][2] = None
        body = json.dumps({"code": "Ok", "durations": durations, "distances": distances}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def osrm():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOsrm)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


POINTS = [(30.2672, -97.7431), (30.5083, -97.6789), (30.1105, -97.3153)]


def test_table_in_minutes_and_km_with_haversine_for_unroutable_pairs(osrm):
    fallback = HaversineTravel()
    m = OsrmTableTravel(osrm, fallback=fallback).matrix(POINTS)
    assert m.minutes[0][1] == 10.0 and m.km[0][1] == 5.0
    assert m.minutes[1][2] == 10.0 and m.minutes[2][0] == 20.0
    est = fallback.matrix(POINTS)
    assert m.minutes[0][2] == pytest.approx(est.minutes[0][2])
    assert m.km[0][2] == pytest.approx(est.km[0][2])
    # OSRM takes lon,lat
    assert "/table/v1/driving/-97.743100,30.267200;" in FakeOsrm.requests[-1]


def test_a_failing_service_is_an_error_not_a_guess(osrm):
    with pytest.raises(TravelProviderError, match="HTTP 500"):
        OsrmTableTravel(osrm, fallback=HaversineTravel(), profile="broken").matrix(POINTS)
    with pytest.raises(TravelProviderError, match="unreachable"):
        OsrmTableTravel("http://127.0.0.1:9", fallback=HaversineTravel(), timeout_seconds=1).matrix(POINTS)


def test_settings_choose_the_provider(osrm):
    assert isinstance(travel_provider(Settings(profile="test")), HaversineTravel)
    chosen = travel_provider(Settings(profile="test", travel_provider="osrm", osrm_url=osrm))
    assert isinstance(chosen, OsrmTableTravel) and chosen.base_url == osrm
    with pytest.raises(ValueError, match="OSRM_URL"):
        travel_provider(Settings(profile="test", travel_provider="osrm"))

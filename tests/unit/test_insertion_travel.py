"""The insertion activity's vectorised haversine matrix gives the provider's numbers."""

from activities.insertion import travel_matrix
from domain.routing import HaversineTravel


def test_the_vectorised_haversine_matrix_equals_the_providers():
    points = [(30.2672, -97.7431), (30.5083, -97.6789), (30.0852, -97.8403), (30.2672, -97.7431)]
    provider = HaversineTravel(road_factor=1.3, speed_kmh=45.0)
    fast, plain = travel_matrix(provider, points), provider.matrix(points)
    for got, want in ((fast.minutes, plain.minutes), (fast.km, plain.km)):
        for row_got, row_want in zip(got, want, strict=True):
            for g, w in zip(row_got, row_want, strict=True):
                assert abs(g - w) < 1e-9

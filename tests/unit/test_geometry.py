"""Distances match geopy's geodesic; the indexed nearest-edge search matches brute force."""

from __future__ import annotations

import numpy as np
import pytest
from geopy.distance import geodesic
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from planner.geometry import DENSE_CIRCLES_MAX, Circles, distance_km

RELATIVE = 0.005  # the contract: within 0.5% of geodesic
UNDER_A_METRE_KM = 0.001
ONE_MM_KM = 1e-6

lats = st.floats(-90, 90, allow_nan=False)
lons = st.floats(-180, 180, allow_nan=False)


def _wrap_lon(lon: float) -> float:
    return ((lon + 180.0) % 360.0) - 180.0


def _clamp_lat(lat: float) -> float:
    return min(90.0, max(-90.0, lat))


@st.composite
def point_pairs(draw: st.DrawFn) -> tuple[float, float, float, float]:
    lat1, lon1 = draw(lats), draw(lons)
    kind = draw(st.sampled_from(["anywhere", "near_antipodal", "same", "short", "tiny"]))
    if kind == "anywhere":
        lat2, lon2 = draw(lats), draw(lons)
    elif kind == "near_antipodal":
        dlat, dlon = draw(st.floats(-3, 3)), draw(st.floats(-3, 3))
        lat2, lon2 = _clamp_lat(-lat1 + dlat), _wrap_lon(lon1 + 180.0 + dlon)
    elif kind == "same":
        lat2, lon2 = lat1, lon1
    else:
        step = 0.05 if kind == "short" else 1e-7
        dlat, dlon = draw(st.floats(-step, step)), draw(st.floats(-step, step))
        lat2, lon2 = _clamp_lat(lat1 + dlat), _wrap_lon(lon1 + dlon)
    return lat1, lon1, lat2, lon2


def assert_close_to_geodesic(km: float, lat1: float, lon1: float, lat2: float, lon2: float) -> None:
    true_km = geodesic((lat1, lon1), (lat2, lon2)).km
    if true_km < UNDER_A_METRE_KM:
        assert abs(km - true_km) <= ONE_MM_KM, (km, true_km)
    else:
        assert abs(km - true_km) <= RELATIVE * true_km, (km, true_km, abs(km - true_km) / true_km)


@given(point_pairs())
@example((90.0, 0.0, -90.0, 0.0))  # pole to pole
@example((0.0, 0.0, 0.0, 180.0))  # antipodal on the equator
@example((0.0, 0.0, 0.5, 179.7))  # just short of antipodal, where Lambert's formula fails
@example((53.4794, -2.2453, 53.4794, -2.2453))  # the same point
@example((53.4794, -2.2453, 53.4794001, -2.2453))  # about a centimetre
@example((89.9999999, 10.0, 89.9999999, -170.0))  # across the pole, a few centimetres
def test_distance_km_is_within_half_a_percent_of_geodesic(pair):
    """distance_km agrees with geopy's geodesic to 0.5% anywhere (1 mm below a metre)."""
    lat1, lon1, lat2, lon2 = pair
    km = float(distance_km(lat1, lon1, lat2, lon2))
    assert km >= 0
    assert_close_to_geodesic(km, lat1, lon1, lat2, lon2)


def test_distance_km_of_a_point_to_itself_is_zero():
    """The distance from a point to itself is exactly zero."""
    assert float(distance_km(53.48, -2.24, 53.48, -2.24)) == 0.0


def test_distance_km_broadcasts_like_numpy():
    """A column of points against a row of points gives the full matrix, each matching geodesic."""
    a = np.array([[53.0], [51.5], [-33.9]])
    b = np.array([[-2.0], [-0.1], [151.2]])
    c = np.array([[53.5, 40.7]])
    d = np.array([[-2.2, -74.0]])
    km = distance_km(a, b, c, d)
    assert km.shape == (3, 2)
    for i in range(3):
        for j in range(2):
            assert_close_to_geodesic(float(km[i, j]), a[i, 0], b[i, 0], c[0, j], d[0, j])


# --- nearest edge -------------------------------------------------------------------------


@st.composite
def circles_and_points(
    draw: st.DrawFn, min_circles: int, max_circles: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Circles clustered around a random centre (spread from metres to the whole globe), and query points."""
    n = draw(st.integers(min_circles, max_circles))
    centre_lat, centre_lon = draw(st.floats(-80, 80)), draw(lons)
    spread = draw(st.sampled_from([0.0, 0.001, 0.05, 0.5, 5.0, 60.0, 180.0]))
    unit = st.floats(-1, 1)
    lat = np.clip(centre_lat + spread * draw(arrays(np.float64, n, elements=unit)), -90, 90)
    lon = (centre_lon + spread * draw(arrays(np.float64, n, elements=unit)) + 180.0) % 360.0 - 180.0
    radius_scale = draw(st.sampled_from([0.0, 0.01, 1.0, 20.0, 500.0]))
    radius = radius_scale * draw(arrays(np.float64, n, elements=st.floats(0, 1)))
    m = draw(st.integers(1, 12))
    reach = max(spread, 0.01) * draw(st.sampled_from([0.5, 2.0, 10.0]))
    q_lat = np.clip(centre_lat + reach * draw(arrays(np.float64, m, elements=unit)), -90, 90)
    q_lon = (centre_lon + reach * draw(arrays(np.float64, m, elements=unit)) + 180.0) % 360.0 - 180.0
    # Some query points sit exactly on a circle's centre.
    on_centre = draw(st.lists(st.integers(0, n - 1), max_size=min(m, 3)))
    for k, j in enumerate(on_centre):
        q_lat[k], q_lon[k] = lat[j], lon[j]
    return lat, lon, radius, q_lat, q_lon


def brute_force_nearest(lat, lon, radius, q_lat, q_lon):
    edge = np.maximum(0.0, distance_km(q_lat[:, None], q_lon[:, None], lat[None, :], lon[None, :]) - radius[None, :])
    best = edge.min(axis=1)
    # Ties go to the lowest index.
    idx = np.array([int(np.nonzero(edge[i] == best[i])[0][0]) for i in range(len(q_lat))])
    return best, idx, edge


@given(circles_and_points(65, 160))
def test_nearest_edge_with_the_kd_tree_equals_brute_force(data):
    """With more than 64 circles the indexed search finds the same nearest edge and index as brute force."""
    lat, lon, radius, q_lat, q_lon = data
    circles = Circles.build(lat, lon, radius, tree=True)
    assert circles.tree is not None  # the indexed path is the one under test
    km, idx = circles.nearest_edge(q_lat, q_lon)
    best, best_idx, edge = brute_force_nearest(lat, lon, radius, q_lat, q_lon)
    np.testing.assert_allclose(km, best, rtol=1e-12, atol=1e-12)
    # The chosen circle really is at the nearest edge distance, and ties pick the lowest index.
    np.testing.assert_allclose(edge[np.arange(len(q_lat)), idx], best, rtol=1e-12, atol=1e-12)
    assert idx.tolist() == best_idx.tolist()


@given(circles_and_points(65, 160))
def test_nearest_edge_screened_equals_brute_force(data):
    """With 65 to 256 circles, screening pairs by their cosine finds the same nearest edge and index as brute force."""
    lat, lon, radius, q_lat, q_lon = data
    circles = Circles.build(lat, lon, radius)
    assert circles.tree is None and len(circles) > DENSE_CIRCLES_MAX  # the screened path is the one under test
    km, idx = circles.nearest_edge(q_lat, q_lon)
    best, best_idx, _ = brute_force_nearest(lat, lon, radius, q_lat, q_lon)
    np.testing.assert_allclose(km, best, rtol=1e-12, atol=1e-12)
    assert idx.tolist() == best_idx.tolist()


def test_nearest_edge_screened_in_several_steps_equals_the_tree():
    """Over a million (point, circle) pairs the screening works in steps; the answer is the tree's, exactly."""
    rng = np.random.default_rng(7)
    lat = 53.0 + rng.normal(0, 0.05, 100)
    lon = -2.0 + rng.normal(0, 0.05, 100)
    radius = rng.uniform(0.2, 3.0, 100)
    # Points near the circles and across the country, some exactly on a centre.
    q_lat = np.concatenate([rng.uniform(50.0, 55.5, 10_800), lat[:200]])
    q_lon = np.concatenate([rng.uniform(-5.5, 1.5, 10_800), lon[:200]])
    screened = Circles.build(lat, lon, radius)
    assert screened.tree is None
    km, idx = screened.nearest_edge(q_lat, q_lon)
    tree_km, tree_idx = Circles.build(lat, lon, radius, tree=True).nearest_edge(q_lat, q_lon)
    assert np.array_equal(km, tree_km)
    assert np.array_equal(idx, tree_idx)


@given(circles_and_points(1, 64))
def test_nearest_edge_without_the_tree_equals_brute_force(data):
    """With 64 circles or fewer the dense search also equals brute force."""
    lat, lon, radius, q_lat, q_lon = data
    circles = Circles.build(lat, lon, radius)
    assert circles.tree is None
    km, idx = circles.nearest_edge(q_lat, q_lon)
    best, best_idx, _ = brute_force_nearest(lat, lon, radius, q_lat, q_lon)
    np.testing.assert_allclose(km, best, rtol=1e-12, atol=1e-12)
    assert idx.tolist() == best_idx.tolist()


@pytest.mark.parametrize("n", [0, 3, 100])
def test_nearest_edge_inside_a_circle_is_zero(n):
    """A point inside circles has edge distance 0; with no circles it is inf and index -1."""
    lat = np.full(n, 53.0)
    lon = np.linspace(-2.0, -1.9, n)
    circles = Circles.build(lat, lon, np.full(n, 50.0))
    km, idx = circles.nearest_edge(np.array([53.0]), np.array([-1.95]))
    if n == 0:
        assert km.tolist() == [np.inf]
        assert idx.tolist() == [-1]
    else:
        assert km.tolist() == [0.0]
        assert idx.tolist() == [0]

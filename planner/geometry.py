"""Distances on the WGS84 ellipsoid, vectorised, and nearest-edge search.

Every distance the engine reports must be within 0.5% of the geodesic that
`geopy.distance.geodesic` gives. Calling geopy per pair is far too slow for a
ranking over thousands of placements, so this module uses Lambert's formula for
long lines on the ellipsoid (accurate to a few metres over hundreds of
kilometres), with numpy broadcasting. Near-antipodal pairs, where Lambert's
formula is singular, fall back to the great circle on the mean sphere, which is
within 0.1% there. `tests/unit/test_geometry.py` checks the 0.5% bound against
geopy with hypothesis.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree

WGS84_A_KM = 6378.137
WGS84_F = 1 / 298.257223563
MEAN_RADIUS_KM = 6371.0088
KM_PER_MILE = 1.609344

# Lambert's formula divides by cos^2(sigma/2); beyond this central angle the pair
# is treated as near-antipodal and measured on the sphere instead.
_ANTIPODAL_SIGMA = np.deg2rad(175.0)
# The sphere used by the spatial index differs from the ellipsoid by under 0.6%;
# search radii are widened by this factor so no candidate is missed.
_SEARCH_MARGIN = 1.01

FloatArray = NDArray[np.float64]


def distance_km(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> FloatArray:
    """Ellipsoidal distance in km between points, broadcasting like numpy.

    Lambert's formula, arranged so that every trigonometric function is taken once per
    point, not once per pair: on the auxiliary sphere of reduced latitudes, the central
    angle comes from the chord between unit vectors, and the formula's sin(P)cos(Q) and
    cos(P)sin(Q) are (sin b1 + sin b2)/2 and (sin b2 - sin b1)/2. A pair then costs a
    chord, a square root and an arcsine.
    """
    return distance_between(reduced_unit_vectors(lat1, lon1), reduced_unit_vectors(lat2, lon2), lat1, lon1, lat2, lon2)


Vectors = tuple[FloatArray, FloatArray, FloatArray]


def distance_between(
    v1: Vectors, v2: Vectors, lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike
) -> FloatArray:
    """`distance_km` for points whose `reduced_unit_vectors` are already known (shaped to broadcast)."""
    x1, y1, z1 = v1
    x2, y2, z2 = v2
    chord_sq = (x1 - x2) ** 2 + (y1 - y2) ** 2 + (z1 - z2) ** 2
    s_sq = np.clip(chord_sq / 4, 0.0, 1.0)  # sin^2(sigma / 2)
    s = np.sqrt(s_sq)
    c = np.sqrt(1.0 - s_sq)  # cos(sigma / 2)
    sigma = 2 * np.arcsin(s)
    sin_sigma = 2 * s * c
    with np.errstate(divide="ignore", invalid="ignore"):
        x = (sigma - sin_sigma) * ((z1 + z2) / 2) ** 2 / (1.0 - s_sq)
        y = (sigma + sin_sigma) * ((z2 - z1) / 2) ** 2 / s_sq
        lambert = WGS84_A_KM * (sigma - WGS84_F / 2 * (x + y))
    far = sigma >= _ANTIPODAL_SIGMA
    if np.any(far):
        # Rare (near-antipodal pairs): only then pay for the sphere as well.
        phi1 = np.deg2rad(np.asarray(lat1, dtype=np.float64))
        phi2 = np.deg2rad(np.asarray(lat2, dtype=np.float64))
        dlon = np.deg2rad(np.asarray(lon2, dtype=np.float64) - np.asarray(lon1, dtype=np.float64))
        on_sphere = MEAN_RADIUS_KM * _central_angle(phi1, phi2, dlon)
        lambert = np.where(far, on_sphere, lambert)
    return np.asarray(np.where(s_sq == 0, 0.0, lambert), dtype=np.float64)


def reduced_unit_vectors(lat: ArrayLike, lon: ArrayLike) -> Vectors:
    """The point on the auxiliary sphere: reduced latitude, same longitude."""
    phi = np.deg2rad(np.asarray(lat, dtype=np.float64))
    lam = np.deg2rad(np.asarray(lon, dtype=np.float64))
    beta = np.arctan((1 - WGS84_F) * np.tan(phi))
    cos_beta = np.cos(beta)
    return cos_beta * np.cos(lam), cos_beta * np.sin(lam), np.sin(beta)


def _central_angle(lat1: FloatArray, lat2: FloatArray, dlon: FloatArray) -> FloatArray:
    """Great-circle angle (radians) by the haversine, stable for short lines."""
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin(dlon / 2) ** 2
    return np.asarray(2 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))), dtype=np.float64)


def unit_vectors(lat: ArrayLike, lon: ArrayLike) -> FloatArray:
    """Points on the unit sphere, for a k-d tree whose chord order is distance order."""
    phi = np.deg2rad(np.asarray(lat, dtype=np.float64))
    lam = np.deg2rad(np.asarray(lon, dtype=np.float64))
    return np.column_stack((np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)))


def _km_to_chord(km: FloatArray) -> FloatArray:
    angle = np.minimum(km * _SEARCH_MARGIN / MEAN_RADIUS_KM, np.pi)
    return np.asarray(2 * np.sin(angle / 2), dtype=np.float64)


def _chord_to_km(chord: FloatArray) -> FloatArray:
    return np.asarray(2 * np.arcsin(np.clip(chord / 2, 0.0, 1.0)) * MEAN_RADIUS_KM, dtype=np.float64)


@dataclass(frozen=True)
class Circles:
    """A set of circles (areas or risk locations) with a spatial index.

    Edge distance from a point to a circle is `max(0, distance to centre - radius)`.
    """

    lat: FloatArray
    lon: FloatArray
    radius_km: FloatArray
    tree: cKDTree | None
    vectors: Vectors

    @classmethod
    def build(cls, lat: ArrayLike, lon: ArrayLike, radius_km: ArrayLike) -> Circles:
        lat_a = np.asarray(lat, dtype=np.float64).reshape(-1)
        lon_a = np.asarray(lon, dtype=np.float64).reshape(-1)
        radius_a = np.asarray(radius_km, dtype=np.float64).reshape(-1)
        tree = cKDTree(unit_vectors(lat_a, lon_a)) if len(lat_a) > DENSE_CIRCLES_MAX else None
        return cls(lat_a, lon_a, radius_a, tree, reduced_unit_vectors(lat_a, lon_a))

    def _centres(self, index: NDArray[np.int64] | slice) -> Vectors:
        x, y, z = self.vectors
        return x[index], y[index], z[index]

    def __len__(self) -> int:
        return len(self.lat)

    def nearest_edge(
        self, lat: FloatArray, lon: FloatArray, vectors: Vectors | None = None
    ) -> tuple[FloatArray, NDArray[np.int64]]:
        """Edge distance (km) to the nearest circle from each point, and its index.

        Points with no circles get `inf` and index -1. The search is exact: after a
        k-nearest-centres guess, every circle whose centre lies within the best edge
        distance plus the largest radius is checked. `vectors` are the points'
        `reduced_unit_vectors`, when the caller keeps them.
        """
        n = len(lat)
        if len(self) == 0:
            return np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
        if vectors is None:
            vectors = reduced_unit_vectors(lat, lon)
        if self.tree is None:
            centres = tuple(v[None, :] for v in self.vectors)
            km = distance_between(
                _column(vectors), (centres[0], centres[1], centres[2]), lat[:, None], lon[:, None], self.lat, self.lon
            )
            edge = np.maximum(0.0, km - self.radius_km[None, :])
            idx = np.argmin(edge, axis=1).astype(np.int64)
            return edge[np.arange(n), idx], idx
        return self._nearest_edge_indexed(lat, lon, vectors)

    def _nearest_edge_indexed(
        self, lat: FloatArray, lon: FloatArray, vectors: Vectors
    ) -> tuple[FloatArray, NDArray[np.int64]]:
        assert self.tree is not None
        points = unit_vectors(lat, lon)
        k = min(_FIRST_GUESS_K, len(self))
        chord, cand = self.tree.query(points, k=k)
        chord = chord.reshape(len(lat), k)
        cand = cand.reshape(len(lat), k)
        km = distance_between(
            _column(vectors), self._centres(cand), lat[:, None], lon[:, None], self.lat[cand], self.lon[cand]
        )
        edge = np.maximum(0.0, km - self.radius_km[cand])
        # Ties (a point inside two circles) go to the lowest index, as in the dense path.
        best = edge.min(axis=1)
        best_idx = np.where(edge == best[:, None], cand, len(self)).min(axis=1).astype(np.int64)

        # A circle not yet seen can only beat `best` if its centre is within
        # best + max radius. If the k-th centre found is already beyond that, the
        # k candidates contain every circle that could win.
        reach_km = best + float(self.radius_km.max())
        unsure = np.nonzero(_chord_to_km(chord[:, -1]) <= reach_km * _SEARCH_MARGIN)[0]
        if len(unsure) and k < len(self):
            lists = self.tree.query_ball_point(points[unsure], _km_to_chord(reach_km[unsure]))
            counts = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
            flat = np.fromiter(chain.from_iterable(lists), dtype=np.int64, count=int(counts.sum()))
            owner = np.repeat(unsure, counts)
            owner_vectors = (vectors[0][owner], vectors[1][owner], vectors[2][owner])
            km = distance_between(
                owner_vectors, self._centres(flat), lat[owner], lon[owner], self.lat[flat], self.lon[flat]
            )
            cand_edge = np.maximum(0.0, km - self.radius_km[flat])
            # `owner` comes grouped (np.repeat of sorted `unsure`), so each owner's minimum
            # is a segment reduction; ties pick the lowest index, as before.
            has = counts > 0
            starts = (np.cumsum(counts) - counts)[has]
            seg_owner = unsure[has]
            seg_min = np.minimum.reduceat(cand_edge, starts)
            at_min = cand_edge == np.repeat(seg_min, counts[has])
            seg_idx = np.minimum.reduceat(np.where(at_min, flat, len(self)), starts)
            better = (seg_min < best[seg_owner]) | ((seg_min == best[seg_owner]) & (seg_idx < best_idx[seg_owner]))
            best[seg_owner[better]] = seg_min[better]
            best_idx[seg_owner[better]] = seg_idx[better]
        return best, best_idx


def _column(vectors: Vectors) -> Vectors:
    return vectors[0][:, None], vectors[1][:, None], vectors[2][:, None]


# Below this many circles a dense matrix beats building and querying a tree.
DENSE_CIRCLES_MAX = 64
_FIRST_GUESS_K = 8


def km_to_miles(km: float) -> float:
    return km / KM_PER_MILE

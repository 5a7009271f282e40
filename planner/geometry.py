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

from collections.abc import Sequence
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
    def build(cls, lat: ArrayLike, lon: ArrayLike, radius_km: ArrayLike, tree: bool | None = None) -> Circles:
        """`tree` forces the k-d tree on or off; by default only sets too big to screen get one."""
        lat_a = np.asarray(lat, dtype=np.float64).reshape(-1)
        lon_a = np.asarray(lon, dtype=np.float64).reshape(-1)
        radius_a = np.asarray(radius_km, dtype=np.float64).reshape(-1)
        if tree is None:
            tree = len(lat_a) > SCREENED_CIRCLES_MAX
        index = cKDTree(unit_vectors(lat_a, lon_a)) if tree and len(lat_a) else None
        return cls(lat_a, lon_a, radius_a, index, reduced_unit_vectors(lat_a, lon_a))

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
        if self.tree is None and len(self) > DENSE_CIRCLES_MAX:
            return self._nearest_edge_screened(lat, lon, vectors)
        if self.tree is None:
            centres = tuple(v[None, :] for v in self.vectors)
            km = distance_between(
                _column(vectors), (centres[0], centres[1], centres[2]), lat[:, None], lon[:, None], self.lat, self.lon
            )
            edge = np.maximum(0.0, km - self.radius_km[None, :])
            idx = np.argmin(edge, axis=1).astype(np.int64)
            return edge[np.arange(n), idx], idx
        return self._nearest_edge_indexed(lat, lon, vectors)

    def _nearest_edge_screened(
        self, lat: FloatArray, lon: FloatArray, vectors: Vectors
    ) -> tuple[FloatArray, NDArray[np.int64]]:
        """Exact nearest edge for a set of circles too big to measure every pair, too small for a tree.

        A ranking's linked areas are a hundred or so circles against thousands of placements.
        Every pair's cosine on the auxiliary sphere is one matrix product (cheap); the
        ellipsoidal distance (dear) is then worked out only for pairs that could be the
        nearest. For a chord c between reduced unit vectors, Lambert's formula as
        `distance_between` has it gives at least `_SCREEN_KM_PER_CHORD * c` (see there), so
        a circle can beat the edge distance U of the point's nearest centre only if
        c <= (U + largest radius) / _SCREEN_KM_PER_CHORD. Every pair at the best edge
        distance passes that test, so the minimum and its lowest index are exactly those
        of the dense search.
        """
        n, m = len(lat), len(self)
        points = np.column_stack(vectors)
        centres_t = np.column_stack(self.vectors).T.copy()
        largest = float(self.radius_km.max())
        best = np.empty(n, dtype=np.float64)
        best_idx = np.empty(n, dtype=np.int64)
        step = max(1, _SCREEN_CELLS // m)
        # Matrix products small enough that BLAS does them on one thread: on a shared 2-core
        # machine, waiting for a second thread cost ten times the product itself.
        product_rows = max(1, _SINGLE_THREAD_PRODUCT // (3 * m))
        for start in range(0, n, step):
            stop = min(n, start + step)
            r = stop - start
            cosine = np.empty((r, m), dtype=np.float64)
            for at in range(0, r, product_rows):
                np.dot(
                    points[start + at : min(stop, start + at + product_rows)],
                    centres_t,
                    out=cosine[at : at + product_rows],
                )
            rows = np.arange(start, stop)
            near = np.argmax(cosine, axis=1)
            near_km = distance_between(
                (vectors[0][rows], vectors[1][rows], vectors[2][rows]),
                self._centres(near),
                lat[rows],
                lon[rows],
                self.lat[near],
                self.lon[near],
            )
            upper = np.maximum(0.0, near_km - self.radius_km[near])
            chord = (upper + largest) / _SCREEN_KM_PER_CHORD
            # Beyond the chord where the bound holds, every circle is a candidate.
            floor = np.where(chord < _SCREEN_CHORD_MAX, 1.0 - chord * chord / 2.0 - _SCREEN_COSINE_SLACK, -np.inf)
            candidate = cosine >= floor[:, None]
            candidate[np.arange(r), near] = True  # the bound's own circle, whatever the rounding
            # Row-major order: owners ascending, and each owner's circles ascending.
            cell = np.flatnonzero(candidate)
            local = cell // m
            flat = cell - local * m
            owner = local + start
            km = distance_between(
                (vectors[0][owner], vectors[1][owner], vectors[2][owner]),
                self._centres(flat),
                lat[owner],
                lon[owner],
                self.lat[flat],
                self.lon[flat],
            )
            edge = np.maximum(0.0, km - self.radius_km[flat])
            counts = np.bincount(local, minlength=r)
            starts = np.cumsum(counts) - counts
            seg_min = np.minimum.reduceat(edge, starts)
            at_min = edge == np.repeat(seg_min, counts)
            best[start:stop] = seg_min
            best_idx[start:stop] = np.minimum.reduceat(np.where(at_min, flat, m), starts)
        return best, best_idx

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
# Up to this many, screening every pair by its cosine beats a tree (a ranking's linked areas);
# measured on the rank benchmark, see docs/performance.md.
SCREENED_CIRCLES_MAX = 256
# Cells of the cosine matrix screened at once, to bound the memory of one step.
_SCREEN_CELLS = 1 << 20
# OpenBLAS multiplies on one thread below 4 x 65,536 multiply-adds; a quarter of that, to be safe.
_SINGLE_THREAD_PRODUCT = 65_536
# Lambert's formula is a(sigma - f/2 (X + Y)). With Q^2 <= sin^2(sigma/2) (the latitudes differ
# by at most sigma), Y <= sigma + sin(sigma) <= 2 sigma; with P^2 <= 1 and sigma <= 0.94,
# X <= (sigma - sin sigma) / cos^2(sigma/2) < 0.2 sigma. So the distance is at least
# a (1 - 1.1 f) sigma, and sigma = 2 asin(c/2) >= c. The factor 1.2 f leaves room for rounding.
_SCREEN_KM_PER_CHORD = WGS84_A_KM * (1.0 - 1.2 * WGS84_F)
# The bound is proved for sigma <= 0.94 (chord 0.9, about 5,900 km); beyond it nothing is screened out.
_SCREEN_CHORD_MAX = 0.9
# A cosine from a product of unit vectors is off by a few units in the last place (about 1e-16),
# which near 1 is the whole difference between points a metre apart: screen with room for it.
_SCREEN_COSINE_SLACK = 1e-13
_FIRST_GUESS_K = 8


def km_to_miles(km: float) -> float:
    return km / KM_PER_MILE


# ---------------------------------------------------------------------------
# Polygon areas: the edge distance is to the polygon's boundary, 0 inside.
# ---------------------------------------------------------------------------

# A polygon area's coordinates as the case gives them: parts, each an outer ring
# then its holes, each ring closed, positions (lon, lat) as in GeoJSON.
PolygonParts = Sequence[Sequence[Sequence[tuple[float, float]]]]

# How far the enclosing circle of a polygon is widened: edges are straight in lon/lat
# (as GeoJSON has them), not geodesics, so a boundary point may lie a little beyond the
# farthest corner.
_REACH_FACTOR = 1.05
_REACH_PAD_KM = 0.1
# Points times edges measured at once, to bound the memory of one step.
_CHUNK_CELLS = 1 << 20


@dataclass(frozen=True)
class Polygon:
    """One polygon area's boundary: every edge of every part and hole.

    Inside/outside is the even-odd rule on lon/lat, exactly GeoJSON's straight edges. The
    nearest boundary point to a placement is found in an azimuthal equidistant frame
    centred on the polygon (km, scaled to the ellipsoid's radii there): directions and
    distances from the polygon are right in it to first order, so it orders the edges as
    the ellipsoid does, near or hundreds of km away. The distance to that point is then
    measured on the ellipsoid like every other distance.
    """

    start_lon: FloatArray  # the edges in degrees, for inside/outside
    start_lat: FloatArray
    end_lat: FloatArray
    d_lon: FloatArray  # end minus start
    d_lat: FloatArray
    ax: FloatArray  # the edges in the frame (km): starts and vectors
    ay: FloatArray
    dx: FloatArray
    dy: FloatArray
    inv_len_sq: FloatArray  # 1 / |edge|^2, 0 for a repeated position
    lat0: float  # the frame's centre: the middle of the bounding box
    lon0: float
    scale_x: float  # km per radian across (prime vertical) and along (meridian) at the centre
    scale_y: float
    box: tuple[float, float, float, float]  # min lat, max lat, min lon, max lon
    reach_km: float  # every boundary point is within this of (lat0, lon0)

    @classmethod
    def build(cls, parts: PolygonParts) -> Polygon:
        rings = [np.asarray(ring, dtype=np.float64).reshape(-1, 2) for part in parts for ring in part]
        every = np.concatenate(rings)
        starts = np.concatenate([ring[:-1] for ring in rings])
        ends = np.concatenate([ring[1:] for ring in rings])
        min_lon, min_lat = every.min(axis=0)
        max_lon, max_lat = every.max(axis=0)
        lon0, lat0 = float((min_lon + max_lon) / 2), float((min_lat + max_lat) / 2)
        prime_vertical, meridional = _ellipsoid_radii(lat0)
        scale_x, scale_y = float(prime_vertical), float(meridional)
        ax, ay = _azimuthal(starts[:, 1], starts[:, 0], lat0, lon0, scale_x, scale_y)
        bx, by = _azimuthal(ends[:, 1], ends[:, 0], lat0, lon0, scale_x, scale_y)
        dx, dy = bx - ax, by - ay
        len_sq = dx * dx + dy * dy
        farthest = float(distance_km(lat0, lon0, every[:, 1], every[:, 0]).max())
        return cls(
            start_lon=starts[:, 0].copy(),
            start_lat=starts[:, 1].copy(),
            end_lat=ends[:, 1].copy(),
            d_lon=ends[:, 0] - starts[:, 0],
            d_lat=ends[:, 1] - starts[:, 1],
            ax=ax,
            ay=ay,
            dx=dx,
            dy=dy,
            inv_len_sq=np.divide(1.0, len_sq, out=np.zeros_like(len_sq), where=len_sq > 0),
            lat0=lat0,
            lon0=lon0,
            scale_x=scale_x,
            scale_y=scale_y,
            box=(float(min_lat), float(max_lat), float(min_lon), float(max_lon)),
            reach_km=farthest * _REACH_FACTOR + _REACH_PAD_KM,
        )

    def __len__(self) -> int:
        """The number of edges."""
        return len(self.ax)

    def nearest_boundary(
        self, lat: ArrayLike, lon: ArrayLike
    ) -> tuple[FloatArray, FloatArray, FloatArray, NDArray[np.bool_]]:
        """For each point: km to the nearest boundary point, that point's lat and lon, and whether it is inside."""
        lat_a = np.asarray(lat, dtype=np.float64).reshape(-1)
        lon_a = np.asarray(lon, dtype=np.float64).reshape(-1)
        px, py = _azimuthal(lat_a, lon_a, self.lat0, self.lon0, self.scale_x, self.scale_y)
        edge, t = self.frame_nearest(px, py)
        # The same fraction along the edge as GeoJSON draws it (straight in lon/lat): a point
        # of the boundary itself, a hair from the frame's, which only moves it along the edge.
        foot_lat = self.start_lat[edge] + t * self.d_lat[edge]
        foot_lon = self.start_lon[edge] + t * self.d_lon[edge]
        km = distance_km(lat_a, lon_a, foot_lat, foot_lon)
        return km, foot_lat, foot_lon, self.contains(lat_a, lon_a)

    def frame_nearest(self, px: FloatArray, py: FloatArray) -> tuple[NDArray[np.int64], FloatArray]:
        """For points of the frame (km): the edge with the nearest boundary point, and how far along it that is."""
        n = len(px)
        edge = np.empty(n, dtype=np.int64)
        along = np.empty(n)
        step = max(1, _CHUNK_CELLS // max(len(self), 1))
        for lo in range(0, n, step):
            hi = min(n, lo + step)
            rel_x = px[lo:hi, None] - self.ax
            rel_y = py[lo:hi, None] - self.ay
            t = np.clip((rel_x * self.dx + rel_y * self.dy) * self.inv_len_sq, 0.0, 1.0)
            off_x = rel_x - t * self.dx
            off_y = rel_y - t * self.dy
            j = np.argmin(off_x * off_x + off_y * off_y, axis=1)
            edge[lo:hi] = j
            along[lo:hi] = t[np.arange(hi - lo), j]
        return edge, along

    def contains(self, lat: ArrayLike, lon: ArrayLike) -> NDArray[np.bool_]:
        """Inside an outer ring and not in a hole: a ray east crosses the rings an odd number of times."""
        lat_a = np.asarray(lat, dtype=np.float64).reshape(-1)
        lon_a = np.asarray(lon, dtype=np.float64).reshape(-1)
        inside = np.zeros(len(lat_a), dtype=bool)
        # Only points within the bounding box can be inside.
        min_lat, max_lat, min_lon, max_lon = self.box
        boxed = np.flatnonzero((lat_a >= min_lat) & (lat_a <= max_lat) & (lon_a >= min_lon) & (lon_a <= max_lon))
        step = max(1, _CHUNK_CELLS // max(len(self), 1))
        for lo in range(0, len(boxed), step):
            rows = boxed[lo : lo + step]
            y = lat_a[rows, None]
            straddles = (self.start_lat > y) != (self.end_lat > y)
            with np.errstate(divide="ignore", invalid="ignore"):
                cross = self.start_lon + (y - self.start_lat) * self.d_lon / self.d_lat
            inside[rows] = np.count_nonzero(straddles & (lon_a[rows, None] < cross), axis=1) % 2 == 1
        return inside

    def edge_distance(self, lat: ArrayLike, lon: ArrayLike) -> FloatArray:
        """0 inside the polygon, else km to its nearest boundary point."""
        km, _, _, inside = self.nearest_boundary(lat, lon)
        return np.where(inside, 0.0, km)


def _ellipsoid_radii(lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """The prime-vertical and meridional radii of curvature (km) at `lat`."""
    phi = np.deg2rad(np.asarray(lat, dtype=np.float64))
    e_sq = WGS84_F * (2 - WGS84_F)
    w = np.sqrt(1 - e_sq * np.sin(phi) ** 2)
    return WGS84_A_KM / w, WGS84_A_KM * (1 - e_sq) / w**3


def _azimuthal(
    lat: ArrayLike, lon: ArrayLike, lat0: float, lon0: float, scale_x: float, scale_y: float
) -> tuple[FloatArray, FloatArray]:
    """Azimuthal equidistant coordinates (km) about (lat0, lon0), on the sphere, scaled by the local radii."""
    phi = np.deg2rad(np.asarray(lat, dtype=np.float64))
    phi0 = np.deg2rad(lat0)
    dlam = np.deg2rad(np.asarray(lon, dtype=np.float64) - lon0)
    c = _central_angle(np.full_like(phi, phi0), phi, dlam)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.where(c > 1e-12, c / np.sin(c), 1.0)
    x = k * np.cos(phi) * np.sin(dlam)
    y = k * (np.cos(phi0) * np.sin(phi) - np.sin(phi0) * np.cos(phi) * np.cos(dlam))
    return x * scale_x, y * scale_y


def _azimuthal_inverse(
    x: FloatArray, y: FloatArray, lat0: float, lon0: float, scale_x: float, scale_y: float
) -> tuple[FloatArray, FloatArray]:
    """(lat, lon) of azimuthal equidistant coordinates made by `_azimuthal`."""
    u, v = x / scale_x, y / scale_y
    c = np.hypot(u, v)
    phi0 = np.deg2rad(lat0)
    sin_c, cos_c = np.sin(c), np.cos(c)
    with np.errstate(divide="ignore", invalid="ignore"):
        along = np.where(c > 1e-12, v * sin_c / c, v)
        across = np.where(c > 1e-12, u * sin_c / c, u)
    phi = np.arcsin(np.clip(cos_c * np.sin(phi0) + along * np.cos(phi0), -1.0, 1.0))
    lam = np.arctan2(across, cos_c * np.cos(phi0) - along * np.sin(phi0))
    return np.rad2deg(phi), lon0 + np.rad2deg(lam)


@dataclass(frozen=True)
class AreaShapes:
    """Areas that are circles (a centre and radius) or polygons (a boundary, plus a radius).

    Edge distance is `max(0, d - radius_km)`, where d is the distance to a circle's centre,
    or to a polygon's boundary (0 inside it). Circles go through `Circles` (indexed); only
    polygon areas pay for polygon geometry, so a set of circles alone costs what it did.
    `lat`, `lon`, `radius_km` are every area's representative point and radius, in order.
    """

    lat: FloatArray
    lon: FloatArray
    radius_km: FloatArray
    circles: Circles  # the circle areas
    circle_index: NDArray[np.int64]  # their positions among all the areas
    polygons: tuple[Polygon, ...]
    polygon_index: NDArray[np.int64]
    polygon_vectors: Vectors  # reduced unit vectors of each polygon's frame origin

    @classmethod
    def build(
        cls, lat: ArrayLike, lon: ArrayLike, radius_km: ArrayLike, polygons: Sequence[PolygonParts | None] = ()
    ) -> AreaShapes:
        """`polygons[i]` is area i's boundary, or None for a circle (missing entries are circles)."""
        lat_a = np.asarray(lat, dtype=np.float64).reshape(-1)
        lon_a = np.asarray(lon, dtype=np.float64).reshape(-1)
        radius_a = np.asarray(radius_km, dtype=np.float64).reshape(-1)
        given = [(i, parts) for i, parts in enumerate(polygons) if parts is not None]
        polygon_index = np.array([i for i, _ in given], dtype=np.int64)
        circle_index = np.setdiff1d(np.arange(len(lat_a), dtype=np.int64), polygon_index)
        built = tuple(Polygon.build(parts) for _, parts in given)
        circles = (
            Circles.build(lat_a, lon_a, radius_a)
            if len(polygon_index) == 0
            else Circles.build(lat_a[circle_index], lon_a[circle_index], radius_a[circle_index])
        )
        origin_vectors = reduced_unit_vectors([p.lat0 for p in built], [p.lon0 for p in built])
        return cls(lat_a, lon_a, radius_a, circles, circle_index, built, polygon_index, origin_vectors)

    def __len__(self) -> int:
        return len(self.lat)

    def nearest_edge(
        self, lat: FloatArray, lon: FloatArray, vectors: Vectors | None = None
    ) -> tuple[FloatArray, NDArray[np.int64]]:
        """Edge distance (km) to the nearest area from each point, and its index; as `Circles.nearest_edge`.

        Points with no areas get `inf` and index -1; ties go to the lowest index. A polygon
        is measured exactly for a point only when its enclosing circle could beat the best
        edge distance found so far, so the search stays exact.
        """
        if not self.polygons:
            return self.circles.nearest_edge(lat, lon, vectors)
        n = len(lat)
        if vectors is None:
            vectors = reduced_unit_vectors(lat, lon)
        best, found = self.circles.nearest_edge(lat, lon, vectors)
        best_idx = np.full(n, -1, dtype=np.int64)
        if len(self.circle_index):
            best_idx = self.circle_index[found]

        reach = np.array([p.reach_km for p in self.polygons])
        radius = self.radius_km[self.polygon_index]
        origins = tuple(v[None, :] for v in self.polygon_vectors)
        origin_lat = np.array([p.lat0 for p in self.polygons])
        origin_lon = np.array([p.lon0 for p in self.polygons])
        to_origin = distance_between(
            _column(vectors), (origins[0], origins[1], origins[2]), lat[:, None], lon[:, None], origin_lat, origin_lon
        )
        # Every boundary point of polygon k is within reach[k] of its origin, so the edge
        # distance lies between these bounds (a point inside has distance 0 <= lower).
        lower = np.maximum(0.0, to_origin - reach) - radius
        upper = np.maximum(0.0, to_origin + reach - radius)
        limit = np.minimum(best, upper.min(axis=1))
        maybe = lower <= limit[:, None]
        for k, polygon in enumerate(self.polygons):
            rows = np.flatnonzero(maybe[:, k])
            if not len(rows):
                continue
            edge = np.maximum(0.0, polygon.edge_distance(lat[rows], lon[rows]) - radius[k])
            index = int(self.polygon_index[k])
            current = best_idx[rows]
            better = (edge < best[rows]) | ((edge == best[rows]) & ((current < 0) | (index < current)))
            best[rows[better]] = edge[better]
            best_idx[rows[better]] = index
        return best, best_idx


# Marching squares: for each cell (corner bits: 1 at (i, j), 2 at (i+1, j), 4 at (i+1, j+1),
# 8 at (i, j+1) when that corner is beyond the line), the pairs of cell sides the line
# joins. Sides: 0 bottom, 1 right, 2 top, 3 left. Saddles (5, 10) are settled by the centre.
_SIDE_PAIRS: dict[int, tuple[tuple[int, int], ...]] = {
    1: ((3, 0),), 2: ((0, 1),), 3: ((3, 1),), 4: ((1, 2),), 6: ((0, 2),), 7: ((3, 2),),
    8: ((3, 2),), 9: ((0, 2),), 11: ((1, 2),), 12: ((3, 1),), 13: ((0, 1),), 14: ((3, 0),),
}  # fmt: skip
_SADDLE_PAIRS: dict[tuple[int, bool], tuple[tuple[int, int], ...]] = {
    (5, True): ((0, 1), (2, 3)), (5, False): ((3, 0), (1, 2)),
    (10, True): ((3, 0), (1, 2)), (10, False): ((0, 1), (2, 3)),
}  # fmt: skip
_OUTLINE_CELLS = 80


def buffer_outline(parts: PolygonParts, km: float, cells: int = _OUTLINE_CELLS) -> list[list[tuple[float, float]]]:
    """Closed lines of (lon, lat) where the edge distance to the polygon is `km`: its buffer, to draw.

    Marching squares over a grid of the polygon's frame, about `cells` across, so the
    line is right to a small part of a grid step; none when `km` is 0 (the polygon is its
    own outline). Holes wider than twice `km` keep a line inside them.
    """
    if km <= 0:
        return []
    polygon = Polygon.build(parts)
    # The grid lies in the polygon's frame; the distances are the engine's own.
    ends_x = np.concatenate([polygon.ax, polygon.ax + polygon.dx])
    ends_y = np.concatenate([polygon.ay, polygon.ay + polygon.dy])
    step = (max(float(np.ptp(ends_x)), float(np.ptp(ends_y))) + 2 * km) / max(cells - 4, 1)
    # Two spare steps on every side: the line never reaches the grid's border, so every line closes.
    xs = np.arange(ends_x.min() - km - 2 * step, ends_x.max() + km + 2.5 * step, step)
    ys = np.arange(ends_y.min() - km - 2 * step, ends_y.max() + km + 2.5 * step, step)
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    frame = (polygon.lat0, polygon.lon0, polygon.scale_x, polygon.scale_y)
    grid_lat, grid_lon = _azimuthal_inverse(gx.reshape(-1), gy.reshape(-1), *frame)
    value = (polygon.edge_distance(grid_lat, grid_lon) - km).reshape(gx.shape)
    beyond = value >= 0
    case = beyond[:-1, :-1] * 1 + beyond[1:, :-1] * 2 + beyond[1:, 1:] * 4 + beyond[:-1, 1:] * 8

    def side(i: int, j: int, k: int) -> tuple[int, int, int]:
        # A grid segment: (0, i, j) runs from (i, j) to (i+1, j); (1, i, j) from (i, j) to (i, j+1).
        return ((0, i, j), (1, i + 1, j), (0, i, j + 1), (1, i, j))[k]

    links: dict[tuple[int, int, int], list[tuple[int, int, int]]] = {}
    for i, j in zip(*np.nonzero((case != 0) & (case != 15)), strict=True):
        c = int(case[i, j])
        if c in (5, 10):
            centre = float(value[i : i + 2, j : j + 2].mean()) >= 0
            pairs = _SADDLE_PAIRS[(c, centre)]
        else:
            pairs = _SIDE_PAIRS[c]
        for a, b in pairs:
            sa, sb = side(int(i), int(j), a), side(int(i), int(j), b)
            links.setdefault(sa, []).append(sb)
            links.setdefault(sb, []).append(sa)

    def crossing(key: tuple[int, int, int]) -> tuple[float, float]:
        along, i, j = key
        ni, nj = (i + 1, j) if along == 0 else (i, j + 1)
        t = value[i, j] / (value[i, j] - value[ni, nj])
        x = xs[i] + (t * step if along == 0 else 0.0)
        y = ys[j] + (t * step if along == 1 else 0.0)
        at_lat, at_lon = _azimuthal_inverse(np.array([x]), np.array([y]), *frame)
        return round(float(at_lon[0]), 6), round(float(at_lat[0]), 6)

    lines: list[list[tuple[float, float]]] = []
    seen: set[tuple[int, int, int]] = set()
    for start in sorted(links):
        if start in seen:
            continue
        line = [start]
        seen.add(start)
        previous, here = start, links[start][0]
        while here != start:
            line.append(here)
            seen.add(here)
            first, second = links[here]
            previous, here = here, (second if first == previous else first)
        points = [crossing(key) for key in line]
        lines.append([*points, points[0]])
    return lines

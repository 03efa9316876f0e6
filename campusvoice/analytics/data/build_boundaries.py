"""Rebuild boundaries.json from Natural Earth and US Census TopoJSON; run by hand, never at run time.

    npm pack world-atlas@2.0.2 us-atlas@3.0.1     # from the npm registry; unpack both
    python campusvoice/analytics/data/build_boundaries.py \\
        world-atlas/package/countries-50m.json us-atlas/package/states-10m.json

Writes campusvoice/analytics/data/boundaries.json: every country (Natural Earth 1:50m Admin 0)
and every US state (Census cartographic boundaries 1:10m), each as rings of lon/lat simplified
with Douglas-Peucker to TOLERANCE degrees and rounded to 2 decimals (about 1 km), plus a bounding
box, so a map draws only what falls in its frame. Arcs are simplified once, before they are joined
into rings, so neighbours keep one shared border. See SOURCE.md beside this file.
"""

import json
import sys
from pathlib import Path

TOLERANCE = 0.05  # degrees; about 5 km, two pixels on a 640-pixel map of all Italy
OUT = Path(__file__).with_name("boundaries.json")


def _decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        length = (dx * dx + dy * dy) ** 0.5
        worst, index = 0.0, None
        for i in range(first + 1, last):
            px, py = points[i]
            if length:
                distance = abs(dy * px - dx * py + x2 * y1 - y2 * x1) / length
            else:
                distance = ((px - x1) ** 2 + (py - y1) ** 2) ** 0.5
            if distance > worst:
                worst, index = distance, i
        if index is not None and worst > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def _ring(arcs, indexes) -> list[tuple[float, float]]:
    ring: list[tuple[float, float]] = []
    for i in indexes:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        ring.extend(arc if not ring else arc[1:])
    return ring


def _shapes(topology: dict, name: str) -> list[dict]:
    arcs = [_simplify(arc, TOLERANCE) for arc in _decode_arcs(topology)]
    shapes = []
    for geometry in topology["objects"][name]["geometries"]:
        polygons = {"Polygon": [geometry.get("arcs", [])], "MultiPolygon": geometry.get("arcs", [])}.get(
            geometry["type"], []
        )
        rings = []
        for polygon in polygons:
            for indexes in polygon:
                ring = [(round(x, 2), round(y, 2)) for x, y in _ring(arcs, indexes)]
                ring = [p for i, p in enumerate(ring) if i == 0 or p != ring[i - 1]]
                if len(ring) >= 4:
                    rings.append(ring)
        if not rings:
            continue  # too small to see at this tolerance
        xs = [x for ring in rings for x, _y in ring]
        ys = [y for ring in rings for _x, y in ring]
        shapes.append(
            {
                "id": str(geometry.get("id", "")),
                "name": geometry.get("properties", {}).get("name", ""),
                "bbox": [min(xs), min(ys), max(xs), max(ys)],
                # Flat [lon, lat, lon, lat, …] per ring: a third of the size of nested pairs.
                "rings": [[c for point in ring for c in point] for ring in rings],
            }
        )
    return shapes


def main(countries_path: str, states_path: str) -> None:
    countries = _shapes(json.loads(Path(countries_path).read_text()), "countries")
    states = _shapes(json.loads(Path(states_path).read_text()), "states")
    data = {
        "source": "Natural Earth 1:50m Admin 0 countries (public domain) and US Census cartographic "
        "boundary states 1:10m (public domain), via the npm packages world-atlas 2.0.2 and us-atlas "
        f"3.0.1; simplified to {TOLERANCE} degrees. See SOURCE.md.",
        "countries": countries,
        "us_states": states,
    }
    OUT.write_text(json.dumps(data, separators=(",", ":")) + "\n")
    points = sum(len(r) // 2 for s in countries + states for r in s["rings"])
    print(f"{OUT}: {len(countries)} countries, {len(states)} states, {points} points")


if __name__ == "__main__":
    main(*sys.argv[1:3])

#!/usr/bin/env python3
"""Derive data/geo/world-110m.json (projected SVG paths keyed by ISO 3166-1 alpha-2).

Standard library only. Inputs (see data/geo/README.md for where they come from):

  --topojson  countries-110m.json from the npm package world-atlas@2.0.2
  --iso3166   the pycountry wheel (pycountry-*.whl) or the iso3166-1.json inside it

Usage:
  python3 data/geo/build-world-paths.py --topojson /tmp/x/package/countries-110m.json \
      --iso3166 /tmp/x/pycountry-26.2.16-py3-none-any.whl > data/geo/world-110m.json

What it does:
  1. decodes the TopoJSON arcs (delta-encoded, quantized) to longitude/latitude;
  2. projects them with the Equal Earth projection (Šavrič, Patterson & Jenny 2018);
  3. simplifies each arc (Douglas-Peucker, tolerance TOLERANCE px, arc end points kept, so
     shared borders stay identical for both neighbours) and rounds to 1 decimal;
  4. stitches arcs into rings and writes one SVG path per country ("M x y l dx dy ... Z"
     with relative moves, all numbers with at most 1 decimal); a ring that crosses the
     antimeridian (Russia, Fiji) is cut at +-180 degrees and simplified as a whole ring;
  5. maps the ISO 3166-1 numeric id to alpha-2; the three features without an id are handled
     as described in MERGE_INTO / OMIT below, and Antarctica is dropped (see OMIT).
"""

import argparse
import json
import math
import sys
import zipfile

WIDTH = 960.0  # viewBox width; the height follows from the projected bounds
MARGIN = 4.0  # px of empty border around the land
TOLERANCE = 0.25  # Douglas-Peucker tolerance in px of the 960-wide viewBox

# Features without an ISO 3166-1 numeric id, by Natural Earth name.
# ISO 3166-1 counts N. Cyprus as part of Cyprus and Somaliland as part of Somalia; their
# shapes are merged into those countries so the map shows no hole there.
MERGE_INTO = {"N. Cyprus": "CY", "Somaliland": "SO"}
# Kosovo has no ISO 3166-1 code (XK is user-assigned and not in ward-core's table): omitted,
# its area is left blank. Antarctica (AQ) is omitted: it would take a fifth of the height.
OMIT_NAMES = {"Kosovo"}
OMIT_CODES = {"AQ"}

# Equal Earth constants.
A1, A2, A3, A4 = 1.340264, -0.081106, 0.000893, 0.003796
M = math.sqrt(3) / 2


def equal_earth(lon, lat):
    lam = math.radians(lon)
    phi = math.radians(lat)
    theta = math.asin(M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * math.cos(theta) / (M * (A1 + 3 * A2 * t2 + t6 * (7 * A3 + 9 * A4 * t2)))
    y = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2))
    return x, y


def decode_arcs(topo):
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    out = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((x * sx + tx, y * sy + ty))
        out.append(pts)
    return out


def perp_dist(p, a, b):
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    if dx == 0 and dy == 0:
        return math.hypot(px - ax, py - ay)
    return abs(dy * px - dx * py + bx * ay - by * ax) / math.hypot(dx, dy)


def douglas_peucker(pts, tol):
    if len(pts) < 3:
        return pts
    keep = [False] * len(pts)
    keep[0] = keep[-1] = True
    # A closed arc (first == last) would give zero-length baselines: split at the farthest point.
    stack = [(0, len(pts) - 1)]
    if pts[0] == pts[-1]:
        far = max(range(1, len(pts) - 1), key=lambda i: math.hypot(pts[i][0] - pts[0][0], pts[i][1] - pts[0][1]))
        keep[far] = True
        stack = [(0, far), (far, len(pts) - 1)]
    while stack:
        i, j = stack.pop()
        best, idx = 0.0, -1
        for k in range(i + 1, j):
            d = perp_dist(pts[k], pts[i], pts[j])
            if d > best:
                best, idx = d, k
        if idx >= 0 and best > tol:
            keep[idx] = True
            stack.append((i, idx))
            stack.append((idx, j))
    return [p for p, k in zip(pts, keep) if k]


def ring_lonlat(ring, lonlat):
    pts = []
    for a in ring:
        seg = lonlat[a] if a >= 0 else lonlat[~a][::-1]
        if pts and seg and pts[-1] == seg[0]:
            seg = seg[1:]
        pts.extend(seg)
    if len(pts) > 1 and pts[0] == pts[-1]:
        pts.pop()
    return pts


def crosses_antimeridian(pts):
    return any(abs(b[0] - a[0]) > 180 for a, b in zip(pts, pts[1:] + pts[:1]))


def split_at_antimeridian(pts):
    """Cut a ring that crosses longitude ±180 into its western and eastern parts.

    The ring is unwrapped to continuous longitudes, clipped (Sutherland-Hodgman) against the
    line lon = 180 on either side, the part beyond 180 shifted back by 360, and the edges
    that run along the cut densified every degree so they follow the curved map edge.
    """
    un = [pts[0]]
    for lon, lat in pts[1:]:
        prev = un[-1][0]
        while lon - prev > 180:
            lon -= 360
        while prev - lon > 180:
            lon += 360
        un.append((lon, lat))
    first, last = un[0][0], un[-1][0]
    if abs(first - last) > 180:
        sys.exit("a ring circles a pole; only Antarctica does that and it is omitted")
    if min(lon for lon, _ in un) < -180:
        un = [(lon + 360, lat) for lon, lat in un]

    def clip(keep):
        out = []
        for i, cur in enumerate(un):
            prev = un[i - 1]
            cin, pin = keep(cur[0]), keep(prev[0])
            if cin != pin:
                t = (180 - prev[0]) / (cur[0] - prev[0])
                out.append((180.0, prev[1] + t * (cur[1] - prev[1])))
            if cin:
                out.append((180.0, cur[1]) if cur[0] == 180 else cur)
        return out

    def densify(part):
        out = []
        for i, a in enumerate(part):
            out.append(a)
            b = part[(i + 1) % len(part)]
            if a[0] == b[0] == 180.0:
                steps = int(abs(b[1] - a[1]))
                for s in range(1, steps + 1):
                    out.append((180.0, a[1] + (b[1] - a[1]) * s / (steps + 1)))
        return out

    west = densify(clip(lambda lon: lon <= 180))
    east = [(lon - 360, lat) for lon, lat in densify(clip(lambda lon: lon >= 180))]
    return [part for part in (west, east) if len(part) >= 3]


def load_iso(path):
    if path.endswith(".whl"):
        with zipfile.ZipFile(path) as z:
            data = json.loads(z.read("pycountry/databases/iso3166-1.json"))
    else:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    return {e["numeric"]: e["alpha_2"] for e in data["3166-1"]}


def rings_of(geom):
    if geom["type"] == "Polygon":
        return list(geom["arcs"])
    if geom["type"] == "MultiPolygon":
        return [ring for poly in geom["arcs"] for ring in poly]
    return []


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--topojson", required=True)
    ap.add_argument("--iso3166", required=True)
    args = ap.parse_args()

    with open(args.topojson, encoding="utf-8") as f:
        topo = json.load(f)
    numeric_to_a2 = load_iso(args.iso3166)

    # Assign each geometry to an alpha-2 code (or drop it).
    assigned = []  # (alpha2, geometry)
    for g in topo["objects"]["countries"]["geometries"]:
        name = g.get("properties", {}).get("name", "")
        gid = g.get("id")
        if gid is None:
            if name in MERGE_INTO:
                assigned.append((MERGE_INTO[name], g))
            elif name in OMIT_NAMES:
                print(f"omitted (no ISO code): {name}", file=sys.stderr)
            else:
                sys.exit(f"feature {name!r} has no id and no rule: add it to MERGE_INTO or OMIT_NAMES")
            continue
        a2 = numeric_to_a2.get(gid)
        if a2 is None:
            sys.exit(f"numeric id {gid} ({name}) is not in ISO 3166-1")
        if a2 in OMIT_CODES:
            print(f"omitted: {name} ({a2})", file=sys.stderr)
            continue
        assigned.append((a2, g))

    # Which arcs are used at all (only those need projecting / determine the bounds).
    used = set()
    for _, g in assigned:
        for ring in rings_of(g):
            for a in ring:
                used.add(a if a >= 0 else ~a)

    lonlat = decode_arcs(topo)
    projected = {i: [equal_earth(lon, lat) for lon, lat in lonlat[i]] for i in used}
    xs = [p[0] for i in used for p in projected[i]]
    ys = [p[1] for i in used for p in projected[i]]
    minx, maxx, miny, maxy = min(xs), max(xs), min(ys), max(ys)
    k = (WIDTH - 2 * MARGIN) / (maxx - minx)
    height = math.ceil((maxy - miny) * k + 2 * MARGIN)

    def to_px(p):
        # SVG y grows downwards.
        return (MARGIN + (p[0] - minx) * k, MARGIN + (maxy - p[1]) * k)

    def q(v):
        return round(v * 10)  # integer tenths of a pixel

    def quantize(pts):
        qpts = []
        for x, y in pts:
            qp = (q(x), q(y))
            if not qpts or qpts[-1] != qp:
                qpts.append(qp)
        return qpts

    arcs_px = {}
    for i in used:
        arcs_px[i] = quantize(douglas_peucker([to_px(p) for p in projected[i]], TOLERANCE))

    def fmt(t):
        # t in tenths -> shortest decimal text
        s = f"{t / 10:.1f}"
        if s.endswith(".0"):
            s = s[:-2]
        if s.startswith("0."):
            s = s[1:]
        elif s.startswith("-0."):
            s = "-" + s[2:]
        return s

    def pair(a, b):
        sa, sb = fmt(a), fmt(b)
        sep = "" if sb.startswith("-") or (sb.startswith(".") and "." in sa) else " "
        return sa + sep + sb

    def ring_paths(ring):
        ll = ring_lonlat(ring, lonlat)
        if crosses_antimeridian(ll):
            # Not shared with a neighbour across the cut: simplified as whole rings.
            out = ""
            for part in split_at_antimeridian(ll):
                px = [to_px(equal_earth(lon, lat)) for lon, lat in part]
                out += points_path(quantize(douglas_peucker(px + px[:1], TOLERANCE)))
            return out
        pts = []
        for a in ring:
            seg = arcs_px[a] if a >= 0 else arcs_px[~a][::-1]
            if pts and seg and pts[-1] == seg[0]:
                seg = seg[1:]
            pts.extend(seg)
        return points_path(pts)

    def points_path(pts):
        if len(pts) > 1 and pts[0] == pts[-1]:
            pts = pts[:-1]
        # Drop consecutive duplicates left by rounding.
        clean = []
        for p in pts:
            if not clean or clean[-1] != p:
                clean.append(p)
        if len(clean) < 3:
            return ""
        out = ["M" + pair(*clean[0])]
        rel = []
        for (x0, y0), (x1, y1) in zip(clean, clean[1:]):
            rel.append(pair(x1 - x0, y1 - y0))
        text = "l"
        for r in rel:
            text += r if (r.startswith("-") or text == "l") else " " + r
        out.append(text)
        out.append("Z")
        return "".join(out)

    countries = {}
    for a2, g in assigned:
        d = "".join(ring_paths(r) for r in rings_of(g))
        if d:
            countries[a2] = countries.get(a2, "") + d

    doc = {
        "width": int(WIDTH),
        "height": height,
        "projection": "Equal Earth (EPSG:8857 formulas), fitted to the land without Antarctica",
        "source": "Natural Earth 1:110m Admin 0 countries v4.1.0 via world-atlas@2.0.2 countries-110m.json",
        "countries": dict(sorted(countries.items())),
    }
    json.dump(doc, sys.stdout, ensure_ascii=False, separators=(",", ":"))
    sys.stdout.write("\n")
    print(f"{len(countries)} countries, {WIDTH:.0f}x{height}", file=sys.stderr)


if __name__ == "__main__":
    main()

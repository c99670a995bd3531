"""Fetch the view's browser libraries from the npm registry and ship them inside the package.

The map and timeline tabs of the graph view inline Leaflet, topojson-client, vis-timeline and
Natural Earth outlines from world-atlas (the network's vis-network comes with pyvis). This script
is the one way they enter the repository: `npm pack` of each pinned version into a scratch folder
outside it, a check of the tarball against the registry's integrity, a copy of only the files
the page needs with their licences into kg/view/templates/vendor/NAME/, and `manifest.json`
recording name, version, integrity and files. World-atlas is cut to the countries near the field
(see REGION): the whole 50m world is 756 kB, the page needs Kazakhstan, China and their neighbours.

    python scripts/vendor_view.py            # re-vendor the pinned versions
    python scripts/vendor_view.py leaflet=1.9.5   # move one library to another version

Then rebuild a view and run tests/test_map_timeline.py; docs/view.md says more.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VENDOR = Path(__file__).resolve().parent.parent / "kg" / "view" / "templates" / "vendor"

# name -> (version, {file in the npm package: file in the vendor folder})
PACKAGES = {
    "leaflet": ("1.9.4", {"dist/leaflet.js": "leaflet.js", "dist/leaflet.css": "leaflet.css", "LICENSE": "LICENSE"}),
    "topojson-client": ("3.1.0", {"dist/topojson-client.min.js": "topojson-client.min.js", "LICENSE": "LICENSE"}),
    "vis-timeline": ("8.5.4", {"standalone/umd/vis-timeline-graph2d.min.js": "vis-timeline-graph2d.min.js",
                               "styles/vis-timeline-graph2d.min.css": "vis-timeline-graph2d.min.css",
                               "LICENSE.Apache-2.0.txt": "LICENSE.Apache-2.0.txt", "LICENSE.MIT.txt": "LICENSE.MIT.txt"}),
    "world-atlas": ("2.0.2", {"countries-50m.json": None, "LICENSE": "LICENSE"}),
}
ATLAS = "countries-50m-region.json"
# lon/lat box of the field and its neighbours: every country whose outline reaches into it is kept
# whole (Russia and India included), the rest of the world is dropped
REGION = (30.0, 20.0, 125.0, 60.0)


def main(argv: list[str]) -> int:
    wanted = {name: version for name, (version, _) in PACKAGES.items()}
    for arg in argv:
        name, _, version = arg.partition("=")
        if name not in PACKAGES or not version:
            print(f"error: {arg!r}: write NAME=VERSION with NAME one of {', '.join(PACKAGES)}", file=sys.stderr)
            return 2
        wanted[name] = version
    manifest = {}
    with tempfile.TemporaryDirectory(prefix="kg-vendor-") as scratch:
        for name, version in wanted.items():
            manifest[name] = vendor(name, version, Path(scratch))
    (VENDOR / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {VENDOR / 'manifest.json'}")
    return 0


def vendor(name: str, version: str, scratch: Path) -> dict:
    """Pack NAME@VERSION, check its integrity, copy its files; the manifest entry."""
    spec = f"{name}@{version}"
    integrity = subprocess.run(["npm", "view", spec, "dist.integrity"], check=True, capture_output=True,
                               text=True).stdout.strip()
    packed = subprocess.run(["npm", "pack", spec, "--json", "--pack-destination", str(scratch)], check=True,
                            capture_output=True, text=True, cwd=scratch)
    tarball = scratch / json.loads(packed.stdout)[0]["filename"]
    algorithm, _, expected = integrity.partition("-")
    actual = base64.b64encode(hashlib.new(algorithm, tarball.read_bytes()).digest()).decode()
    if actual != expected:
        raise SystemExit(f"error: {tarball.name} does not match the registry's integrity {integrity}")
    unpacked = scratch / name
    with tarfile.open(tarball) as tar:
        tar.extractall(unpacked, filter="data")
    out = VENDOR / name
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    files = []
    for source, target in PACKAGES[name][1].items():
        if target is None:  # the atlas: cut, not copied
            cut = cut_atlas(json.loads((unpacked / "package" / source).read_text(encoding="utf-8")), REGION)
            (out / ATLAS).write_text(json.dumps(cut, separators=(",", ":")), encoding="utf-8")
            files.append(ATLAS)
        else:
            shutil.copyfile(unpacked / "package" / source, out / target)
            files.append(target)
    print(f"{spec}: {', '.join(files)}")
    return {"version": version, "integrity": integrity, "tarball": f"https://registry.npmjs.org/{name}/-/{name.split('/')[-1]}-{version}.tgz",
            "files": sorted(files)}


def cut_atlas(topology: dict, region: tuple[float, float, float, float]) -> dict:
    """The countries of a world-atlas topology whose outline reaches into `region`, with only their arcs.

    Arcs stay quantized and delta-encoded (what makes TopoJSON small); they are renumbered, and
    a reversed reference (~i) keeps its direction.
    """
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    west, south, east, north = region

    def points(arc):
        x = y = 0
        for dx, dy in arc:
            x, y = x + dx, y + dy
            yield x * sx + tx, y * sy + ty

    def inside(index):
        return any(west <= lon <= east and south <= lat <= north for lon, lat in points(topology["arcs"][index]))

    def arc_indices(arcs):
        for item in arcs:
            if isinstance(item, list):
                yield from arc_indices(item)
            else:
                yield item if item >= 0 else ~item

    kept = [g for g in topology["objects"]["countries"]["geometries"]
            if "arcs" in g and any(inside(i) for i in arc_indices(g["arcs"]))]
    used = sorted({i for g in kept for i in arc_indices(g["arcs"])})
    new_index = {old: new for new, old in enumerate(used)}

    def renumber(arcs):
        return [renumber(a) if isinstance(a, list) else (new_index[a] if a >= 0 else ~new_index[~a]) for a in arcs]

    return {
        "type": "Topology",
        "transform": topology["transform"],
        "objects": {"countries": {"type": "GeometryCollection",
                                  "geometries": [{**g, "arcs": renumber(g["arcs"])} for g in kept]}},
        "arcs": [topology["arcs"][i] for i in used],
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

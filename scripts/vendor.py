#!/usr/bin/env python3
"""Vendor front-end assets from the npm registry, driven by a manifest.

    python scripts/vendor.py              # fetch the pinned versions, write the files
    python scripts/vendor.py --check      # offline: are the files on disk what the manifest says?
    python scripts/vendor.py --upgrade    # move every package to the newest version in its "range"
    python scripts/vendor.py --upgrade htmx   # ... or only the named package ids

The manifest (kiosk/static/vendor/manifest.json) lists, per package: its npm name, exact
version, the semver range that --upgrade may move within, the SPDX licence, the licence file to
copy beside the files, and the files to copy (source path inside the tarball -> destination
path relative to the repository root; "{version}" in a destination is replaced by the version).
A file may be cut rather than copied: a woff2 font with a "subset" becomes one face of the
font, its variable axes limited ("axes", e.g. wght 400-800) and its characters limited to
"unicodes" (an explicit list such as ["U+0020-007E", "U+2026 …"], or "fontsource": the source
file's unicode-range in fontsource's CSS) minus the characters of the faces named in "minus".

A package may also ask for generated files: at present an @font-face stylesheet
("fontsource-css") built from fontsource's own CSS, either for the package's subsets and weights
as fontsource ships them, or for the "faces" cut above, each with its unicode-range, so that a
browser downloads a face only for a page that uses one of its characters.

The script fills in some fields itself: "integrity" (npm's hash of the tarball; checked on every
later download of the same version), "sha256" of every written file (checked by --check) and,
for packages with font subsets, "generated_with" (the fontTools version that cut them). Running
it twice changes nothing. Python 3.11; --check uses the standard library only. Fetching needs
`npm` on PATH, and font subsets need fontTools (with brotli for woff2): run it with the project's
virtualenv, `.venv/bin/python scripts/vendor.py`.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MANIFEST = ROOT / "kiosk" / "static" / "vendor" / "manifest.json"


class VendorError(Exception):
    pass


# --------------------------------------------------------------------------- helpers

def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def safe_dest(root: Path, rel: str) -> Path:
    """Resolve a manifest destination, refusing anything outside the repository."""
    p = PurePosixPath(rel)
    if p.is_absolute() or ".." in p.parts:
        raise VendorError(f"destination must be a relative path inside the repo: {rel!r}")
    return root.joinpath(*p.parts)


def write_if_changed(path: Path, data: bytes) -> bool:
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp-vendor")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return True


def expand(pkg: dict, rel: str) -> str:
    return rel.replace("{version}", pkg["version"])


def entries(pkg: dict):
    """All file entries of a package that end up on disk: licence, copies, generated."""
    out = []
    lic = pkg.get("license_file")
    if lic:
        out.append(lic)
    out.extend(pkg.get("files", []))
    out.extend(pkg.get("generate", []))
    return out


def version_key(v: str):
    main, _, pre = v.partition("-")
    nums = tuple(int(x) for x in main.split("."))
    # a release sorts after its prereleases
    return nums + ((1,) if not pre else (0, pre))


def run_npm(args: list[str], cwd: Path) -> str:
    npm = shutil.which("npm")
    if not npm:
        raise VendorError("npm not found on PATH")
    proc = subprocess.run([npm, *args], cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise VendorError(f"npm {' '.join(args)} failed:\n{proc.stderr.strip()}")
    return proc.stdout


# --------------------------------------------------------------------------- manifest

def load_manifest(path: Path) -> dict:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise VendorError(f"manifest not found: {path}")
    except json.JSONDecodeError as exc:
        raise VendorError(f"manifest is not valid JSON: {exc}")
    ids, dests = set(), {}
    for pkg in manifest.get("packages", []):
        for key in ("id", "npm", "version", "license", "dir"):
            if not pkg.get(key):
                raise VendorError(f"package {pkg.get('id', '?')}: missing {key!r}")
        if pkg["id"] in ids:
            raise VendorError(f"duplicate package id {pkg['id']!r}")
        ids.add(pkg["id"])
        if not re.fullmatch(r"\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?", pkg["version"]):
            raise VendorError(f"{pkg['id']}: version must be exact, got {pkg['version']!r}")
        if not pkg.get("license_file"):
            raise VendorError(f"{pkg['id']}: a license_file is required")
        for e in entries(pkg):
            d = expand(pkg, e["dest"])
            safe_dest(ROOT, d)
            if d in dests:
                raise VendorError(f"{d} is written by both {dests[d]} and {pkg['id']}")
            dests[d] = pkg["id"]
        for e in pkg.get("files", []):
            for key in ("face", "unicodes") if "subset" in e else ():
                if not e["subset"].get(key):
                    raise VendorError(f"{pkg['id']}: the subset of {e['dest']} needs {key!r}")
        for used in pkg.get("substitutions", {}).values():
            if not any(PurePosixPath(f["dest"]).stem == used for f in pkg.get("files", [])):
                raise VendorError(f"{pkg['id']}: substitute {used!r} is not in files")
    return manifest


def save_manifest(path: Path, manifest: dict) -> bool:
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    return write_if_changed(path, text.encode("utf-8"))


# --------------------------------------------------------------------------- npm tarballs

class Tarball:
    def __init__(self, path: Path):
        self.tar = tarfile.open(path, "r:gz")
        names = [m.name for m in self.tar.getmembers() if m.isfile()]
        roots = {n.split("/", 1)[0] for n in names}
        if len(roots) != 1:
            raise VendorError(f"{path.name}: unexpected tarball layout {sorted(roots)[:5]}")
        self.prefix = roots.pop() + "/"
        self.names = {n[len(self.prefix):] for n in names}

    def read(self, rel: str) -> bytes:
        if rel not in self.names:
            raise VendorError(f"file not in package: {rel}")
        member = self.tar.getmember(self.prefix + rel)
        f = self.tar.extractfile(member)
        assert f is not None
        return f.read()

    def close(self):
        self.tar.close()


def npm_pack(pkg: dict, workdir: Path) -> tuple[Path, dict]:
    spec = f"{pkg['npm']}@{pkg['version']}"
    out = run_npm(["pack", spec, "--json", "--ignore-scripts",
                   "--pack-destination", str(workdir)], cwd=workdir)
    info = json.loads(out)[0]
    if info.get("name") != pkg["npm"] or info.get("version") != pkg["version"]:
        raise VendorError(f"npm pack {spec} returned {info.get('name')}@{info.get('version')}")
    return workdir / info["filename"], info


# --------------------------------------------------------------------------- generators

FONTFACE_RE = re.compile(r"/\*\s*([\w.-]+)\s*\*/\s*@font-face\s*\{(.*?)\}", re.S)
UNICODE_RANGE_RE = re.compile(r"unicode-range:\s*([^;]+);")


def fontface(spec: dict, style: str, weight: str, woff2: str, unicode_range: str) -> list[str]:
    return [
        f"/* {PurePosixPath(woff2).stem} */",
        "@font-face {",
        f"  font-family: '{spec['family']}';",
        f"  font-style: {style};",
        "  font-display: swap;",
        f"  font-weight: {weight};",
        f"  src: url(./{woff2}) format('woff2');",
        f"  unicode-range: {unicode_range};",
        "}",
        "",
    ]


def gen_fontsource_css(pkg: dict, spec: dict, tb: Tarball, written: set[str]) -> bytes:
    """@font-face rules for local woff2 files: fontsource's subsets and weights, unicode-range
    copied from fontsource's CSS; or, with "faces", one rule per face cut by a "subset"."""
    dest_dir = PurePosixPath(expand(pkg, spec["dest"])).parent
    prefix, style = spec.get("file_prefix"), spec.get("style", "normal")
    lines = [
        f"/* {spec['family']} — generated by scripts/vendor.py from "
        f"{pkg['npm']}@{pkg['version']} ({pkg['license']}, see LICENSE). Do not edit. */",
        "",
    ]
    if "faces" in spec:
        faces = subset_faces(pkg, tb)
        for name in spec["faces"]:
            face = faces.get(name)
            if face is None:
                raise VendorError(f"{spec['dest']}: no file has the subset face {name!r}")
            dest = PurePosixPath(expand(pkg, face["file"]["dest"]))
            if str(dest) not in written or dest.parent != dest_dir:
                raise VendorError(f"{spec['dest']}: face {name!r} must be in its directory")
            lines += fontface(spec, style, face["weight"], dest.name,
                              format_unicodes(face["codepoints"]))
        return "\n".join(lines).encode("utf-8")
    for weight in spec["weights"]:
        css_name = f"{weight}.css" if style == "normal" else f"{weight}-{style}.css"
        blocks = dict(FONTFACE_RE.findall(tb.read(css_name).decode("utf-8")))
        for subset in spec["subsets"]:
            face = f"{prefix}-{subset}-{weight}-{style}"
            body = blocks.get(face)
            if body is None:
                raise VendorError(f"{css_name} has no @font-face for {face}")
            m = UNICODE_RANGE_RE.search(body)
            if not m:
                raise VendorError(f"{css_name}: no unicode-range for {face}")
            woff2 = f"{face}.woff2"
            if str(dest_dir / woff2) not in written:
                raise VendorError(f"{spec['dest']} refers to {woff2}, which is not in files")
            lines += fontface(spec, style, declared_weight(body, weight), woff2, m.group(1).strip())
    return "\n".join(lines).encode("utf-8")


def declared_weight(body: str, weight) -> str:
    """The face's font-weight as fontsource declares it: a range such as
    "200 800" for a variable font (weights: ["wght"]), else the weight itself."""
    m = re.search(r"font-weight:\s*([^;]+);", body)
    return m.group(1).strip() if m else str(weight)


# --------------------------------------------------------------------------- font subsets

def parse_unicodes(items) -> set[int]:
    """Code points of a CSS unicode-range ("U+0041-005A,U+00E9") or of a list of its parts,
    each part optionally followed by a space and the characters it stands for (checked):
    ["U+0020-007E", "U+2026 …"]."""
    if isinstance(items, str):
        items = items.split(",")
    cps: set[int] = set()
    for item in items:
        code, _, shown = item.strip().partition(" ")
        m = re.fullmatch(r"U\+([0-9A-Fa-f]{1,6})(?:-([0-9A-Fa-f]{1,6}))?", code)
        lo, hi = (int(m.group(1), 16), int(m.group(2) or m.group(1), 16)) if m else (1, 0)
        if hi < lo:
            raise VendorError(f"bad unicode range {item!r}")
        if shown and shown != "".join(map(chr, range(lo, hi + 1))):
            raise VendorError(f"{item!r}: {shown!r} are not the characters {code}")
        cps.update(range(lo, hi + 1))
    return cps


def format_unicodes(cps: set[int]) -> str:
    """The shortest CSS unicode-range for a set of code points."""
    runs: list[list[int]] = []
    for cp in sorted(cps):
        if runs and cp == runs[-1][1] + 1:
            runs[-1][1] = cp
        else:
            runs.append([cp, cp])
    return ",".join(f"U+{lo:04X}" if lo == hi else f"U+{lo:04X}-{hi:04X}" for lo, hi in runs)


def fontsource_blocks(tb: Tarball) -> dict[str, str]:
    """Every @font-face of the stylesheets at the package's root, by face (file stem)."""
    out: dict[str, str] = {}
    for name in sorted(tb.names):
        if "/" not in name and name.endswith(".css"):
            for face, body in FONTFACE_RE.findall(tb.read(name).decode("utf-8")):
                out.setdefault(face, body)
    return out


def subset_faces(pkg: dict, tb: Tarball) -> dict[str, dict]:
    """The package's files with a "subset", by face name: {"file", "codepoints", "weight"}.
    A face's code points are its "unicodes" minus those of the faces in its "minus"."""
    faces: dict[str, dict] = {}
    blocks = fontsource_blocks(tb)
    for e in pkg.get("files", []):
        sub = e.get("subset")
        if not sub:
            continue
        name = sub["face"]
        if name in faces:
            raise VendorError(f"{pkg['id']}: two subsets are face {name!r}")
        body = blocks.get(PurePosixPath(e["src"]).stem, "")
        if sub["unicodes"] == "fontsource":
            m = UNICODE_RANGE_RE.search(body)
            if not m:
                raise VendorError(f"{pkg['id']}: fontsource's CSS has no unicode-range "
                                  f"for {e['src']}")
            cps = parse_unicodes(m.group(1))
        else:
            cps = parse_unicodes(sub["unicodes"])
        for other in sub.get("minus", []):
            if other not in faces:
                raise VendorError(f"{pkg['id']}: face {name!r} subtracts {other!r}, "
                                  f"which must be a face listed before it")
            cps -= faces[other]["codepoints"]
        wght = sub.get("axes", {}).get("wght")
        weight = f"{wght[0]} {wght[1]}" if wght else declared_weight(body, 400)
        faces[name] = {"file": e, "codepoints": cps, "weight": weight}
    return faces


def import_fonttools():
    try:
        import fontTools  # noqa: F401  (only here: --check stays standard-library only)
        import brotli  # noqa: F401  (woff2)
    except ImportError as exc:
        raise VendorError(f"font subsets need fontTools and brotli ({exc}); run this script with "
                          f"the project's virtualenv: .venv/bin/python scripts/vendor.py")
    import logging
    logging.getLogger("fontTools").setLevel(logging.ERROR)  # "missing glyphs": checked below
    return fontTools


def cut_font(pkg: dict, e: dict, tb: Tarball) -> bytes:
    """The file `e` of the package cut to one face, as woff2: the source font instanced to the
    "axes", cut to the face's code points, every OpenType feature kept (tabular figures,
    ligatures, fractions...). Deterministic: no timestamp is written, so the same source and
    fontTools version give the same bytes."""
    import_fonttools()
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    sub = e["subset"]
    face = subset_faces(pkg, tb)[sub["face"]]
    font = TTFont(io.BytesIO(tb.read(e["src"])), recalcTimestamp=False)
    cmap = set(font.getBestCmap())
    if sub["unicodes"] != "fontsource":
        missing = sorted(face["codepoints"] - cmap)
        if missing:
            raise VendorError(f"{e['dest']}: {e['src']} has no glyph for "
                              f"{format_unicodes(set(missing))}")
    if not face["codepoints"] & cmap:
        raise VendorError(f"{e['dest']}: no glyph of {e['src']} is left in this face")
    axes = {tag: tuple(limits) for tag, limits in sub.get("axes", {}).items()}
    if axes:
        font = instancer.instantiateVariableFont(font, axes)
        # reloaded: the subsetter trips over the instancer's in-memory gvar (a glyph without
        # deltas has no key there, fontTools 4.68)
        buf = io.BytesIO()
        font.save(buf)
        font = TTFont(io.BytesIO(buf.getvalue()), recalcTimestamp=False)
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    options.bidi_closure = False  # no "‹" beside "›": a face holds exactly its unicode-range
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]  # names, copyright, licence (OFL)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=face["codepoints"])
    subsetter.subset(font)
    font.flavor = "woff2"
    font.recalcTimestamp = False
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


GENERATORS = {"fontsource-css": gen_fontsource_css}


# --------------------------------------------------------------------------- commands

def owned_extras(pkg: dict) -> list[Path]:
    """Files in the package's directory that the manifest does not produce."""
    d = safe_dest(ROOT, pkg["dir"])
    if not d.is_dir():
        return []
    wanted = {safe_dest(ROOT, expand(pkg, e["dest"])) for e in entries(pkg)}
    return sorted(p for p in d.rglob("*") if p.is_file() and p not in wanted)


def vendor_package(pkg: dict, workdir: Path, log) -> None:
    tgz, info = npm_pack(pkg, workdir)
    if pkg.get("integrity") and pkg["integrity"] != info["integrity"]:
        raise VendorError(
            f"{pkg['id']}: tarball integrity {info['integrity']} differs from the manifest "
            f"({pkg['integrity']}). If you changed the version by hand, delete the "
            f"'integrity' field (or use --upgrade).")
    pkg["integrity"] = info["integrity"]
    tb = Tarball(tgz)
    try:
        meta = json.loads(tb.read("package.json"))
        if meta.get("license") != pkg["license"]:
            raise VendorError(f"{pkg['id']}: package.json says licence {meta.get('license')!r}, "
                              f"manifest says {pkg['license']!r}")
        written: set[str] = set()
        changed = 0
        for e in [pkg["license_file"], *pkg.get("files", [])]:
            dest = expand(pkg, e["dest"])
            data = cut_font(pkg, e, tb) if e.get("subset") else tb.read(e["src"])
            changed += write_if_changed(safe_dest(ROOT, dest), data)
            e["sha256"] = sha256(data)
            written.add(dest)
        for g in pkg.get("generate", []):
            gen = GENERATORS.get(g["kind"])
            if gen is None:
                raise VendorError(f"{pkg['id']}: unknown generator {g['kind']!r}")
            data = gen(pkg, g, tb, written)
            dest = expand(pkg, g["dest"])
            changed += write_if_changed(safe_dest(ROOT, dest), data)
            g["sha256"] = sha256(data)
            written.add(dest)
        if any(e.get("subset") for e in pkg.get("files", [])):
            made_with = f"fontTools {import_fonttools().version}"
            if pkg.get("generated_with") not in (None, made_with):
                log(f"  note: font subsets cut with {made_with} (were {pkg['generated_with']}); "
                    f"their bytes may differ")
            pkg["generated_with"] = made_with
    finally:
        tb.close()
    extras = owned_extras(pkg)
    for p in extras:
        rel = p.relative_to(ROOT)
        if pkg.get("prune"):
            p.unlink()
            log(f"  removed stale {rel}")
        else:
            log(f"  note: {rel} is not in the manifest (left alone; prune is off)")
    n = len(entries(pkg))
    log(f"{pkg['id']}: {pkg['npm']}@{pkg['version']} ({pkg['license']}), "
        f"{n} files, {changed} written")


def cmd_vendor(manifest_path: Path, manifest: dict, upgrade: list[str] | None) -> int:
    log = print
    pkgs = manifest["packages"]
    with tempfile.TemporaryDirectory(prefix="vendor-") as tmp:
        workdir = Path(tmp)
        if upgrade is not None:
            targets = [p for p in pkgs if not upgrade or p["id"] in upgrade]
            unknown = set(upgrade) - {p["id"] for p in pkgs}
            if unknown:
                raise VendorError(f"unknown package id(s): {', '.join(sorted(unknown))}")
            for pkg in targets:
                rng = pkg.get("range")
                if not rng:
                    log(f"{pkg['id']}: no 'range', staying at {pkg['version']}")
                    continue
                found = json.loads(run_npm(["view", f"{pkg['npm']}@{rng}", "version", "--json"],
                                           cwd=workdir) or "null")
                if not found:
                    raise VendorError(f"{pkg['id']}: no version of {pkg['npm']} matches {rng}")
                versions = found if isinstance(found, list) else [found]
                best = max(versions, key=version_key)
                if best != pkg["version"]:
                    log(f"{pkg['id']}: {pkg['version']} -> {best}")
                    pkg["version"] = best
                    pkg.pop("integrity", None)
                else:
                    log(f"{pkg['id']}: {best} is the newest in {rng}")
        for pkg in pkgs:
            vendor_package(pkg, workdir, log)
    if save_manifest(manifest_path, manifest):
        log(f"updated {manifest_path}")
    return 0


def cmd_check(manifest: dict) -> int:
    problems, notes = [], []
    for pkg in manifest["packages"]:
        if not pkg.get("integrity"):
            problems.append(f"{pkg['id']}: no integrity recorded (run scripts/vendor.py)")
        for e in entries(pkg):
            rel = expand(pkg, e["dest"])
            p = safe_dest(ROOT, rel)
            if not p.is_file():
                problems.append(f"missing: {rel}")
            elif not e.get("sha256"):
                problems.append(f"no sha256 recorded for {rel} (run scripts/vendor.py)")
            elif sha256(p.read_bytes()) != e["sha256"]:
                problems.append(f"modified: {rel}")
        for p in owned_extras(pkg):
            msg = f"not in manifest: {p.relative_to(ROOT)}"
            (problems if pkg.get("prune") else notes).append(msg)
    for n in notes:
        print(f"note: {n}")
    for pr in problems:
        print(f"FAIL: {pr}", file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s); run `python scripts/vendor.py` to fix.",
              file=sys.stderr)
        return 1
    total = sum(len(entries(p)) for p in manifest["packages"])
    print(f"ok: {total} vendored files match the manifest")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST)
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true",
                      help="verify the files on disk against the manifest (no network)")
    mode.add_argument("--upgrade", nargs="*", metavar="ID",
                      help="move packages (all, or the given ids) to the newest version in "
                           "their range, then vendor")
    args = ap.parse_args(argv)
    try:
        manifest = load_manifest(args.manifest)
        if args.check:
            return cmd_check(manifest)
        return cmd_vendor(args.manifest.resolve(), manifest, args.upgrade)
    except VendorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

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
A package may also ask for generated files (at present: an @font-face stylesheet built from
fontsource's own CSS).

The script fills in two kinds of fields itself: "integrity" (npm's hash of the tarball; checked
on every later download of the same version) and "sha256" of every written file (checked by
--check). Running it twice changes nothing. Python 3.11 standard library only; needs `npm` on
PATH except for --check.
"""

from __future__ import annotations

import argparse
import hashlib
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


def gen_fontsource_css(pkg: dict, spec: dict, tb: Tarball, written: set[str]) -> bytes:
    """@font-face rules for local woff2 files, unicode-range copied from fontsource's CSS."""
    dest_dir = PurePosixPath(expand(pkg, spec["dest"])).parent
    prefix, style = spec["file_prefix"], spec.get("style", "normal")
    lines = [
        f"/* {spec['family']} — generated by scripts/vendor.py from "
        f"{pkg['npm']}@{pkg['version']} ({pkg['license']}, see LICENSE). Do not edit. */",
        "",
    ]
    for weight in spec["weights"]:
        css_name = f"{weight}.css" if style == "normal" else f"{weight}-{style}.css"
        blocks = dict(FONTFACE_RE.findall(tb.read(css_name).decode("utf-8")))
        for subset in spec["subsets"]:
            face = f"{prefix}-{subset}-{weight}-{style}"
            body = blocks.get(face)
            if body is None:
                raise VendorError(f"{css_name} has no @font-face for {face}")
            m = re.search(r"unicode-range:\s*([^;]+);", body)
            if not m:
                raise VendorError(f"{css_name}: no unicode-range for {face}")
            woff2 = f"{face}.woff2"
            if str(dest_dir / woff2) not in written:
                raise VendorError(f"{spec['dest']} refers to {woff2}, which is not in files")
            lines += [
                f"/* {face} */",
                "@font-face {",
                f"  font-family: '{spec['family']}';",
                f"  font-style: {style};",
                "  font-display: swap;",
                f"  font-weight: {declared_weight(body, weight)};",
                f"  src: url(./{woff2}) format('woff2');",
                f"  unicode-range: {m.group(1).strip()};",
                "}",
                "",
            ]
    return "\n".join(lines).encode("utf-8")


def declared_weight(body: str, weight) -> str:
    """The face's font-weight as fontsource declares it: a range such as
    "200 800" for a variable font (weights: ["wght"]), else the weight itself."""
    m = re.search(r"font-weight:\s*([^;]+);", body)
    return m.group(1).strip() if m else str(weight)


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
            data = tb.read(e["src"])
            changed += write_if_changed(safe_dest(ROOT, dest), data)
            e["sha256"] = sha256(data)
            written.add(dest)
        for g in pkg.get("generate", []):
            gen = GENERATORS.get(g["kind"])
            if gen is None:
                raise VendorError(f"{pkg['id']}: unknown generator {g['kind']!r}")
            data = gen(pkg, g, tb, written)
            changed += write_if_changed(safe_dest(ROOT, expand(pkg, g["dest"])), data)
            g["sha256"] = sha256(data)
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

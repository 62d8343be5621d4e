"""Vendor the browser builds of sigma, graphology and @zazuko/yasgui into the package.

    python tools/vendor_js.py            # npm ci from tools/vendor-npm/, copy, write VENDOR.json
    python tools/vendor_js.py --check    # install again and compare with what is vendored (exit 1 if not equal)
    python tools/vendor_js.py --update   # after changing a version in PACKAGES: new lock file, then vendor

The published files are copied unmodified into src/corpgraph/web/static/vendor/, each with its licence
text, a list of the packages its bundle is built from (with their licences, as npm installs them today)
and src/corpgraph/web/static/vendor/VENDOR.json (package, version, npm integrity, file, sha256, licence).
npm runs in a temporary folder outside the repository with install scripts off; nothing of npm's stays
but tools/vendor-npm/package.json and its lock file (integrity hashes of every package, no registry
addresses), which make a rerun reproduce the same files. To refresh, change a version in PACKAGES, run
with --update, look at the diff and run tests/test_vendor.py and tests/test_map_browser.py.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VENDOR = REPO / "src" / "corpgraph" / "web" / "static" / "vendor"
OWN_LICENCES = Path(__file__).resolve().parent / "vendor-licences"
NPM_PROJECT = Path(__file__).resolve().parent / "vendor-npm"


# What is vendored: the build a page loads with a plain <script src> (UMD, minified) and its CSS.
PACKAGES: list[dict] = [
    {
        "package": "graphology",
        "version": "0.26.0",
        "files": ["dist/graphology.umd.min.js"],
        "licence_file": "LICENSE.txt",
        "global": "graphology",
    },
    {
        "package": "sigma",
        "version": "3.0.3",
        "files": ["dist/sigma.min.js"],
        "licence_file": "LICENSE.txt",
        "global": "Sigma",
    },
    {
        "package": "@zazuko/yasgui",
        "version": "4.6.2",
        "files": ["build/yasgui.min.js", "build/yasgui.min.css"],
        # The npm package ships no licence file (its package.json says MIT): the text is the LICENSE
        # of the repository its package.json names, kept in tools/vendor-licences/.
        "licence_file": None,
        "own_licence": "zazuko-yasgui.LICENSE",
        "global": "Yasgui",
    },
]

LICENCE_NAMES = ("LICENSE", "LICENSE.txt", "LICENSE.md", "LICENCE", "LICENCE.txt", "license", "LICENSE-MIT")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def slug(package: str) -> str:
    return package.lstrip("@").replace("/", "-")


NPM_FLAGS = ["--ignore-scripts", "--no-audit", "--no-fund", "--omit-lockfile-registry-resolved"]


def npm_install(folder: Path, *, update: bool) -> None:
    """Install the pinned packages into `folder` (outside the repository); no install scripts run.

    Without `update`, `npm ci` installs exactly what the committed lock file lists (integrity checked);
    with it, npm resolves the versions in PACKAGES anew and the new lock file is copied back."""
    if update:
        (folder / "package.json").write_text(
            json.dumps({"name": "corpgraph-vendor", "private": True}, indent=2) + "\n"
        )
        specs = [f"{p['package']}@{p['version']}" for p in PACKAGES]
        subprocess.run(["npm", "install", *NPM_FLAGS, "--save-exact", *specs], cwd=folder, check=True)
        NPM_PROJECT.mkdir(exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(folder / name, NPM_PROJECT / name)
        return
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(NPM_PROJECT / name, folder / name)
    subprocess.run(["npm", "ci", *NPM_FLAGS], cwd=folder, check=True)


def licence_text(package_dir: Path) -> str | None:
    for name in LICENCE_NAMES:
        if (package_dir / name).is_file():
            return (package_dir / name).read_text(encoding="utf-8", errors="replace")
    return None


def dependency_tree(lock: dict, package: str) -> list[str]:
    """The lock-file keys of every package `package` depends on, transitively (its bundle is built from them)."""
    packages = lock["packages"]
    seen: list[str] = []
    todo = [f"node_modules/{package}"]
    while todo:
        key = todo.pop()
        for dep in sorted(packages[key].get("dependencies", {})):
            # npm resolves a dependency in the nearest node_modules up the folder chain.
            parts = key.split("/node_modules/")
            for depth in range(len(parts), 0, -1):
                candidate = "/node_modules/".join(parts[:depth]) + f"/node_modules/{dep}"
                if candidate in packages:
                    break
            else:
                candidate = f"node_modules/{dep}"
            if candidate in packages and candidate not in seen:
                seen.append(candidate)
                todo.append(candidate)
    return sorted(seen)


def third_party(folder: Path, lock: dict, package: str) -> str:
    lines = [
        f"The published bundle of {package} is built from these npm packages (the versions npm",
        "installs for it at vendoring time; its publisher's own lock file may have pinned others):",
        "",
    ]
    texts = []
    for key in dependency_tree(lock, package):
        meta = lock["packages"][key]
        name = key.rsplit("node_modules/", 1)[1]
        lines.append(f"- {name} {meta.get('version', '?')}: {meta.get('license', 'no licence declared')}")
        text = licence_text(folder / key)
        if text:
            texts.append(f"\n{'=' * 72}\n{name} {meta.get('version', '?')}\n{'=' * 72}\n{text.strip()}\n")
    return "\n".join(lines) + "\n" + "".join(texts)


def build(folder: Path, out: Path) -> dict:
    """Copy the files from an npm install in `folder` into `out`; return the VENDOR.json document."""
    lock = json.loads((folder / "package-lock.json").read_text())
    (out / "licences").mkdir(parents=True, exist_ok=True)
    entries = []
    for spec in PACKAGES:
        name = spec["package"]
        package_dir = folder / "node_modules" / name
        meta = json.loads((package_dir / "package.json").read_text())
        if meta["version"] != spec["version"]:
            raise SystemExit(f"{name}: npm installed {meta['version']}, expected {spec['version']}")
        if spec["licence_file"]:
            text = (package_dir / spec["licence_file"]).read_text(encoding="utf-8")
        else:
            text = (OWN_LICENCES / spec["own_licence"]).read_text(encoding="utf-8")
        licence_path = f"licences/{slug(name)}.LICENSE.txt"
        (out / licence_path).write_text(text, encoding="utf-8")
        third_party_path = f"licences/{slug(name)}.THIRD-PARTY.txt"
        (out / third_party_path).write_text(third_party(folder, lock, name), encoding="utf-8")
        for source in spec["files"]:
            target = out / Path(source).name
            shutil.copyfile(package_dir / source, target)
            entries.append(
                {
                    "file": target.name,
                    "package": name,
                    "version": meta["version"],
                    "from": source,
                    "sha256": sha256(target),
                    "licence": meta["license"],
                    "licence_file": licence_path,
                    "licence_sha256": sha256(out / licence_path),
                    "third_party": third_party_path,
                    "third_party_sha256": sha256(out / third_party_path),
                    "npm_integrity": lock["packages"][f"node_modules/{name}"]["integrity"],
                    "repository": (meta.get("repository") or {}).get("url", ""),
                    "global": spec["global"],
                }
            )
    return {
        "about": "Unmodified published browser builds, vendored by tools/vendor_js.py; nothing is fetched at run time.",
        "files": entries,
    }


def write(out: Path, doc: dict) -> None:
    (out / "VENDOR.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="compare a fresh install with the vendored files")
    mode.add_argument("--update", action="store_true", help="resolve PACKAGES anew and rewrite the lock file")
    args = parser.parse_args(argv)
    if shutil.which("npm") is None:
        raise SystemExit("npm is needed to vendor (Debian: apt-get install npm)")
    with tempfile.TemporaryDirectory(prefix="corpgraph-vendor-") as tmp:
        folder = Path(tmp) / "npm"
        folder.mkdir()
        npm_install(folder, update=args.update)
        if not args.check:
            if VENDOR.exists():
                shutil.rmtree(VENDOR)
            VENDOR.mkdir(parents=True)
            write(VENDOR, build(folder, VENDOR))
            print(f"vendored {len(PACKAGES)} packages into {VENDOR.relative_to(REPO)}")
            return 0
        fresh = Path(tmp) / "vendor"
        fresh.mkdir()
        write(fresh, build(folder, fresh))
        ours = {p.relative_to(VENDOR): sha256(p) for p in VENDOR.rglob("*") if p.is_file()}
        theirs = {p.relative_to(fresh): sha256(p) for p in fresh.rglob("*") if p.is_file()}
        differ = sorted(str(p) for p in ours.keys() | theirs.keys() if ours.get(p) != theirs.get(p))
        for path in differ:
            print(f"differs: {path}")
        print("vendored files match the registry" if not differ else f"{len(differ)} files differ")
        return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())

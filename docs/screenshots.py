"""Make the README's screenshots of maps: python docs/screenshots.py [OUT_FOLDER]

Renders maps of the bundled graph with `corpgraph map` and photographs them in headless Chromium
(Debian's `chromium`, driven by playwright), once each has settled and placed its labels:
map.png (the whole graph), path-map.png (the paths from AWS to ICE), embed.png (the embed at
860x520, as in an article's iframe).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("CORPGRAPH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
SHOTS = [
    ("map.png", [], (1280, 860)),
    ("path-map.png", ["--path", "AWS", "ICE"], (1280, 860)),
    ("embed.png", ["--embed", "--focus", "Citizens Financial Group", "--depth", "2"], (860, 520)),
]


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1767225600"}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for name, selection, (width, height) in SHOTS:
            page_file = Path(tmp) / (name + ".html")
            subprocess.run(
                [sys.executable, "-m", "corpgraph", "map", *selection, "-o", str(page_file)], check=True, env=env
            )
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(page_file.as_uri())
            deadline = time.monotonic() + 60
            while not page.evaluate("window.cgSettled === true"):
                if time.monotonic() > deadline:
                    raise SystemExit(f"{name}: the map never settled")
                time.sleep(0.1)
            page.wait_for_timeout(600)  # labels are placed once the layout is still
            page.screenshot(path=str(out / name))
            page.close()
            print(f"wrote {out / name}")
        browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "screenshots")

"""Make the README's screenshots of the web app: python docs/screenshots_app.py [OUT_FOLDER]

Starts `corpgraph serve` on the bundled graph (with the example story) on a free loopback port and
photographs its pages in headless Chromium (Debian's `chromium`, driven by playwright):
app-entity.png (an entity page with its network), app-paths.png (the path finder), app-query.png
(a named query as a form, with its answer), app-story.png (a story step in the app).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright
from screenshots import ARGS, CHROMIUM, HERE  # the map screenshots' browser, beside this file

STORY = HERE.parent / "templates" / "story-aws-ice.md"
SHOTS = [
    ("app-entity.png", "/entity/citizens-financial-group"),
    ("app-paths.png", "/paths?from=AWS&to=ICE"),
    ("app-query.png", "/query/financiers-of-prison-operators"),
    ("app-story.png", "/map?story=story-aws-ice#story=3"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "corpgraph", "serve", "--port", str(port), "--story", str(STORY)],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/api/search?q=a", timeout=5):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("corpgraph serve never answered") from None
                time.sleep(0.2)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for name, path in SHOTS:
                page = browser.new_page(viewport={"width": 1280, "height": 860})
                page.goto(base + path)
                page.wait_for_load_state("networkidle")
                page.wait_for_timeout(2500)  # the network settles and places its labels
                page.screenshot(path=str(out / name))
                page.close()
                print(f"wrote {out / name}")
            browser.close()
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "screenshots")

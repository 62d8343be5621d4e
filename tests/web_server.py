"""A real `corpgraph serve` server (uvicorn, in a thread) on a free loopback port, for the browser and
load tests."""

from __future__ import annotations

import threading
import time
import urllib.request

from corpgraph.backend import Backend
from corpgraph.cli.serve_cmds import _listen
from corpgraph.web.app import create_app
from corpgraph.web.service import ServeSettings


class RunningServer:
    def __init__(self, backend: Backend, **settings):
        import uvicorn

        self.sock = _listen("127.0.0.1", 0)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        app = create_app(backend, ServeSettings(port=self.port, **settings))
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(self.url + "/api/search?q=a", timeout=5) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the server never answered"
            time.sleep(0.05)

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()

"""A stand-in for the retailer's image CDN: serves the demo catalog's product images over HTTP on a free port.

Product image URLs are the retailer's (https, on its CDN) in AWS; locally the demo catalog points here, so the
customer's cart page shows pictures without any network. `DEMO_IMAGES_URL` is its base URL.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from infra.local import stack

ENVIRONMENT = "DEMO_IMAGES_URL"
IMAGES = Path(__file__).resolve().parent / "images"
_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg"}


class ImageServer:
    def __init__(self, directory: Path = IMAGES) -> None:
        self.directory = directory
        self.base_url = ""
        self._server: ThreadingHTTPServer | None = None

    def start(self, host: str = "127.0.0.1", port: int | None = None) -> ImageServer:
        files = {f"/{p.name}": p for p in self.directory.iterdir() if p.suffix in _TYPES}

        class _Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = files.get(self.path.split("?")[0])
                body = path.read_bytes() if path else b"not found"
                self.send_response(200 if path else 404)
                self.send_header("Content-Type", _TYPES[path.suffix] if path else "text/plain")
                self.send_header("Cache-Control", "public, max-age=3600")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                return

        server = ThreadingHTTPServer((host, port or stack.free_port()), _Handler)
        server.daemon_threads = True
        self.base_url = f"http://{host}:{server.server_address[1]}"
        self._server = server
        threading.Thread(target=server.serve_forever, name="images", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

"""The shared browser helper itself: a page served here renders and runs its script."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.chromium import chromium

PAGE = (
    b"<html><body><p id='p'>static</p>"
    b"<script>document.getElementById('p').textContent='ran'</script></body></html>"
)


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args: object) -> None:
        pass


def test_headless_chromium_renders_a_local_page(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with chromium(tmp_path) as driver:
            driver.get(f"http://127.0.0.1:{server.server_address[1]}/")
            assert driver.find_element("id", "p").text == "ran"
        assert (tmp_path / "chromium-profile").is_dir()
    finally:
        server.shutdown()
        server.server_close()

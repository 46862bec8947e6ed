"""``autodiff playground``: serve a built playground folder on 127.0.0.1 and open it in the browser.

A plain static server (Python's ``http.server``) with the types a WebAssembly page needs
(``.wasm``, ``.mjs``); it answers only from the folder and only on the loopback address. The
folder is built by ``make playground`` (tools/build_playground.py); any static host serves it too.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
import webbrowser
from collections.abc import Callable

HOST = "127.0.0.1"
DEFAULT_FOLDER = os.path.join("build", "playground")
TYPES = {".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript", ".whl": "application/zip"}


class Handler(http.server.SimpleHTTPRequestHandler):
    """Files of one folder; each request line and status go to ``record`` (default: stderr)."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **TYPES}
    record: Callable[[str, int], None] | None = None

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if self.record is not None:
            self.record(self.path, int(code) if str(code).isdigit() else 0)
        else:
            super().log_request(code, size)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()


def check_folder(folder: str) -> str | None:
    """Why ``folder`` is not a built playground (None when it is one)."""
    if not os.path.isfile(os.path.join(folder, "index.html")) or not os.path.isdir(os.path.join(folder, "wheels")):
        return (
            f"{folder!r} is not a built playground (no index.html and wheels/ in it); build one with "
            "`make playground` in a clone of stepgrad, or name the folder with --dir"
        )
    return None


def server(
    folder: str, port: int = 0, record: Callable[[str, int], None] | None = None
) -> http.server.ThreadingHTTPServer:
    """An HTTP server of ``folder`` on 127.0.0.1 (``port`` 0: a free one), not yet serving."""
    handler = type("PlaygroundHandler", (Handler,), {"record": staticmethod(record) if record else None})
    return http.server.ThreadingHTTPServer((HOST, port), functools.partial(handler, directory=folder))


def serve(folder: str, port: int = 0, open_browser: bool = True) -> None:
    """Serve ``folder`` until Ctrl+C, opening the page in the default browser (unless told not to)."""
    with server(folder, port) as httpd:
        url = f"http://{HOST}:{httpd.server_address[1]}/index.html"
        print(f"playground: serving {os.path.abspath(folder)} at {url} (Ctrl+C stops)", flush=True)
        if open_browser:
            threading.Timer(0.3, webbrowser.open, (url,)).start()
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            print("\nplayground: stopped")

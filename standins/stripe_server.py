"""The stand-in's HTTP server: a threaded loopback server around one app."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standins import stripe_control, stripe_hosted
from standins.stripe_api import Reply, Request
from standins.stripe_parts import StripeParts


class StripeStandinApp(StripeParts):
    """The stand-in's parts plus routing: control endpoints, hosted pages, the API."""

    def handle(self, req: Request) -> Reply:
        if req.path == stripe_control.PREFIX or req.path.startswith(stripe_control.PREFIX + "/"):
            return stripe_control.handle(self, req)
        if stripe_hosted.is_hosted(req.path):
            return stripe_hosted.serve(self.state, req.path)
        return self.api.handle(req)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "stripe-standin"
    sys_version = ""
    timeout = 60
    wbufsize = -1  # one write per answer: headers and body leave together
    disable_nagle_algorithm = True
    server: StripeServer

    def do_GET(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        app = self.server.app
        reply = app.handle(Request(self.command, path, query, self.headers, body))
        ready = app.webhooks.record(reply.events)
        if reply.drop:
            self.close_connection = True
        else:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
            self.wfile.flush()
        app.webhooks.release(ready)

    do_POST = do_PUT = do_DELETE = do_GET

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the request log is kept by the app."""


class StripeServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str, port: int, app: StripeStandinApp) -> None:
        super().__init__((host, port), _Handler)
        self.app = app
        app.base_url = f"http://{host}:{self.server_port}"


def start_in_thread(host: str = "127.0.0.1", port: int = 0) -> tuple[StripeServer, threading.Thread]:
    """Bind (port 0: a free one) and serve in a daemon thread."""
    server = StripeServer(host, port, StripeStandinApp())
    thread = threading.Thread(target=server.serve_forever, name="stripe-standin", daemon=True)
    thread.start()
    return server, thread


def stop(server: StripeServer, thread: threading.Thread) -> None:
    server.shutdown()
    server.server_close()
    server.app.webhooks.stop()
    thread.join(timeout=5)

"""`billing serve`: the function app's HTTP routes on 127.0.0.1 for development
and end-to-end tests, dispatching to the same registered Azure handlers, routed
as the Functions host routes (registration order, route constraints), with CORS
for the console's origins, and the app's storage queues run in-process by its
queue-trigger functions."""
from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import azure.functions as func
from werkzeug.serving import ThreadedWSGIServer
from werkzeug.wrappers import Request, Response

from billing.local import cors
from billing.local.console import handles, serve_console
from billing.local.queue import LocalOut, LocalQueues, queue_output, queue_triggers
from functions._routes import match_route
from functions.fallback import unmatched

ALL_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


class Router:
    """The host's routing: routes tried in registration order, constraints honoured,
    the first whose template and methods match answers. A function's queue output
    goes to ``queues`` once it returns (without queues, e.g. routing tests, nowhere)."""

    def __init__(self, functions: list[Any], queues: LocalQueues | None = None) -> None:
        self.routes = []
        for function in functions:
            trigger = next(b for b in function.get_bindings() if b.type == "httpTrigger")
            methods = (tuple(str(getattr(m, "value", m)).upper() for m in trigger.methods)
                       if trigger.methods else ALL_METHODS)
            handler = _with_output(function.get_user_function(), queue_output(function), queues)
            self.routes.append((trigger.route, methods, handler))

    def match(self, method: str, path: str) -> tuple[Any, dict[str, str]] | None:
        """The handler and route parameters for ``method`` on ``path`` (after /api/)."""
        for route, methods, handler in self.routes:
            if method in methods and (params := match_route(route, path)) is not None:
                return handler, params
        return None

    def methods(self, path: str) -> list[str]:
        """The methods some route other than a catch-all takes on ``path``."""
        return sorted({m for route, methods, _ in self.routes if "{*" not in route
                       and match_route(route, path) is not None for m in methods})


def _with_output(user_function: Any, output: str | None,
                 queues: LocalQueues | None) -> Any:
    """The HTTP function as the host calls it: given an ``outbox`` if it declares a
    queue output, whose message is put on that queue after the function returned."""
    if output is None:
        return user_function

    def call(req: func.HttpRequest) -> func.HttpResponse:
        outbox = LocalOut()
        response = user_function(req, outbox)
        if outbox.get() is not None and queues is not None:
            queues.send(output, outbox.get())
        return response

    call.__name__ = user_function.__name__
    return call


def _forwarded_for(request: Request, environ: dict[str, Any]) -> dict[str, str]:
    """The request headers with the peer appended to ``X-Forwarded-For``, as Azure's
    front end does (the app trusts only that rightmost entry)."""
    headers = {k: v for k, v in request.headers.items() if k.lower() != "x-forwarded-for"}
    peer = f"{environ.get('REMOTE_ADDR', '')}:{environ.get('REMOTE_PORT', '')}"
    sent = request.headers.get("X-Forwarded-For")
    headers["X-Forwarded-For"] = f"{sent}, {peer}" if sent else peer
    return headers


def _request(request: Request, environ: dict[str, Any],
             params: dict[str, str]) -> func.HttpRequest:
    return func.HttpRequest(
        method=request.method, url=request.url, headers=_forwarded_for(request, environ),
        params={k: ",".join(v) for k, v in request.args.lists()}, route_params=params,
        body=request.get_data())


def wsgi_app(functions: list[Any], origins: frozenset[str] | None = None,
             queues: LocalQueues | None = None) -> Any:
    """A WSGI application that routes like the Functions host does, with CORS for
    ``origins`` (default: ``BILLING_CORS_ORIGINS``), queue outputs going to ``queues``,
    and serves the built console at /admin/billing/."""
    router = Router(functions, queues)
    allowed = cors.allowed_origins() if origins is None else origins

    def application(environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if handles(request.path):
            return serve_console(environ, start_response)
        origin = request.headers.get("Origin", "").rstrip("/")
        origin = origin if origin in allowed else ""
        path = request.path[len("/api/"):] if request.path.startswith("/api/") else None
        if origin and path is not None and cors.is_preflight(request.method, request.headers) \
                and (methods := router.methods(path)):
            return Response(status=204, headers=cors.preflight_headers(origin, methods))(
                environ, start_response)
        found = router.match(request.method, path) if path is not None else None
        out: func.HttpResponse = (found[0](_request(request, environ, found[1])) if found
                                  else unmatched(request.method, request.url))
        headers = dict(out.headers)
        headers.setdefault("Content-Type", f"{out.mimetype}; charset={out.charset}")
        if origin:
            headers.update(cors.response_headers(origin))
        return Response(out.get_body(), status=out.status_code, headers=headers)(
            environ, start_response)

    return application


@lru_cache(maxsize=1)
def all_functions() -> list[Any]:
    """Import ``function_app`` as the Functions host does and index its functions once
    (the SDK refuses to index the same app twice). The checkout's root (where
    ``function_app.py`` lives) is put on the path if needed."""
    root = str(Path(__file__).resolve().parents[2])
    if importlib.util.find_spec("function_app") is None and root not in sys.path:
        sys.path.append(root)
    return importlib.import_module("function_app").app.get_functions()


def registered_functions() -> list[Any]:
    """The HTTP functions, in registration order (timers and queue functions have no
    route)."""
    return [f for f in all_functions() if any(b.type == "httpTrigger" for b in f.get_bindings())]


def local_queues() -> LocalQueues:
    """The app's storage queues in-process, feeding its queue-trigger functions (started)."""
    return LocalQueues(queue_triggers(all_functions())).start()


class LocalServer(ThreadedWSGIServer):
    """The threaded WSGI server with the app's queues; closing it stops them."""

    queues: LocalQueues

    def server_close(self) -> None:
        super().server_close()
        self.queues.stop()


def make_local_server(port: int, host: str = "127.0.0.1") -> LocalServer:
    """A threaded server for the registered routes and queues (port 0 picks a free one)."""
    queues = local_queues()
    server = LocalServer(host, port, wsgi_app(registered_functions(), queues=queues))
    server.queues = queues
    return server


def serve_in_thread(port: int = 0) -> tuple[LocalServer, threading.Thread]:
    """Start a server in a daemon thread (tests); call ``server.shutdown()`` and
    ``server.server_close()`` to stop it and its queues."""
    server = make_local_server(port)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                              daemon=True)
    thread.start()
    return server, thread

"""`billing serve`: the function app's HTTP routes on 127.0.0.1 for development
and end-to-end tests, dispatching to the same registered Azure handlers, with the
app's storage queues run in-process by its queue-trigger functions."""
from __future__ import annotations

import importlib
import importlib.util
import re
import sys
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import azure.functions as func
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.serving import ThreadedWSGIServer
from werkzeug.wrappers import Request, Response

from billing.local.console import handles, serve_console
from billing.local.queue import LocalOut, LocalQueues, queue_output, queue_triggers

_PARAM = re.compile(r"\{(\w+)(?::[^}]*)?\}")


def _rules(functions: list[Any]) -> Map:
    rules = []
    for function in functions:
        trigger = next(b for b in function.get_bindings() if b.type == "httpTrigger")
        path = "/api/" + _PARAM.sub(r"<\1>", trigger.route)
        methods = [str(m.value if hasattr(m, "value") else m) for m in trigger.methods]
        endpoint = (function.get_user_function(), queue_output(function))
        rules.append(Rule(path, methods=methods, endpoint=endpoint))
    return Map(rules, strict_slashes=False)


def _forwarded_for(request: Request, environ: dict[str, Any]) -> dict[str, str]:
    """The request headers with the peer appended to ``X-Forwarded-For``, as Azure's
    front end does (the app trusts only that rightmost entry)."""
    headers = {k: v for k, v in request.headers.items() if k.lower() != "x-forwarded-for"}
    peer = f"{environ.get('REMOTE_ADDR', '')}:{environ.get('REMOTE_PORT', '')}"
    sent = request.headers.get("X-Forwarded-For")
    headers["X-Forwarded-For"] = f"{sent}, {peer}" if sent else peer
    return headers


def wsgi_app(functions: list[Any], queues: LocalQueues) -> Any:
    """A WSGI application that routes like the Functions host does (and serves the
    built console at /admin/billing/); messages written through queue output
    bindings go to ``queues`` once the function returns."""
    url_map = _rules(functions)

    def application(environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if handles(request.path):
            return serve_console(environ, start_response)
        try:
            (handler, output), values = url_map.bind_to_environ(environ).match()
        except HTTPException as exc:
            return exc(environ, start_response)
        req = func.HttpRequest(
            method=request.method, url=request.url, headers=_forwarded_for(request, environ),
            params=dict(request.args), route_params=values, body=request.get_data(),
        )
        out = _invoke(handler, req, output, queues)
        headers = dict(out.headers)
        headers.setdefault("Content-Type", f"{out.mimetype}; charset={out.charset}")
        return Response(out.get_body(), status=out.status_code, headers=headers)(
            environ, start_response)

    return application


def _invoke(handler: Any, req: func.HttpRequest, output: str | None,
            queues: LocalQueues) -> func.HttpResponse:
    if output is None:
        return handler(req)
    outbox = LocalOut()
    response = handler(req, outbox)
    if outbox.get() is not None:
        queues.send(output, outbox.get())
    return response


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
    """The HTTP functions (timers and queue functions have no route)."""
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
    server = LocalServer(host, port, wsgi_app(registered_functions(), queues))
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

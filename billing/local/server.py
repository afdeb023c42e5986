"""`billing serve`: the function app's HTTP routes on 127.0.0.1 for development
and end-to-end tests, dispatching to the same registered Azure handlers."""
from __future__ import annotations

import importlib
import re
import threading
from functools import lru_cache
from typing import Any

import azure.functions as func
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

_PARAM = re.compile(r"\{(\w+)(?::[^}]*)?\}")


def _rules(functions: list[Any]) -> Map:
    rules = []
    for function in functions:
        trigger = next(b for b in function.get_bindings() if b.type == "httpTrigger")
        path = "/api/" + _PARAM.sub(r"<\1>", trigger.route)
        methods = [str(m.value if hasattr(m, "value") else m) for m in trigger.methods]
        rules.append(Rule(path, methods=methods, endpoint=function.get_user_function()))
    return Map(rules, strict_slashes=False)


def wsgi_app(functions: list[Any]) -> Any:
    """A WSGI application that routes like the Functions host does."""
    url_map = _rules(functions)

    def application(environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        try:
            handler, values = url_map.bind_to_environ(environ).match()
        except HTTPException as exc:
            return exc(environ, start_response)
        req = func.HttpRequest(
            method=request.method, url=request.url, headers=dict(request.headers),
            params=dict(request.args), route_params=values, body=request.get_data(),
        )
        out: func.HttpResponse = handler(req)
        headers = dict(out.headers)
        headers.setdefault("Content-Type", f"{out.mimetype}; charset={out.charset}")
        return Response(out.get_body(), status=out.status_code, headers=headers)(
            environ, start_response)

    return application


@lru_cache(maxsize=1)
def registered_functions() -> list[Any]:
    """Import ``function_app`` as the Functions host does and index its HTTP functions
    once (the SDK refuses to index the same app twice); timers have no route."""
    functions = importlib.import_module("function_app").app.get_functions()
    return [f for f in functions if any(b.type == "httpTrigger" for b in f.get_bindings())]


def make_local_server(port: int, host: str = "127.0.0.1") -> BaseWSGIServer:
    """A threaded server for the registered routes (port 0 picks a free one)."""
    return make_server(host, port, wsgi_app(registered_functions()), threaded=True)


def serve_in_thread(port: int = 0) -> tuple[BaseWSGIServer, threading.Thread]:
    """Start a server in a daemon thread (tests); call ``server.shutdown()`` to stop."""
    server = make_local_server(port)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                              daemon=True)
    thread.start()
    return server, thread

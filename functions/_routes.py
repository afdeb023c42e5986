"""Route templates as the Functions host reads them (ASP.NET route syntax:
``{name}``, ``{name:guid}``, ``{name:int}``, ``{*rest}``), case-insensitive.

The host tries routes in registration order, not literal-first, so an id
parameter carries a constraint (``{customer_id:guid}``) that no literal
segment such as ``export.csv`` can satisfy. The local server routes with the
same rules, and the fallback function answers 404/405 from them.
"""
from __future__ import annotations

import re
from functools import cache

GUID = r"[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{12}"
CONSTRAINTS = {"guid": GUID, "int": r"-?[0-9]+", "alpha": r"[A-Za-z]+",
               "bool": r"(?:[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])"}
_PARAM = re.compile(r"\{(\*?)(\w+)(?::(\w+))?(\?)?\}")


@cache
def compile_route(route: str) -> re.Pattern[str]:
    """The regex of a route template (relative to ``/api``) matching a whole path
    after ``/api/``; named groups are the route parameters."""
    out, pos = [], 0
    for match in _PARAM.finditer(route):
        out.append(re.escape(route[pos:match.start()]))
        catch_all, name, constraint, optional = match.groups()
        if constraint is not None and constraint not in CONSTRAINTS:
            raise ValueError(f"unsupported route constraint {constraint!r} in {route!r}")
        body = ".*" if catch_all else CONSTRAINTS.get(constraint or "", r"[^/]+")
        out.append(f"(?P<{name}>{body}){'?' if optional or catch_all else ''}")
        pos = match.end()
    out.append(re.escape(route[pos:]))
    return re.compile("".join(out) + "/?", re.IGNORECASE)


def match_route(route: str, path: str) -> dict[str, str] | None:
    """The route parameters if ``path`` (after ``/api/``) matches ``route``, else None."""
    found = compile_route(route).fullmatch(path)
    return None if found is None else {k: v for k, v in found.groupdict().items()
                                       if v is not None}

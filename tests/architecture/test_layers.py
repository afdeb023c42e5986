"""The layers hold: no import cycles, the product never reaches into local tooling, and
only the local server loads ``function_app``."""
from __future__ import annotations

import pytest

from tests.architecture.imports import cycles, import_graph

PRODUCT = ("functions", "billing.domain", "billing.usecases", "billing.adapters",
           "billing.bootstrap", "billing.config", "billing.ports")
LOCAL = "billing.local"


def _under(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def test_the_packages_have_no_import_cycle():
    assert cycles(import_graph()) == []


def test_cycle_finder_sees_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_the_product_imports_nothing_from_the_local_package():
    graph = import_graph()
    wrong = {m: sorted(n for n in graph[m] if _under(n, (LOCAL, "standins")))
             for m in graph if _under(m, PRODUCT)}
    assert {m: n for m, n in wrong.items() if n} == {}


def test_only_the_local_server_loads_function_app():
    graph = import_graph()
    assert sorted(m for m, names in graph.items() if "function_app" in names) == [
        "billing.local.server"]


@pytest.mark.parametrize("layer, forbidden", [
    ("billing.domain", ("billing.usecases", "billing.adapters", "billing.bootstrap",
                        "functions", "billing.cli")),
    ("billing.usecases", ("functions", "billing.cli")),
    ("billing.adapters", ("billing.usecases", "functions", "billing.cli")),
    ("billing", ("functions",)),
])
def test_dependencies_point_inward(layer, forbidden):
    graph = import_graph()
    allowed_local = (LOCAL,) if layer == "billing" else ()
    wrong = {m: sorted(n for n in graph[m] if _under(n, forbidden))
             for m in graph if _under(m, (layer,)) and not _under(m, allowed_local)}
    assert {m: n for m, n in wrong.items() if n} == {}


def test_benchmarks_do_not_import_the_tests():
    from tests.architecture.imports import ROOT, imported_names

    wrong = {p.name: sorted(n for n in imported_names(p) if n.split(".")[0] == "tests")
             for p in sorted((ROOT / "bench").glob("*.py"))}
    assert {k: v for k, v in wrong.items() if v} == {}
